/**
 * The longer fuzz run: `npm run fuzz [-- --iterations N] [--seconds S] [--seed K] [--out DIR]`.
 * Defaults: 200,000 iterations or 10 minutes, seed from the clock (printed, to replay a run).
 * Failing mutants are kept in DIR/failures (default: a folder under the OS temp dir).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { fuzz } from './engine';

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: { iterations: { type: 'string' }, seconds: { type: 'string' }, seed: { type: 'string' }, out: { type: 'string' } },
  });
  const iterations = Number(values.iterations ?? 200_000);
  const seconds = Number(values.seconds ?? 600);
  const seed = Number(values.seed ?? (Date.now() % 2 ** 31));
  const dir = values.out ? path.resolve(values.out) : fs.mkdtempSync(path.join(os.tmpdir(), 'dwi-fuzz-'));
  fs.mkdirSync(dir, { recursive: true });
  process.stdout.write(`fuzzing the header reader: up to ${iterations} mutants or ${seconds} s, seed ${seed}, in ${dir}\n`);
  const r = await fuzz({ dir, iterations, seconds, seed });
  process.stdout.write(
    `${r.iterations} mutants in ${(r.ms / 1000).toFixed(1)} s (${((r.iterations * 1000) / Math.max(1, r.ms)).toFixed(0)}/s); slowest read ${r.slowestMs.toFixed(0)} ms; statuses ${JSON.stringify(r.statuses)}\n`,
  );
  for (const f of r.failures.slice(0, 20)) process.stdout.write(`FAIL ${f.seed} #${f.iteration} [${f.what.join('; ')}]: ${f.problem.split('\n')[0]}\n  kept as ${f.file}\n`);
  if (r.failures.length) {
    process.stdout.write(`${r.failures.length} failing mutants\n`);
    return 1;
  }
  fs.rmSync(path.join(dir, 'mutant.dcm'), { force: true });
  if (!values.out) fs.rmSync(dir, { recursive: true, force: true });
  return 0;
}

main().then((code) => (process.exitCode = code), (e) => {
  process.stderr.write(`${(e as Error).stack}\n`);
  process.exitCode = 1;
});
