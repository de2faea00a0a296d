#!/usr/bin/env node
// `npm start [-- /path/to/dicom] [--port N]`: the one-command demo.
// Installs what is missing, builds and packages the extension (.vsix), generates a sample of
// synthetic CT studies in LIDC-IDRI's folder shape unless you name a folder, starts a real VS Code
// (code-server) on 127.0.0.1 with the packaged extension installed and that folder open, and prints
// the address to open in a browser. Ctrl-C stops everything it started. It says what it does in a
// few timestamped lines; the output of npm, node-gyp and the builds goes to .cache/start.log.
// VS Code starts as on a first run (fresh user data, the sample not yet indexed), so the welcome
// view and the walkthrough show what a newcomer sees.
import { execFileSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
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
const logFile = path.join(root, '.cache', 'start.log');
mkdirSync(path.dirname(logFile), { recursive: true });
writeFileSync(logFile, `npm start, ${new Date().toISOString()}\n`);
const time = () => new Date().toTimeString().slice(0, 8);
const step = (msg) => console.log(`${time()}  ${msg}`);
const run = (cmd, args) => {
  appendFileSync(logFile, `\n$ ${[path.basename(cmd), ...args].join(' ')}\n`);
  try {
    const out = execFileSync(cmd, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
    appendFileSync(logFile, out);
  } catch (e) {
    appendFileSync(logFile, `${e.stdout ?? ''}${e.stderr ?? ''}`);
    const tail = readFileSync(logFile, 'utf8').trimEnd().split('\n').slice(-25).join('\n');
    console.error(`${time()}  failed: ${[path.basename(cmd), ...args].join(' ')} (exit ${e.status ?? e.signal})\n${tail}\n\nThe whole log: ${logFile}`);
    process.exit(1);
  }
};
step(`setting up (the npm and build output goes to ${path.relative(process.cwd(), logFile) || logFile})`);
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

if (!positionals[0]) {
  // The sample's index is ours (made by an earlier npm start): start from the first-run state.
  rmSync(path.join(folder, '.dicom'), { recursive: true, force: true });
}

step('starting VS Code (code-server) on 127.0.0.1 as on a first run');
const { startCodeServer, installExtension } = await import('../test/harness/codeServer.mjs');
const stateDir = path.join(root, '.cache', 'demo', 'state');
rmSync(stateDir, { recursive: true, force: true });
mkdirSync(stateDir, { recursive: true });
installExtension(vsix, stateDir);
const server = await startCodeServer({
  stateDir,
  extraArgs: ['--bind-addr', `127.0.0.1:${values.port}`],
  settings: { 'workbench.startupEditor': 'welcomePage' },
});
const url = `${server.url}?folder=${encodeURIComponent(folder)}`;
step(`running: open ${url}`);
console.log(`          folder ${folder}; the DICOM view in the activity bar has Index Workspace. Ctrl-C stops.`);
const stop = async () => {
  step('stopping…');
  await server.stop();
  step('stopped');
  process.exit(0);
};
// Ours instead of the test harness's exit hooks (which stop at once): stop, then say so.
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.removeAllListeners(sig);
  process.on(sig, stop);
}
await new Promise(() => undefined);
