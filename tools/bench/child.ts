/**
 * One measured task of the benchmark, in its own process so that its peak memory is its own:
 *   node child.js index <root> <db> [concurrency]   index from a fresh database
 *   node child.js reindex <root> <db>               index again (nothing changed)
 *   node child.js floor <root> <bytes> [conc]       read the first <bytes> of every .dcm file, nothing else
 *   node child.js queries <db>                      open the index, the tree's first level, the statistics
 * Prints one JSON line: { ms, files, maxRssMb, ... }.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { indexFolder } from '../../src/core/indexer';
import { scanFolder } from '../../src/core/scan/scanner';
import { IndexDatabase } from '../../src/core/db/database';
import { computeStats } from '../../src/core/stats';
import { patients as listPatients, studies as listStudies, series as listSeries } from '../../src/core/queries/tree';
import { tuneProcessForIndexing } from '../../src/core/runtime';

const rssMb = () => Math.round(process.resourceUsage().maxRSS / 1024);

async function main() {
  tuneProcessForIndexing(); // as the CLI does

  const [task, a, b, c] = process.argv.slice(2);
  if (task === 'index' || task === 'reindex') {
    if (task === 'index') fs.rmSync(b, { force: true });
    const t0 = performance.now();
    const r = await indexFolder(a, { dbPath: b, concurrency: c ? Number(c) : undefined });
    const ms = performance.now() - t0;
    print({ ms, files: r.candidates, read: r.read, maxRssMb: rssMb(), dbBytes: fs.statSync(b).size });
  } else if (task === 'floor') {
    const bytes = Number(b);
    const conc = c ? Number(c) : 8;
    const t0 = performance.now();
    const { candidates } = await scanFolder(a);
    let next = 0;
    const buf = () => Buffer.allocUnsafe(bytes);
    const worker = async () => {
      const mine = buf();
      while (next < candidates.length) {
        const f = candidates[next++];
        const fh = await fs.promises.open(path.join(a, f.relPath), 'r');
        await fh.read(mine, 0, bytes, 0);
        await fh.close();
      }
    };
    await Promise.all(Array.from({ length: conc }, worker));
    print({ ms: performance.now() - t0, files: candidates.length, maxRssMb: rssMb() });
  } else if (task === 'queries') {
    const t0 = performance.now();
    const idx = await IndexDatabase.open(a, { readOnly: true });
    const tOpen = performance.now();
    const patients = listPatients(idx);
    const tFirst = performance.now();
    const studies = listStudies(idx, { patientId: patients[0].id });
    const series = listSeries(idx, { studyId: studies[0].id });
    const tDrill = performance.now();
    const stats = computeStats(idx);
    const tStats = performance.now();
    print({
      openMs: tOpen - t0,
      firstLevelMs: tFirst - tOpen,
      openPlusFirstLevelMs: tFirst - t0,
      drillDownMs: tDrill - tFirst,
      statsMs: tStats - tDrill,
      patients: patients.length,
      seriesInFirstStudy: series.length,
      instances: stats.instances,
      maxRssMb: rssMb(),
    });
  } else {
    throw new Error(`unknown task ${task}`);
  }
}

function print(o: object) {
  process.stdout.write(JSON.stringify(o) + '\n');
}

main().catch((e) => {
  process.stderr.write(String(e?.stack ?? e) + '\n');
  process.exit(1);
});
