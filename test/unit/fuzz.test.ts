/**
 * A bounded fuzz run of the header reader (the longer one: `npm run fuzz`): mutants of valid files
 * (bit flips, truncations, spliced lengths and chunks) always come back as a record or a clear
 * error, within the per-file budget, the same from the synchronous and asynchronous readers.
 */
import * as assert from 'node:assert/strict';
import { fuzz } from '../../tools/fuzz/engine';
import { makeTempDir, removeTempDir } from '../fixtures/tmp';

const ITERATIONS = Number(process.env.DWI_FUZZ_ITERATIONS ?? 3000);

describe('fuzz: mutated files never break the reader', function () {
  this.timeout(120_000);
  let dir: string;
  before(() => (dir = makeTempDir('dwi-fuzz-')));
  after(() => removeTempDir(dir));

  for (const seed of [1, 2]) {
    it(`${ITERATIONS} mutants (seed ${seed}): a status, a one-line reason, extractable fields, no throw, no hang`, async () => {
      const r = await fuzz({ dir, iterations: ITERATIONS, seed, seconds: 60 });
      assert.deepEqual(
        r.failures.map((f) => `${f.seed} #${f.iteration} [${f.what.join('; ')}]: ${f.problem.split('\n')[0]}`),
        [],
      );
      assert.ok(r.iterations >= Math.min(ITERATIONS, 500), `only ${r.iterations} mutants in the time`);
      // The mutants reach every outcome, so the run is not all-rejected noise.
      for (const s of ['ok', 'partial', 'error', 'not_dicom']) assert.ok((r.statuses[s] ?? 0) > 0, `no ${s}: ${JSON.stringify(r.statuses)}`);
      assert.ok(r.slowestMs < 5000, `slowest ${r.slowestMs} ms`);
    });
  }
});
