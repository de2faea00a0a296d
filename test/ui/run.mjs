#!/usr/bin/env node
// Runs every UI test (test/ui/*.ui.mjs) one after the other, each in its own node process (each starts
// its own code-server and chromium), and prints `ui: N passed, N failed` (files), plus the checks the
// files reported. Exit code 1 when a file failed.
//
//   npx tsc -p . && node scripts/build.mjs && node test/ui/run.mjs [--grep NAME] [-- args for each file]
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const dir = path.dirname(fileURLToPath(import.meta.url));
const argv = process.argv.slice(2);
const sep = argv.indexOf('--');
const own = sep < 0 ? argv : argv.slice(0, sep);
const passOn = sep < 0 ? [] : argv.slice(sep + 1);
const grepAt = own.indexOf('--grep');
const grep = grepAt >= 0 ? own[grepAt + 1] : undefined;
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.ui.mjs') && (!grep || f.includes(grep)))
  .sort()
  // npm start packages and rebuilds dist/ (production bundles): it goes after the tests that use dist/.
  .sort((a, b) => (a === 'start.ui.mjs') - (b === 'start.ui.mjs'));

let passed = 0;
let failed = 0;
let checksPassed = 0;
let checksFailed = 0;
for (const f of files) {
  const t0 = Date.now();
  console.log(`[ui] ${f}`);
  const { code, out } = await new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(dir, f), ...passOn], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (b) => {
      out += b;
      process.stdout.write(b);
    });
    child.on('close', (code, signal) => resolve({ code: code ?? (signal ? 128 : 1), out }));
  });
  const m = /^ui [^:]*: (\d+) passed, (\d+) failed/m.exec(out);
  if (m) {
    checksPassed += Number(m[1]);
    checksFailed += Number(m[2]);
  }
  if (code === 0) passed++;
  else failed++;
  console.log(`[ui] ${f}: ${code === 0 ? 'passed' : `FAILED (exit ${code})`} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}
console.log(`ui: ${passed} passed, ${failed} failed (checks: ${checksPassed} passed, ${checksFailed} failed)`);
process.exit(failed || !files.length ? 1 : 0);
