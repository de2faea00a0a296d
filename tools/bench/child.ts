/**
 * One measured task of the benchmark, in its own process so that its peak memory is its own:
 *   node child.js index <root> <db> [concurrency] [jobs]   index from a fresh database (jobs: a number or auto)
 *   node child.js merge <out> <in>...              dicom-index merge of shard files
 *   node child.js host-index <root> <db> [jobs]      as the VS Code extension host does (no V8 flags, the run on its
 *                                                   own thread, a copy read again after each save): the longest
 *                                                   event-loop stalls and in which phase
 *   node child.js reindex <root> <db>               index again (nothing changed)
 *   node child.js floor <root> <bytes> [conc]       read the first <bytes> of every .dcm file, nothing else
 *   node child.js queries <db>                      open the index, the tree's first level, the statistics
 *   node child.js checks <db>                       every series' checks computed again, the report, cohort count and exports
 *   node child.js touch-one <root> <db>             re-index after one file's mtime changed: the checks of its series only
 *   node child.js pg-index <root> <url> [glob]      index into PostgreSQL (only the files matching glob, when given)
 *   node child.js thumbnail|viewer-rate|viewer-memory …  the images (see images.ts)
 * Prints one JSON line: { ms, files, maxRssMb, ... }.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
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
import { parseShard, type Shard } from '../../src/core/scan/shard';
import { mergeIndexes } from '../../src/core/db/merge';
import { PostgresStore } from '../../src/core/store/postgresStore';
import { isPostgresUrl, parsePgUrl } from '../../src/core/store/postgresUrl';
import { imageTask } from './images';
import { indexInThread, SAVE_EVERY_MS_WITH_READER } from '../../src/core/run/indexThread';

const rssMb = () => Math.round(process.resourceUsage().maxRSS / 1024);

/**
 * CPU time (ms) of the main thread alone, from /proc (Linux; null elsewhere): with process.cpuUsage(),
 * which counts every thread (ended reader threads too), it splits a run's CPU between the one writer
 * and the rest (reader threads, V8's collector and compiler threads). Clock ticks of 10 ms.
 */
function mainThreadCpuMs(): number | null {
  try {
    const stat = fs.readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(rest[11]) + Number(rest[12])) * 10;
  } catch {
    return null;
  }
}

async function main() {
  const [task, a, b, c, d, e] = process.argv.slice(2);
  if (task !== 'host-index') tuneProcessForIndexing(); // as the CLI does
  if (task === 'index' || task === 'reindex') {
    if (task === 'index') fs.rmSync(b, { force: true });
    const jobs = d === undefined || d === 'auto' ? 'auto' : Number(d);
    const shard = e ? (parseShard(e) as Shard) : undefined;
    const cpu0 = process.cpuUsage();
    const main0 = mainThreadCpuMs();
    const elu0 = performance.eventLoopUtilization();
    const log: string[] = [];
    const t0 = performance.now();
    const r = await indexFolder(a, { dbPath: b, concurrency: c && c !== '-' ? Number(c) : undefined, jobs, shard, log: (m) => log.push(m) });
    const ms = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    const main1 = mainThreadCpuMs();
    const threads = /reading on (\d+) reader threads?/.exec(log.join('\n'));
    // The main thread's busy time (event-loop utilisation) and the whole process's CPU (reader threads, GC, compiler).
    print({ ms, files: r.candidates, read: r.read, maxRssMb: rssMb(), dbBytes: fs.statSync(b).size, cpuMs: (cpu.user + cpu.system) / 1000, mainBusyMs: performance.eventLoopUtilization(elu0).active, mainCpuMs: main0 !== null && main1 !== null ? main1 - main0 : null, readerThreads: threads ? Number(threads[1]) : 0 });
  } else if (task === 'merge') {
    const t0 = performance.now();
    fs.rmSync(a, { force: true });
    const r = await mergeIndexes(a, process.argv.slice(4));
    print({ ms: performance.now() - t0, files: r.files, maxRssMb: rssMb() });
  } else if (task === 'host-index') {
    // As the extension host does (no V8 flags): the run on its own thread (indexInThread), this thread
    // keeping a copy of the index open for the tree, reading the file again after each save and
    // asking the tree's first level of it, as the tree does when the index changes.
    fs.rmSync(b, { force: true });
    const jobs = c === undefined || c === 'auto' ? 'auto' : Number(c);
    // The copy the tree reads (an empty index before the first run): opened, with sql.js loaded, before the run starts.
    const t0 = performance.now();
    let copy: IndexDatabase | undefined = await IndexDatabase.open(b, { dataRoot: a });
    const openMs = performance.now() - t0;
    // sql.js's first use in a process ends in one stall of its own (V8 finishing the WebAssembly's
    // optimised tier: gone with --liftoff-only): once per process, before the run; measured apart.
    const s0 = performance.now();
    await new Promise((r) => setImmediate(r));
    const firstUseStallMs = performance.now() - s0;
    const h = monitorEventLoopDelay({ resolution: 10 });
    // A stall is the time between two turns of a 5 ms timer; it is named by the phase before it and
    // the phase after it, and says when this thread's own reload of its copy was under way in it
    // (progress messages arriving while the copy's file is read set the phase back to the run's).
    let phase = 'start';
    /** A reload is under way (they run one after another); one began or ended since the last turn. */
    let inReload = false;
    let reloadSeen = false;
    /** When the thread last said it saved (a stall's start is given from it). */
    let lastSaved = Number.NaN;
    const gaps: { ms: number; phase: string; afterSaveMs: number | null }[] = [];
    const logged: string[] = [];
    let last = performance.now();
    let lastPhase = phase;
    const tick = setInterval(() => {
      const now = performance.now();
      const during = reloadSeen || inReload ? ' (during a reload of the copy)' : '';
      if (now - last > 50)
        gaps.push({ ms: Math.round(now - last), phase: (lastPhase === phase ? phase : `${lastPhase} → ${phase}`) + during, afterSaveMs: Number.isNaN(lastSaved) ? null : Math.round(last - lastSaved) });
      reloadSeen = false;
      last = now;
      lastPhase = phase;
    }, 5);
    h.enable();
    let reloads = 0;
    const readAgain = async () => {
      phase = 'reload';
      inReload = true;
      reloadSeen = true;
      try {
        copy?.close();
        copy = await IndexDatabase.open(b, { dataRoot: a, readOnly: true });
        await listPatients(copy);
        reloads++;
      } finally {
        inReload = false;
        reloadSeen = true;
      }
    };
    let reloading = Promise.resolve();
    const r = await indexInThread(
      { store: 'sqlite', root: a, options: { dbPath: b, jobs, saveEveryMs: SAVE_EVERY_MS_WITH_READER } },
      {
        log: (m) => {
          phase = m.split(/[: ]/)[0];
          logged.push(m.replace(/\d+ candidate files/, 'N candidate files'));
        },
        onProgress: (p) => (phase = p.phase),
        onSaved: () => {
          lastSaved = performance.now();
          reloading = reloading.then(readAgain);
        },
      },
    );
    await reloading;
    await readAgain();
    copy?.close();
    const ms = performance.now() - t0;
    h.disable();
    clearInterval(tick);
    gaps.sort((x, y) => y.ms - x.ms);
    print({ ms, openMs, firstUseStallMs, files: r.candidates, reloads, maxStallMs: h.max / 1e6, p99StallMs: h.percentile(99) / 1e6, over100: gaps.filter((g) => g.ms > 100).length, worst: gaps.slice(0, 8), log: logged, maxRssMb: rssMb() });
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
    // The SQLite file, or a PostgreSQL index (a postgresql:// URL): the same queries through the store interface.
    const t0 = performance.now();
    const pg = isPostgresUrl(a) ? await PostgresStore.connect(parsePgUrl(a)) : undefined;
    const idx = pg ?? (await IndexDatabase.open(a, { readOnly: true }));
    const tOpen = performance.now();
    const patients = await listPatients(idx);
    const tFirst = performance.now();
    const studies = await listStudies(idx, { patientId: patients[0].id });
    const series = await listSeries(idx, { studyId: studies[0].id });
    const tDrill = performance.now();
    const stats = await computeStats(idx);
    const tStats = performance.now();
    await pg?.close();
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
    const r = await imageTask(task, a, b);
    if (!r) throw new Error(`unknown task ${task}`);
    print(r);
  }
}

function print(o: object) {
  process.stdout.write(JSON.stringify(o) + '\n');
}

main().catch((e) => {
  process.stderr.write(String(e?.stack ?? e) + '\n');
  process.exit(1);
});
