#!/usr/bin/env node
// `npm start [-- /path/to/dicom] [--port N]`: the one-command demo.
// Installs what is missing, builds and packages the extension (.vsix), generates a sample of
// synthetic CT studies in LIDC-IDRI's folder shape unless you name a folder, starts a real VS Code
// (code-server) on 127.0.0.1 with the packaged extension installed and that folder open, and prints
// the address to open in a browser. Ctrl-C stops everything it started.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values, positionals } = parseArgs({
  options: { port: { type: 'string', default: process.env.PORT ?? '8080' }, help: { type: 'boolean', short: 'h' } },
  allowPositionals: true,
});
if (values.help) {
  console.log('usage: npm start [-- /path/to/dicom/folder] [--port N]   (default: a generated LIDC-like sample, port 8080)');
  process.exit(0);
}
const step = (msg) => console.log(`\x1b[1m▸ ${msg}\x1b[0m`);
const run = (cmd, args) => execFileSync(cmd, args, { cwd: root, stdio: 'inherit' });
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

step('checking dependencies (npm packages, the offline VS Code)');
run(process.execPath, [path.join(root, 'scripts', 'ensure-setup.mjs')]);

step('building and packaging the extension');
run(npm, ['run', '--silent', 'package']);
run(npm, ['run', '--silent', 'compile']);
const vsix = path.join(root, 'dist', 'dicom-workspace-index.vsix');

let folder;
if (positionals[0]) {
  folder = path.resolve(positionals[0]);
  if (!existsSync(folder) || !statSync(folder).isDirectory()) {
    console.error(`npm start: ${folder} is not a folder`);
    process.exit(2);
  }
} else {
  folder = path.join(root, '.cache', 'demo', 'LIDC-sample');
  if (!existsSync(path.join(folder, '.sample-manifest.json'))) {
    step(`generating a sample of synthetic CT studies in LIDC-IDRI's folder shape into ${path.relative(root, folder)}`);
    run(process.execPath, [path.join(root, 'out', 'tools', 'sample', 'cli.js'), folder]);
  }
}

step('starting VS Code (code-server) on 127.0.0.1');
const { startCodeServer, installExtension } = await import('../test/harness/codeServer.mjs');
const stateDir = path.join(root, '.cache', 'demo', 'state');
rmSync(path.join(stateDir, 'extensions'), { recursive: true, force: true });
mkdirSync(stateDir, { recursive: true });
installExtension(vsix, stateDir);
const server = await startCodeServer({
  stateDir,
  extraArgs: ['--bind-addr', `127.0.0.1:${values.port}`],
  settings: { 'dicom.index.onStartup': 'always', 'workbench.startupEditor': 'none' },
});
const url = `${server.url}?folder=${encodeURIComponent(folder)}`;
console.log(`\n  DICOM Workspace Index is running in VS Code at:\n\n    \x1b[1;4m${url}\x1b[0m\n\n  Folder: ${folder}\n  Open the address in a browser; the DICOM view in the activity bar shows the index.\n  Press Ctrl-C to stop.\n`);
const stop = async () => {
  console.log('\nstopping…');
  await server.stop();
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
await new Promise(() => undefined);
