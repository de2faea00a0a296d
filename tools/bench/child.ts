/**
 * One measured task of the benchmark, in its own process so that its peak memory is its own:
 *   node child.js index <root> <db> [concurrency]   index from a fresh database
 *   node child.js reindex <root> <db>               index again (nothing changed)
 *   node child.js floor <root> <bytes> [conc]       read the first <bytes> of every .dcm file, nothing else
 *   node child.js queries <db>                      open the index, the tree's first level, the statistics
 *   node child.js checks <db>                       every series' checks computed again, the report, cohort count and exports
 *   node child.js touch-one <root> <db>             re-index after one file's mtime changed: the checks of its series only
 *   node child.js pg-index <root> <url> [glob]      index into PostgreSQL (only the files matching glob, when given)
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
import { refreshChecks } from '../../src/core/queries/checks';
import { checkReport } from '../../src/core/checks/report';
import { countCohort } from '../../src/core/cohort/query';
import { exportCohort } from '../../src/core/cohort/export';
import { sqliteStore } from '../../src/core/store/sqliteStore';
import { REL_PATH_SQL } from '../../src/core/db/schema';
import { indexIntoPostgres } from '../../src/core/indexPostgres';

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
  } else if (task === 'checks') {
    const idx = await IndexDatabase.open(a, { readOnly: true });
    const store = sqliteStore(idx);
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const refreshed = await refreshChecks(store, { all: true });
    const allMs = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    const t1 = performance.now();
    const report = await checkReport(store);
    const reportMs = performance.now() - t1;
    const luna = { modality: ['CT'], maxThickness: 2.5, volumesOnly: true };
    const counts: number[] = [];
    let count = await countCohort(store, luna);
    for (let k = 0; k < 5; k++) {
      const t = performance.now();
      count = await countCohort(store, { ...luna, minImages: k });
      counts.push(performance.now() - t);
    }
    const out = path.join(path.dirname(a), 'bench-cohort');
    const t2 = performance.now();
    await exportCohort(idx, luna, `${out}.csv`);
    const csvMs = performance.now() - t2;
    const t3 = performance.now();
    const json = await exportCohort(idx, luna, `${out}.json`);
    const jsonMs = performance.now() - t3;
    print({
      allChecksMs: allMs,
      allChecksCpuMs: (cpu.user + cpu.system) / 1000,
      series: refreshed.series,
      volumes: report.totals.volumes,
      reportMs,
      cohortCountMs: [...counts].sort((x, y) => x - y)[2],
      cohortSeries: count.series,
      cohortSlices: count.images,
      csvExportMs: csvMs,
      jsonExportMs: jsonMs,
      jsonMiB: json.bytes / 2 ** 20,
      maxRssMb: rssMb(),
    });
  } else if (task === 'touch-one') {
    const probe = await IndexDatabase.open(b, { readOnly: true });
    const rel = probe.scalar(`SELECT ${REL_PATH_SQL} FROM files f JOIN dirs d ON d.id = f.dir_id WHERE f.status = 'ok' LIMIT 1 OFFSET 1000`) as string;
    probe.close();
    const file = path.join(a, rel);
    const when = new Date(Date.now() + 1000);
    fs.utimesSync(file, when, when);
    const log: string[] = [];
    const t0 = performance.now();
    const r = await indexFolder(a, { dbPath: b, log: (m) => log.push(m) });
    const m = /checks: (\d+) series in (\d+) ms/.exec(log.find((l) => l.startsWith('checks:')) ?? '');
    print({ ms: performance.now() - t0, read: r.read, checkedSeries: m ? Number(m[1]) : 0, checksMs: m ? Number(m[2]) : NaN, maxRssMb: rssMb() });
  } else if (task === 'pg-index') {
    const t0 = performance.now();
    const r = await indexIntoPostgres(a, b, { include: c ? [c] : undefined });
    print({ ms: performance.now() - t0, files: r.candidates, read: r.read, maxRssMb: rssMb() });
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
