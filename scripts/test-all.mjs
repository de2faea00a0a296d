// `npm test`: every suite, one after the other, their output streamed as it comes, then one closing
// line with the totals: `total: N passed, N failed, N skipped`. Exits non-zero if any stage failed.
//   stages: build (bundles), compile (tsc), typecheck-webview (tsc on the browser code, DOM lib),
//   lint (ESLint), unit (mocha: core, corpus conformance, hostile files,
//   fuzz, crash, CLI, exports), integration (mocha inside a real VS Code), ui (Playwright).
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const npx = process.platform === 'win32' ? 'npx.cmd' : 'npx';
const stages = [
  { name: 'build', cmd: process.execPath, args: ['scripts/build.mjs'] },
  { name: 'compile', cmd: npx, args: ['tsc', '-p', '.'] },
  { name: 'typecheck-webview', cmd: npx, args: ['tsc', '-p', 'webview', '--noEmit'] },
  { name: 'lint', cmd: npx, args: ['eslint', '--max-warnings', '0', '.'] },
  { name: 'unit', cmd: npx, args: ['mocha'] },
  { name: 'integration', cmd: process.execPath, args: ['test/integration/run.mjs'] },
  { name: 'ui', cmd: process.execPath, args: ['test/ui/run.mjs'] },
];

const totals = { passed: 0, failed: 0, skipped: 0 };
// The unit stage's failure reports (mocha prints them after "N failing"), printed again at the very end:
// a CI log that keeps only its tail still names what failed and why (stack frames left out).
const failureReports = [];
let inFailures = false;
function count(stage, line) {
  let m;
  if (stage === 'unit' && inFailures && failureReports.length < 80 && !/^\s+at /.test(line)) failureReports.push(line);
  if (stage === 'unit') {
    if ((m = /^\s*(\d+) passing/.exec(line))) totals.passed += +m[1];
    else if ((m = /^\s*(\d+) failing/.exec(line))) {
      totals.failed += +m[1];
      inFailures = true;
    } else if ((m = /^\s*(\d+) pending/.exec(line))) totals.skipped += +m[1];
  } else if (stage === 'integration' && (m = /^integration: (\d+) passed, (\d+) failed/.exec(line))) {
    totals.passed += +m[1];
    totals.failed += +m[2];
  } else if (stage === 'ui' && (m = /^ui: \d+ passed, \d+ failed \(checks: (\d+) passed, (\d+) failed\)/.exec(line))) {
    totals.passed += +m[1];
    totals.failed += +m[2];
  }
}

function run(stage) {
  return new Promise((resolve) => {
    console.log(`\n=== ${stage.name}: ${[path.basename(stage.cmd), ...stage.args].join(' ')}`);
    const child = spawn(stage.cmd, stage.args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let rest = '';
    child.stdout.on('data', (buf) => {
      process.stdout.write(buf);
      const lines = (rest + buf.toString()).split('\n');
      rest = lines.pop() ?? '';
      for (const l of lines) count(stage.name, l);
    });
    child.stderr.on('data', (buf) => process.stderr.write(buf));
    child.on('close', (code) => {
      if (rest) count(stage.name, rest);
      resolve(code ?? 1);
    });
  });
}

const failedStages = [];
for (const stage of stages) {
  const code = await run(stage);
  if (code !== 0) failedStages.push(`${stage.name} (exit ${code})`);
  // Nothing can be tested without bundles and compiled tests.
  if (code !== 0 && (stage.name === 'build' || stage.name === 'compile')) break;
}
if (failureReports.length) console.log(`\n=== the unit stage's failures again\n${failureReports.join('\n')}`);
console.log(`\n${failedStages.length ? `failed stages: ${failedStages.join(', ')}` : 'every stage passed'}`);
if (failedStages.length && totals.failed === 0) totals.failed = failedStages.length;
console.log(`total: ${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
process.exit(failedStages.length ? 1 : 0);
