#!/usr/bin/env node
// `npm start` as a newcomer runs it: a few timestamped lines (no npm or node-gyp noise: that goes to
// .cache/start.log), VS Code served on 127.0.0.1, the sample in its first-run state (not yet
// indexed), and on Ctrl-C (SIGINT) "stopped" and exit 0 with the port closed.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
let passed = 0;
let failed = 0;
const check = (name, ok, detail = '') => {
  if (ok) passed++;
  else failed++;
  console.log(`  ${ok ? '✔' : '✘'} ${name}${ok || !detail ? '' : `: ${detail}`}`);
};

const port = await new Promise((resolve) => {
  const srv = net.createServer().listen(0, '127.0.0.1', () => {
    const p = srv.address().port;
    srv.close(() => resolve(p));
  });
});

const child = spawn(process.execPath, [path.join(root, 'scripts', 'start.mjs'), '--port', String(port)], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
let out = '';
let err = '';
child.stdout.on('data', (b) => (out += b));
child.stderr.on('data', (b) => (err += b));
const exited = new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal })));
const deadline = Date.now() + 300_000;
while (!/running: open (\S+)/.test(out) && Date.now() < deadline && child.exitCode === null) await new Promise((r) => setTimeout(r, 500));
const url = /running: open (\S+)/.exec(out)?.[1];
check('prints the address it serves within 5 minutes', !!url, `stdout:\n${out}\nstderr:\n${err}`);
if (url) {
  const res = await fetch(url).catch((e) => ({ status: String(e) }));
  check('VS Code answers at that address', res.status === 200, `status ${res.status}`);
  check('the address is on 127.0.0.1 and the port asked for', url.startsWith(`http://127.0.0.1:${port}/`), url);
  check('the sample starts in its first-run state (not yet indexed)', !existsSync(path.join(root, '.cache', 'demo', 'LIDC-sample', '.dicom')));
  child.kill('SIGINT');
}
const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
const { code } = await exited;
clearTimeout(timer);
const lines = out.split('\n').filter((l) => l.trim());
check('every line is timestamped (or continues the one before)', lines.every((l) => /^\d\d:\d\d:\d\d {2}\S/.test(l) || /^ {10}\S/.test(l)), lines.join('\n'));
check('no npm or node-gyp output on the terminal', !/npm (warn|notice|error)|gyp|added \d+ packages/i.test(out + err), out + err);
check('says "stopped" and exits 0 on Ctrl-C', /\d\d:\d\d:\d\d {2}stopped$/m.test(out) && code === 0, `exit ${code}; ${lines.slice(-2).join(' / ')}`);
const log = path.join(root, '.cache', 'start.log');
check('the build output is in .cache/start.log', existsSync(log) && statSync(log).size > 0 && readFileSync(log, 'utf8').startsWith('npm start, '));
const closed = await new Promise((resolve) => {
  const s = net.connect(port, '127.0.0.1');
  s.on('connect', () => (s.destroy(), resolve(false)));
  s.on('error', () => resolve(true));
});
check('nothing listens on the port afterwards', closed);
console.log(`ui start: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
