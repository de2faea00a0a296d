#!/usr/bin/env node
// Runs the integration suite (out/test/integration, the same mocha suite test/integration/run.mjs runs
// through code-server) in a desktop VS Code downloaded by @vscode/test-electron. Needs internet access to
// update.code.visualstudio.com (not available on the offline test machines: there use `npm run test:integration`).
//
//   npx tsc -p . && node scripts/build.mjs && node test/electron/run.mjs
// Environment: VSCODE_VERSION (default: the engines.vscode minimum, e.g. 1.100.0; "stable" or "insiders" work too).
// On Linux without a display, run it under `xvfb-run -a`.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runTests } from '@vscode/test-electron';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
const version = process.env.VSCODE_VERSION || String(pkg.engines.vscode).replace(/^[^\d]*/, '');
const extensionTestsPath = path.join(root, 'out', 'test', 'integration', 'index.js');
for (const f of [path.join(root, 'dist', 'extension.js'), extensionTestsPath]) {
  if (!existsSync(f)) {
    console.error(`[electron] ${path.relative(root, f)} is missing: run \`npx tsc -p . && node scripts/build.mjs\` first`);
    process.exit(2);
  }
}

const tmp = mkdtempSync(path.join(os.tmpdir(), 'dwi-electron-'));
const workspace = path.join(tmp, 'workspace');
const userData = path.join(tmp, 'user-data');
const extensionsDir = path.join(tmp, 'extensions');
let code;
try {
  mkdirSync(workspace, { recursive: true });
  code = await runTests({
    version,
    extensionDevelopmentPath: root,
    extensionTestsPath,
    launchArgs: [workspace, '--disable-extensions', '--disable-workspace-trust', '--skip-welcome', '--skip-release-notes', `--user-data-dir=${userData}`, `--extensions-dir=${extensionsDir}`],
    extensionTestsEnv: { DICOM_TEST_WORKSPACE: workspace, MOCHA_GREP: process.env.MOCHA_GREP ?? '' },
  });
} catch (err) {
  console.error(`[electron] ${err?.stack ?? err}`);
  code = typeof err === 'number' ? err : 1;
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
console.log(`electron: ${code === 0 ? 'passed' : `failed (exit ${code})`}`);
process.exit(code);
