/**
 * `npm run bench`: speed and memory of indexing, measured side by side in one run (figures move by
 * 2x between runs on shared machines, so only same-run comparisons mean anything).
 *
 *   npm run bench -- [--files N] [--size 512|64] [--rounds N] [--cold-rounds N] [--reindex-files N] [--lidc-files N] [--skip-lidc] [--skip-postgres] [--skip-images] [--skip-jobs] [--py-rounds N] [--keep] [--dir D]
 *
 * 1. A CT-like corpus (default 3,000 files of 512x512 int16 in TCIA/LIDC folders), indexed from a
 *    fresh database with a warm and with a cold page cache, beside the read floor (only the first
 *    16 KiB of every file) and dcmtk's dcmdump over the same files (headers only) when installed.
 *    Interleaved rounds (5 warm, 3 cold), medians: single runs moved by 2x here.
 * 2. A no-change re-index of 20,000 small files.
 * 3. LIDC scale: 244,000 files of 64x64 over 1,010 patients: peak memory, database size, the tree's
 *    first level after opening the index, the summary statistics, the dataset checks (all series,
 *    and one changed series after a re-index), a cohort count and its CSV/JSON exports.
 * 3b. The extension host's longest event-loop stalls while the LIDC-scale index runs on its own thread,
 *     the host reading the index again after each save (--jobs 1 and 2).
 * 5. Images: a hover thumbnail of a 512×512 CT slice (first and cached), the series viewer's host-side
 *    slice rate, and memory while scrolling a 1,000-slice series.
 * 6. Every core (issue 15): --jobs 1, 2 and auto, warm and cold, interleaved with the read floor, dcmdump,
 *    and the original scripts' approach (Debian python3-pydicom: whole file + numpy mean to CSV and
 *    SQLite, single process and multiprocessing on every core; header only), PY_ROUNDS of them; 3
 *    shards at once plus their merge; --jobs 1, 2 and auto on the 20,000 small files of section 2 (auto:
 *    one reader thread on 2–3 cores), and an estimate for 8 and 32 cores from their per-file costs.
 * Targets (README, issue 15): warm >= 1.5x dcmdump, >= 10x pydicom whole file + mean and >= 5x the same
 * with multiprocessing (section 6 measures pydicom in the same run); cold within 1.3x of
 * the read floor; no-change re-index of 20,000 files < 1 s; at 244,000: peak < 400 MB, database
 * < 120 MB, first tree level < 1 s, statistics < 1 s; the dataset checks of every series < 2 s, of
 * one changed series < 100 ms, a cohort count < 200 ms.
 */
import { spawn, spawnSync } from 'node:child_process';
import { findPostgres, INSTALL_HINT, startCluster } from '../pg/cluster';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { generateLidcSample } from '../sample/lidcSample';
import { autoThreads } from '../../src/core/read/jobs';

const args = process.argv.slice(2);
const opt = (name: string, def: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : def;
};
const flag = (name: string) => args.includes(`--${name}`);
const dirArg = args.indexOf('--dir') >= 0 ? args[args.indexOf('--dir') + 1] : null;

const FILES = opt('files', 3000);
const SIZE = opt('size', 512);
const REINDEX_FILES = opt('reindex-files', 20000);
const LIDC_FILES = opt('lidc-files', 244000);
/** Interleaved rounds of the warm and cold measurements (this machine's speed moves by 2x between runs). */
const ROUNDS = opt('rounds', 5);
const COLD_ROUNDS = opt('cold-rounds', 3);
const CHILD = path.join(__dirname, 'child.js');
const work = dirArg ?? fs.mkdtempSync(path.join(os.tmpdir(), 'dwi-bench-'));
const results: Record<string, unknown> = {};

function child(...a: string[]): Record<string, number> {
  const r = spawnSync(process.execPath, ['--max-old-space-size=4096', CHILD, ...a], { encoding: 'utf8', maxBuffer: 1 << 20 });
  if (r.status !== 0) throw new Error(`bench child ${a[0]} failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!);
}

/** A child run in the background (for writers running at the same time). */
function childAsync(...a: string[]): Promise<Record<string, number>> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ['--max-old-space-size=4096', CHILD, ...a], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (err += d));
    p.on('close', (code) => (code === 0 ? resolve(JSON.parse(out.trim().split('\n').pop()!)) : reject(new Error(`bench child ${a[0]} failed: ${err}`))));
  });
}

function canDropCaches(): boolean {
  try {
    spawnSync('sync');
    fs.writeFileSync('/proc/sys/vm/drop_caches', '3');
    return true;
  } catch {
    return false;
  }
}
const dropCaches = () => {
  spawnSync('sync');
  fs.writeFileSync('/proc/sys/vm/drop_caches', '3');
};

function dcmdump(dir: string): number | null {
  const which = spawnSync('sh', ['-c', 'command -v dcmdump']);
  if (which.status !== 0) return null;
  const t0 = performance.now();
  // One process over every file, headers only: stop before the pixel data, quiet, output discarded.
  const r = spawnSync('sh', ['-c', `dcmdump -q +sd +r +sp '*.dcm' --stop-before-elem 7fe0,0010 "${dir}" > /dev/null`]);
  if (r.status !== 0 && r.status !== 1) return null;
  return performance.now() - t0;
}

const rate = (files: number, ms: number) => Math.round(files / (ms / 1000));
const median = (xs: number[]) => {
  const a = [...xs].sort((x, y) => x - y);
  return a.length % 2 ? a[(a.length - 1) / 2] : (a[a.length / 2 - 1] + a[a.length / 2]) / 2;
};
/** Fastest–slowest of a set of runs, in seconds. */
const spread = (ms: number[]) => `${(Math.min(...ms) / 1000).toFixed(2)}–${(Math.max(...ms) / 1000).toFixed(2)} s`;
const line = (label: string, value: string) => console.log(`  ${label.padEnd(44)} ${value}`);

async function generate(dir: string, opts: Parameters<typeof generateLidcSample>[1]) {
  if (fs.existsSync(path.join(dir, '.sample-manifest.json'))) return;
  const t0 = performance.now();
  const r = await generateLidcSample(dir, opts);
  console.log(`  (generated ${r.files.toLocaleString('en-US')} files, ${(r.bytes / 2 ** 20).toFixed(0)} MiB in ${((performance.now() - t0) / 1000).toFixed(1)} s)`);
}

async function main() {
  console.log(`DICOM Workspace Index benchmark: ${os.cpus().length} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}; work folder ${work}`);

  // 1. Warm and cold index of a CT-like corpus.
  const ct = path.join(work, `ct-${FILES}-${SIZE}`);
  console.log(`\n1. ${FILES.toLocaleString('en-US')} CT slices of ${SIZE}x${SIZE} int16`);
  await generate(ct, { totalFiles: FILES, size: SIZE });
  const db = path.join(work, 'ct.sqlite');
  // Warm: one round to warm the cache and the disk, then ROUNDS interleaved rounds; medians.
  child('floor', ct, '16384');
  child('index', ct, db);
  dcmdump(ct);
  const warm = { floor: [] as number[], index: [] as number[], dump: [] as number[], rss: [] as number[], dbBytes: 0 };
  for (let r = 0; r < ROUNDS; r++) {
    warm.floor.push(child('floor', ct, '16384').ms);
    const idx = child('index', ct, db);
    warm.index.push(idx.ms);
    warm.rss.push(idx.maxRssMb);
    warm.dbBytes = idx.dbBytes;
    const d = dcmdump(ct);
    if (d !== null) warm.dump.push(d);
  }
  const wFloor = median(warm.floor);
  const wIndex = median(warm.index);
  const wDump = warm.dump.length ? median(warm.dump) : null;
  line('warm: read floor (first 16 KiB of each file)', `${rate(FILES, wFloor)} files/s`);
  line('warm: dicom-index (fresh database)', `${rate(FILES, wIndex)} files/s  (${(wIndex / 1000).toFixed(2)} s; runs ${spread(warm.index)}; peak ${Math.max(...warm.rss)} MB)`);
  line('warm: dcmtk dcmdump, headers only', wDump !== null ? `${rate(FILES, wDump)} files/s  (runs ${spread(warm.dump)})` : 'not installed (apt-get install dcmtk)');
  if (wDump !== null) line('warm: dicom-index vs dcmdump', `${(wDump / wIndex).toFixed(2)}x as fast (median of the per-round ratios: ${median(warm.dump.map((d, i) => d / warm.index[i])).toFixed(2)}x)`);
  results.warm = {
    rounds: ROUNDS,
    floorFilesPerS: rate(FILES, wFloor),
    indexFilesPerS: rate(FILES, wIndex),
    dcmdumpFilesPerS: wDump !== null ? rate(FILES, wDump) : null,
    indexMs: warm.index,
    dcmdumpMs: warm.dump,
  };
  if (canDropCaches()) {
    // Cold: each measurement after dropping the page cache; the ratio to the floor per round.
    const cold = { floor: [] as number[], index: [] as number[], dump: [] as number[] };
    for (let r = 0; r < COLD_ROUNDS; r++) {
      dropCaches();
      cold.floor.push(child('floor', ct, '16384').ms);
      dropCaches();
      cold.index.push(child('index', ct, db).ms);
      dropCaches();
      const d = dcmdump(ct);
      if (d !== null) cold.dump.push(d);
    }
    const ratios = cold.index.map((ms, i) => ms / cold.floor[i]);
    const cFloor = median(cold.floor);
    const cIndex = median(cold.index);
    line('cold: read floor', `${rate(FILES, cFloor)} files/s  (runs ${spread(cold.floor)})`);
    line('cold: dicom-index', `${rate(FILES, cIndex)} files/s  (${median(ratios).toFixed(2)}x the floor's time, median of rounds: ${ratios.map((x) => x.toFixed(2)).join(', ')})`);
    line('cold: dcmdump', cold.dump.length ? `${rate(FILES, median(cold.dump))} files/s` : 'not installed');
    results.cold = {
      rounds: COLD_ROUNDS,
      floorFilesPerS: rate(FILES, cFloor),
      indexFilesPerS: rate(FILES, cIndex),
      ratioToFloor: median(ratios),
      ratios,
      dcmdumpFilesPerS: cold.dump.length ? rate(FILES, median(cold.dump)) : null,
    };
  } else {
    line('cold cache', 'not measured: cannot write /proc/sys/vm/drop_caches (needs root outside a container)');
    results.cold = null;
  }
  line('database size', `${(warm.dbBytes / 2 ** 20).toFixed(1)} MiB`);

  // 2. No-change re-index.
  const small = path.join(work, `small-${REINDEX_FILES}`);
  console.log(`\n2. No-change re-index of ${REINDEX_FILES.toLocaleString('en-US')} files`);
  await generate(small, { totalFiles: REINDEX_FILES, size: 64 });
  const sdb = path.join(work, 'small.sqlite');
  const first = child('index', small, sdb);
  const again = Array.from({ length: 3 }, () => child('reindex', small, sdb));
  const noChange = median(again.map((a) => a.ms));
  line('first index', `${(first.ms / 1000).toFixed(2)} s (${rate(REINDEX_FILES, first.ms)} files/s; the cache may be cold after section 1)`);
  line('no-change re-index', `${(noChange / 1000).toFixed(2)} s (median of 3; read ${Math.max(...again.map((a) => a.read))} files)`);
  results.reindex = { files: REINDEX_FILES, firstS: first.ms / 1000, noChangeS: noChange / 1000 };

  // 3. LIDC scale.
  let lidcDir: string | undefined;
  if (!flag('skip-lidc')) {
    const lidc = path.join(work, `lidc-${LIDC_FILES}`);
    lidcDir = lidc;
    console.log(`\n3. LIDC-IDRI scale: ${LIDC_FILES.toLocaleString('en-US')} files of 64x64`);
    await generate(lidc, { totalFiles: LIDC_FILES, size: 64 });
    const ldb = path.join(work, 'lidc.sqlite');
    const r = child('index', lidc, ldb);
    const q = child('queries', ldb);
    line('index from a fresh database', `${(r.ms / 1000).toFixed(1)} s (${rate(LIDC_FILES, r.ms)} files/s)`);
    line('peak memory (RSS) of the index run', `${r.maxRssMb} MB (target < 400)`);
    line('database size', `${(r.dbBytes / 2 ** 20).toFixed(1)} MiB (target < 120)`);
    line('open index + tree first level', `${q.openPlusFirstLevelMs.toFixed(0)} ms (${q.patients} patients; target < 1000)`);
    line('summary statistics', `${q.statsMs.toFixed(0)} ms (target < 1000)`);
    const c = child('checks', ldb);
    line('dataset checks, every series', `${c.allChecksMs.toFixed(0)} ms (${c.allChecksCpuMs.toFixed(0)} ms CPU; ${c.series} series, ${c.volumes} volumes; target < 2000)`);
    line('checks report (check --json)', `${c.reportMs.toFixed(0)} ms`);
    line('cohort count (LUNA16 rule)', `${c.cohortCountMs.toFixed(1)} ms (median of 5; ${c.cohortSeries} series, ${c.cohortSlices} slices; target < 200)`);
    line('cohort export CSV / JSON manifest', `${c.csvExportMs.toFixed(0)} ms / ${c.jsonExportMs.toFixed(0)} ms (${c.jsonMiB.toFixed(1)} MiB)`);
    const one = child('touch-one', lidc, ldb);
    // The extension host's longest event-loop stalls during this big index: the run on its own thread,
    // the host's copy of the index read again (and the tree's first level asked) after each save.
    for (const jobs of ['1', '2']) {
      const h = child('host-index', lidc, path.join(work, 'host.sqlite'), jobs);
      const worst = (h.worst as unknown as { ms: number; phase: string; afterSaveMs: number | null }[])
        .map((g) => `${g.ms} ms after ${g.phase}${g.afterSaveMs !== null ? ` (${(g.afterSaveMs / 1000).toFixed(1)} s after a save)` : ''}`)
        .join(', ');
      line(`extension host, --jobs ${jobs}: longest stall`, `${h.maxStallMs.toFixed(0)} ms (p99 ${h.p99StallMs.toFixed(0)} ms; ${h.over100} over 100 ms; worst: ${worst || 'none over 50 ms'}; ${h.reloads} reloads; run ${(h.ms / 1000).toFixed(1)} s; target < 100)`);
      if (jobs === '1') line("extension host: sql.js's first use in the process", `${h.firstUseStallMs.toFixed(0)} ms stall, once, before the run (V8 finishing the WebAssembly's optimised tier)`);
      (results as Record<string, unknown>)[`hostStallJobs${jobs}`] = h;
    }
    line('re-index, one file changed', `${(one.ms / 1000).toFixed(2)} s; its series' checks ${one.checksMs} ms (${one.checkedSeries} series; target < 100)`);
    results.lidc = { files: LIDC_FILES, indexS: r.ms / 1000, peakMb: r.maxRssMb, dbMiB: r.dbBytes / 2 ** 20, ...q, checks: c, touchOne: one };
  }
  // 4. PostgreSQL beside the SQLite file (a throwaway local cluster), on the CT corpus of section 1.
  if (!flag('skip-postgres')) {
    console.log(`\n4. PostgreSQL beside the SQLite file: ${FILES.toLocaleString('en-US')} CT slices (a local throwaway cluster)`);
    if (!findPostgres()) {
      console.log(`  (${INSTALL_HINT})`);
    } else {
      const cluster = await startCluster();
      try {
        const url = cluster.createDatabase('bench');
        const sqlite: number[] = [];
        const pg: number[] = [];
        for (let i = 0; i < 3; i++) {
          sqlite.push(child('index', ct, db).ms);
          pg.push(child('pg-index', ct, `${url}?schema=round_${i}`).ms);
        }
        const again = child('pg-index', ct, `${url}?schema=round_0`);
        const one = median(pg);
        // Two writers at once, the patients dealt between them, into one fresh schema.
        const t0 = performance.now();
        await Promise.all([childAsync('pg-index', ct, `${url}?schema=two`, '**/LIDC-IDRI-*[13579]/**'), childAsync('pg-index', ct, `${url}?schema=two`, '**/LIDC-IDRI-*[02468]/**')]);
        const two = performance.now() - t0;
        line('SQLite file, fresh index', `${rate(FILES, median(sqlite))} files/s (median of 3; ${spread(sqlite)})`);
        line('PostgreSQL, fresh schema', `${rate(FILES, one)} files/s (median of 3; ${spread(pg)}); ${(one / median(sqlite)).toFixed(2)}× the file's time (target ≤ 1.5×)`);
        line('PostgreSQL, no-change re-index', `${(again.ms / 1000).toFixed(2)} s (read ${again.read} files)`);
        line('PostgreSQL, two writers at once', `${rate(FILES, two)} files/s: ${(one / two).toFixed(2)}× one writer's throughput (target ≥ 1.5×)`);
        // The no-change re-index of section 2's corpus, beside the file's.
        child('pg-index', small, `${url}?schema=small`);
        const smallAgain = Array.from({ length: 3 }, () => child('pg-index', small, `${url}?schema=small`).ms);
        line(`PostgreSQL, no-change re-index of ${REINDEX_FILES.toLocaleString('en-US')}`, `${(median(smallAgain) / 1000).toFixed(2)} s (median of 3; the file: ${(noChange / 1000).toFixed(2)} s)`);
        results.postgres = { sqliteMs: sqlite, pgMs: pg, noChangeMs: again.ms, twoWritersMs: two, smallNoChangeMs: smallAgain } as Record<string, unknown>;
        // Statistics and the tree's first level at LIDC scale (section 3's corpus), beside the file's.
        if (lidcDir) {
          const r = child('pg-index', lidcDir, `${url}?schema=lidc`);
          const q = child('queries', `${url}?schema=lidc`);
          line(`PostgreSQL, index of ${LIDC_FILES.toLocaleString('en-US')} files`, `${(r.ms / 1000).toFixed(1)} s (${rate(LIDC_FILES, r.ms)} files/s; the file: ${results.lidc ? `${(results.lidc as { indexS: number }).indexS.toFixed(1)} s` : 'not run'})`);
          line('PostgreSQL, connect + tree first level', `${q.openPlusFirstLevelMs.toFixed(0)} ms (${q.patients} patients; target < 1000)`);
          line('PostgreSQL, summary statistics', `${q.statsMs.toFixed(0)} ms (target < 1000)`);
          (results.postgres as Record<string, unknown>).lidc = { indexMs: r.ms, ...q };
        }
      } finally {
        cluster.stop();
      }
    }
  }
  // 5. Images (the hovers and the series viewer) on one series of 1,000 CT slices of 512×512.
  if (!flag('skip-images')) await imagesSection();

  // 6. Every core (issue 15): --jobs 1 / 2 / auto beside the original scripts' approach and dcmdump,
  // warm and cold, interleaved; 3 shards on this machine; the extension host's event-loop stalls.
  if (!flag('skip-jobs')) await sectionJobs(ct, db);
  fs.writeFileSync(path.join(work, 'bench-results.json'), JSON.stringify(results, null, 2));
  console.log(`\nresults: ${path.join(work, 'bench-results.json')}`);
  if (!flag('keep') && !dirArg) fs.rmSync(work, { recursive: true, force: true });
}

/** Section 5: thumbnail latency (target < 150 ms, first and cached), the viewer's host-side slice rate (≥ 30 slices/s), memory while scrolling 1,000 slices (bounded). */
async function imagesSection() {
  console.log('\n5. Images: one series of 1,000 CT slices of 512x512 int16');
  const dir = path.join(work, 'images-1000-512');
  await generate(dir, { patients: 1, slicesPerSeries: 1000, size: 512 });
  const idb = path.join(work, 'images.sqlite');
  child('index', dir, idb);
  const some = (d: string): string => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isFile() && e.name.endsWith('.dcm')) return p;
      if (e.isDirectory() && !e.name.startsWith('.')) {
        const f = some(p);
        if (f) return f;
      }
    }
    return '';
  };
  const t = child('thumbnail', some(dir));
  line('hover thumbnail, first (fresh cache)', `${t.firstMs.toFixed(1)} ms (median of 5; ${t.width}×${t.height} PNG; target < 150)`);
  line('hover thumbnail, cached', `${t.cachedMs.toFixed(2)} ms (median of 50; target < 150)`);
  const r = child('viewer-rate', dir, idb);
  line('viewer, host side: read + decode + message', `${r.slicesPerS.toFixed(0)} slices/s (${r.slices} slices, ${r.mibPerS.toFixed(0)} MiB/s; target ≥ 30)`);
  const m = child('viewer-memory', dir, idb);
  line('viewer, scrolling 1,000 slices: peak RSS', `${m.maxRssMb} MB; the slice cache holds ${m.cacheSlices} slices, ${m.cacheMiB.toFixed(0)} MiB (bounded)`);
  results.images = { thumbnail: t, viewerRate: r, viewerMemory: m };
}

/** Debian's python3-pydicom (the original scripts' approach), or null when it is not installed. */
function pydicomPeer(root: string, ...a: string[]): number | null {
  const py = '/usr/bin/python3';
  if (!fs.existsSync(py) || spawnSync(py, ['-c', 'import pydicom, numpy']).status !== 0) return null;
  const r = spawnSync(py, [path.join(__dirname, '../../../tools/bench/pydicom_peer.py'), root, path.join(work, 'pydicom-out'), ...a], { encoding: 'utf8', maxBuffer: 1 << 20 });
  if (r.status !== 0) throw new Error(`pydicom peer failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!).ms;
}

const load = () => os.loadavg().map((x) => x.toFixed(2)).join(', ');
const PY_ROUNDS = opt('py-rounds', 3);
/** 'floor', 'jobs1', 'jobs2', 'auto', 'dcmdump', 'pyHeader', 'pyWhole', 'pyWholeMp' → ms per round. */
type Runs = Record<string, number[]>;

async function sectionJobs(ct: string, db: string): Promise<void> {
  const cores = os.availableParallelism();
  console.log(`\n6. Every core: --jobs on ${FILES.toLocaleString('en-US')} CT slices, beside pydicom and dcmdump (${cores} cores; load average ${load()})`);
  const peerOk = pydicomPeer(path.join(ct, 'LIDC-IDRI', fs.readdirSync(path.join(ct, 'LIDC-IDRI'))[0]), '--header-only') !== null;
  if (!peerOk) line('pydicom', 'not installed (apt-get install python3-pydicom python3-numpy): its lines are left out');
  const jobsRun = (jobs: string, runs: Runs, key: string, detail?: Record<string, number>[]) => {
    const r = child('index', ct, db, '-', jobs);
    (runs[key] ??= []).push(r.ms);
    detail?.push(r);
  };
  const add = (runs: Runs, key: string, ms: number | null) => {
    if (ms !== null) (runs[key] ??= []).push(ms);
  };
  const measure = (cold: boolean, rounds: number): { runs: Runs; details: Record<string, number>[] } => {
    const runs: Runs = {};
    const details: Record<string, number>[] = [];
    const drop = cold ? dropCaches : () => undefined;
    for (let r = 0; r < rounds; r++) {
      drop();
      add(runs, 'floor', child('floor', ct, '16384').ms);
      drop();
      jobsRun('1', runs, 'jobs1');
      drop();
      jobsRun('2', runs, 'jobs2', details);
      drop();
      jobsRun('auto', runs, 'auto');
      drop();
      add(runs, 'dcmdump', dcmdump(ct));
      if (peerOk && r < PY_ROUNDS) {
        drop();
        add(runs, 'pyHeader', pydicomPeer(ct, '--header-only'));
        drop();
        add(runs, 'pyWhole', pydicomPeer(ct));
        drop();
        add(runs, 'pyWholeMp', pydicomPeer(ct, '--processes', '0'));
      }
    }
    return { runs, details };
  };
  const report = (label: string, runs: Runs) => {
    const m = (k: string) => (runs[k]?.length ? median(runs[k]) : null);
    const names: Record<string, string> = {
      floor: 'read floor (first 16 KiB of each file)',
      jobs1: 'dicom-index --jobs 1',
      jobs2: 'dicom-index --jobs 2',
      auto: 'dicom-index --jobs auto (the default)',
      dcmdump: 'dcmtk dcmdump, headers only',
      pyHeader: 'pydicom header only, CSV + SQLite',
      pyWhole: 'pydicom whole file + mean, CSV + SQLite',
      pyWholeMp: `… with multiprocessing (${cores} processes)`,
    };
    for (const k of Object.keys(names)) {
      const ms = m(k);
      if (ms !== null) line(`${label}: ${names[k]}`, `${rate(FILES, ms)} files/s (median ${(ms / 1000).toFixed(2)} s of ${runs[k].length}; ${spread(runs[k])})`);
    }
    const j1 = m('jobs1')!;
    const ratio = (k: string, vs: string) => (m(k) !== null && m(vs) !== null ? `${(m(vs)! / m(k)!).toFixed(2)}×` : 'n/a');
    line(`${label}: --jobs 2 / --jobs 1 speed`, `${ratio('jobs2', 'jobs1')} (per-round: ${runs.jobs2.map((x, i) => (runs.jobs1[i] / x).toFixed(2)).join(', ')})`);
    line(`${label}: auto / --jobs 1 speed`, `${ratio('auto', 'jobs1')} (per-round: ${runs.auto.map((x, i) => (runs.jobs1[i] / x).toFixed(2)).join(', ')})`);
    line(`${label}: --jobs 1 vs dcmdump`, `${ratio('jobs1', 'dcmdump')} as fast`);
    for (const k of ['pyWhole', 'pyWholeMp', 'pyHeader']) line(`${label}: --jobs 1 vs ${names[k].replace('… ', 'pydicom whole file ')}`, `${ratio('jobs1', k)} as fast`);
    line(`${label}: --jobs 1 / read floor time`, `${(j1 / m('floor')!).toFixed(2)}×`);
    return Object.fromEntries(Object.entries(runs).map(([k, v]) => [k, { medianMs: median(v), runs: v }]));
  };
  const warm = measure(false, ROUNDS);
  const out: Record<string, unknown> = { cores, loadBefore: load(), warm: report('warm', warm.runs) };
  if (canDropCaches()) out.cold = report('cold', measure(true, COLD_ROUNDS).runs);
  else line('cold', 'not measured: cannot write /proc/sys/vm/drop_caches (needs root outside a container)');

  // 3 shards at once on this machine, each into its own file, then merged, beside one --jobs 1 run.
  const parts = [0, 1, 2].map((k) => path.join(work, `shard${k}.sqlite`));
  const merged = path.join(work, 'merged.sqlite');
  const sh = { shards: [] as number[], merge: [] as number[], single: [] as number[] };
  for (let r = 0; r < Math.min(3, ROUNDS); r++) {
    sh.single.push(child('index', ct, db, '-', '1').ms);
    const t0 = performance.now();
    await Promise.all(parts.map((p, k) => childAsync('index', ct, p, '-', '1', `${k}/3`)));
    sh.shards.push(performance.now() - t0);
    sh.merge.push(child('merge', merged, ...parts).ms);
  }
  line('3 shards at once (--shard K/3, 3 processes)', `${rate(FILES, median(sh.shards))} files/s (median ${(median(sh.shards) / 1000).toFixed(2)} s; one --jobs 1 run ${(median(sh.single) / 1000).toFixed(2)} s: ${(median(sh.single) / median(sh.shards)).toFixed(2)}× its speed)`);
  line('… then merge of the 3 files', `${(median(sh.merge) / 1000).toFixed(2)} s (shards + merge: ${(median(sh.single) / (median(sh.shards) + median(sh.merge))).toFixed(2)}× one run's speed)`);
  out.shards = { shardsMs: sh.shards, mergeMs: sh.merge, singleMs: sh.single };

  // From the per-file CPU of --jobs 1 and --jobs 2 runs on the 20,000 small files of section 2 (start-up
  // costs spread over more files): the main thread's (the writer, receiving records) and the rest's
  // (reader threads, V8's collector and compiler), for an estimate on 8 and 32 cores.
  const small = path.join(work, `small-${REINDEX_FILES}`);
  const sdb = path.join(work, 'small-jobs.sqlite');
  const cpu = { one: [] as Record<string, number>[], two: [] as Record<string, number>[], auto: [] as Record<string, number>[] };
  for (let r = 0; r < 3; r++) {
    cpu.one.push(child('index', small, sdb, '-', '1'));
    cpu.two.push(child('index', small, sdb, '-', '2'));
    cpu.auto.push(child('index', small, sdb, '-', 'auto'));
  }
  // auto on this machine: one reader thread on 2–3 cores from 10,000 files (src/core/read/jobs.ts).
  const autoMs = median(cpu.auto.map((x) => x.ms));
  const oneMs = median(cpu.one.map((x) => x.ms));
  line(`${REINDEX_FILES.toLocaleString('en-US')} small files, auto (${cpu.auto[0].readerThreads} reader thread${cpu.auto[0].readerThreads === 1 ? '' : 's'})`, `${rate(REINDEX_FILES, autoMs)} files/s, ${(oneMs / autoMs).toFixed(2)}× --jobs 1's speed (per-round: ${cpu.auto.map((x, i) => (cpu.one[i].ms / x.ms).toFixed(2)).join(', ')})`);
  if (cpu.two.every((x) => typeof x.mainCpuMs === 'number')) {
    const perFile = (xs: Record<string, number>[], f: (x: Record<string, number>) => number) => median(xs.map((x) => (1000 * f(x)) / REINDEX_FILES));
    const oneUs = perFile(cpu.one, (x) => x.cpuMs);
    const mainUs = perFile(cpu.two, (x) => x.mainCpuMs);
    const readerUs = perFile(cpu.two, (x) => x.cpuMs - x.mainCpuMs);
    const oneRate = rate(REINDEX_FILES, oneMs);
    const twoRate = rate(REINDEX_FILES, median(cpu.two.map((x) => x.ms)));
    line(`${REINDEX_FILES.toLocaleString('en-US')} small files, --jobs 1 / --jobs 2`, `${oneRate} / ${twoRate} files/s (medians of 3, interleaved)`);
    line('CPU per file, --jobs 1', `${oneUs.toFixed(0)} µs (all threads)`);
    line('CPU per file, --jobs 2', `main thread ${mainUs.toFixed(0)} µs (write, receive), other threads ${readerUs.toFixed(0)} µs (read, parse, extract; GC, compiler)`);
    for (const c of [8, 32]) {
      // auto's choice for a big run on c cores.
      const jobs = autoThreads(Number.MAX_SAFE_INTEGER, c);
      const est = 1e6 / Math.max(mainUs, readerUs / jobs);
      line(`estimate, ${c} cores (auto: ${jobs} threads)`, `~${Math.round(est).toLocaleString('en-US')} files/s warm (${((est * oneUs) / 1e6).toFixed(1)}× one thread's CPU-bound rate), bound by the ${mainUs >= readerUs / jobs ? 'main thread (the one writer)' : 'reader threads'}: an estimate from CPU per file, not measured`);
    }
    out.perFile = { oneUs, mainUs, readerUs, oneRate, twoRate, autoRate: rate(REINDEX_FILES, autoMs), runs: cpu };
  } else line('CPU per file', 'not measured (needs /proc: Linux)');
  out.loadAfter = load();
  results.jobs = out;
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
