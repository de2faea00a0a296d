// Makes `npm test` and `npm start` work on a fresh clone: installs the npm dependencies when they
// are missing or older than package-lock.json, then the offline VS Code (code-server) the
// integration and UI tests run in. Idempotent: a no-op (well under a second) when all is in place.
import { execFileSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const marker = path.join(root, 'node_modules', '.package-lock.json');
const lock = path.join(root, 'package-lock.json');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const run = (args) => execFileSync(npm, args, { cwd: root, stdio: 'inherit' });

if (!existsSync(marker) || statSync(marker).mtimeMs < statSync(lock).mtimeMs) {
  console.log('setup: installing npm dependencies (npm ci)…');
  run(['ci', '--no-audit', '--no-fund']);
}
if (!process.argv.includes('--no-code-server')) {
  execFileSync(process.execPath, [path.join(root, 'scripts', 'setup-code-server.mjs')], { cwd: root, stdio: 'inherit' });
}
