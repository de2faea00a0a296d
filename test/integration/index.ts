// Extension-host side of the integration tests: VS Code calls run() (the `extensionTestsPath` entry).
// Runs every out/test/integration/**/*.test.js with mocha (bdd, spec reporter, no colours) and prints
// a machine-readable line `__RESULT__ {"passed":N,"failed":N,"pending":N}` that test/integration/run.mjs reads.
// Output must go through console.* : the web workbench forwards only console output to the runner.
import * as fs from 'fs';
import * as path from 'path';
import Mocha from 'mocha';

function findTests(dir: string): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...findTests(full));
    else if (entry.isFile() && entry.name.endsWith('.test.js')) out.push(full);
  }
  return out.sort();
}

export function run(): Promise<void> {
  const grep = process.env.MOCHA_GREP;
  const mocha = new Mocha({
    ui: 'bdd',
    reporter: 'spec',
    color: false,
    timeout: Number(process.env.MOCHA_TIMEOUT) || 60_000,
    ...(grep ? { grep } : {}),
  });
  for (const file of findTests(__dirname)) mocha.addFile(file);

  return new Promise<void>((resolve, reject) => {
    try {
      const runner = mocha.run((failures) => {
        const stats = runner.stats ?? { passes: 0, failures, pending: 0 };
        console.log(`__RESULT__ ${JSON.stringify({ passed: stats.passes, failed: stats.failures, pending: stats.pending })}`);
        if (failures > 0) reject(new Error(`${failures} integration test(s) failed`));
        else resolve();
      });
    } catch (err) {
      console.error(err);
      console.log(`__RESULT__ ${JSON.stringify({ passed: 0, failed: 1, pending: 0, error: String(err) })}`);
      reject(err);
    }
  });
}
