/**
 * `npm run bench`: speed and memory of indexing, measured side by side in one run (figures move by
 * 2x between runs on shared machines, so only same-run comparisons mean anything).
 *
 *   npm run bench -- [--files N] [--size 512|64] [--rounds N] [--cold-rounds N] [--reindex-files N] [--lidc-files N] [--skip-lidc] [--skip-postgres] [--keep] [--dir D]
 *
 * 1. A CT-like corpus (default 3,000 files of 512x512 int16 in TCIA/LIDC folders), indexed from a
 *    fresh database with a warm and with a cold page cache, beside the read floor (only the first
 *    16 KiB of every file) and dcmtk's dcmdump over the same files (headers only) when installed.
 *    Interleaved rounds (5 warm, 3 cold), medians: single runs moved by 2x here.
 * 2. A no-change re-index of 20,000 small files.
 * 3. LIDC scale: 244,000 files of 64x64 over 1,010 patients: peak memory, database size, the tree's
 *    first level after opening the index, the summary statistics, the dataset checks (all series,
 *    and one changed series after a re-index), a cohort count and its CSV/JSON exports.
 * Targets (README): warm faster than dcmdump and >= 10x pydicom's ~500 files/s; cold within 1.5x of
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
  line('warm: vs pydicom whole-file (~500 files/s)', `${(rate(FILES, wIndex) / 500).toFixed(1)}x`);
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
  if (!flag('skip-lidc')) {
    const lidc = path.join(work, `lidc-${LIDC_FILES}`);
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
        results.postgres = { sqliteMs: sqlite, pgMs: pg, noChangeMs: again.ms, twoWritersMs: two };
      } finally {
        cluster.stop();
      }
    }
  }
  fs.writeFileSync(path.join(work, 'bench-results.json'), JSON.stringify(results, null, 2));
  console.log(`\nresults: ${path.join(work, 'bench-results.json')}`);
  if (!flag('keep') && !dirArg) fs.rmSync(work, { recursive: true, force: true });
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
