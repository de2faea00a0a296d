/**
 * `dicom-index watch` as a service runs it (dist/cli.js, --log-format json): files added, changed,
 * deleted and renamed while it runs reach the index within the documented delay; SIGTERM in the middle
 * of a batch (and of the first full run) exits 0 and leaves a consistent index; the index locked by
 * another process for a while loses no change; /metrics, scraped over HTTP, matches the runs' summaries;
 * every stderr line is JSON with the documented fields, and none holds patient data.
 */
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as fx from '../fixtures/dicomFiles';
import { makeTempDir, removeTempDir } from '../fixtures/tmp';
import { cli, httpGet, indexedFiles, sample, until, WatchProcess } from './watchHarness';
import { skipUnlessCliBuilt } from '../fixtures/builtCli';

const NAME = 'Watchman^Wilhelmina';
const PID = 'PAT-WATCH-7731';
const SECRETS = [PID, ...NAME.split('^')];
/** The documented delay: 0.7 s after the last change (at most 5 s after the first), plus the run; generous for a loaded 2-core machine. */
const DELAY_BOUND_MS = 10_000;

/** Every line is JSON with time, level and event; none names the patient (a folder below the root is named after the PatientID). */
function assertCleanJsonLog(w: WatchProcess): void {
  assert.deepEqual(w.notJson, [], 'every stderr line is a JSON object');
  for (const l of w.lines) {
    assert.ok(!Number.isNaN(Date.parse(l.time)), `time: ${JSON.stringify(l)}`);
    assert.ok(['info', 'warn', 'error'].includes(l.level), `level: ${JSON.stringify(l)}`);
    assert.equal(typeof l.event, 'string');
  }
  for (const s of SECRETS) assert.ok(!w.stderr.includes(s) && !w.stdout.includes(s), `'${s}' is in the output`);
}

describe('dicom-index watch', function () {
  this.timeout(180_000);
  let tmp: string;
  before(function () {
    skipUnlessCliBuilt(this);
  });
  beforeEach(() => (tmp = makeTempDir('dwi-watch-')));
  afterEach(() => tmp && removeTempDir(tmp));

  it('reflects files added, changed, deleted and renamed while it runs, within the documented delay; /metrics matches the runs', async () => {
    const root = path.join(tmp, 'data');
    const a = fx.writeSeries(path.join(root, PID, 'study', 'a'), { count: 4, sliceThickness: 1.25, patientId: PID, patientName: NAME });
    const other = fx.writeSeries(path.join(tmp, 'elsewhere'), { count: 2, sliceThickness: 2.5, patientId: PID, patientName: NAME });
    const db = path.join(root, '.dicom', 'index.sqlite');
    const rel = (abs: string) => path.relative(root, abs).split(path.sep).join('/');
    const w = new WatchProcess([root, '--metrics-port', '0']);
    try {
      await w.waitFor('run-finished');
      assert.equal((await indexedFiles(db)).size, 4);
      const delays: Record<string, number> = {};
      const t = async (what: string, fn: (files: Map<string, [string, string | null]>) => boolean) => {
        const t0 = Date.now();
        await until(what, async () => fn(await indexedFiles(db)), 30_000, 50);
        delays[what] = Date.now() - t0;
        assert.ok(delays[what] < DELAY_BOUND_MS, `${what}: ${delays[what]} ms`);
      };

      // Added: a new series folder with two files.
      const added = fx.writeSeries(path.join(root, PID, 'study', 'b'), { count: 2, sliceThickness: 2.5, patientId: PID, patientName: NAME });
      await t('added', (f) => added.paths.every((p) => f.has(rel(p))));
      // Changed: a file rewritten with another series' bytes.
      fs.copyFileSync(other.paths[0], a.paths[0]);
      await t('changed', (f) => f.get(rel(a.paths[0]))?.[1] === other.seriesInstanceUid);
      // Deleted.
      fs.rmSync(a.paths[1]);
      await t('deleted', (f) => !f.has(rel(a.paths[1])));
      // Renamed: a file, then a whole folder.
      const renamed = path.join(path.dirname(a.paths[2]), 'renamed.dcm');
      fs.renameSync(a.paths[2], renamed);
      await t('file renamed', (f) => !f.has(rel(a.paths[2])) && f.get(rel(renamed))?.[0] === 'ok');
      const folderB = path.join(root, PID, 'study', 'b');
      const folderC = path.join(root, PID, 'study', 'c');
      fs.renameSync(folderB, folderC);
      await t('folder renamed', (f) => added.paths.every((p) => !f.has(rel(p)) && f.has(rel(path.join(folderC, path.basename(p))))));
      // Nothing above needed a rescan of the tree: the folder that went away stood for its indexed files.
      assert.deepEqual(w.events('batch-started').slice(1).filter((e) => e.full), [], 'only the first batch is a full run');
      // A file that is no candidate changes nothing (once the runs above have settled).
      let settled = -1;
      await until('no more runs', async () => {
        const n = w.events('run-finished').length;
        await new Promise((r) => setTimeout(r, 1500));
        return n === w.events('run-finished').length && (settled = n) >= 0;
      });
      fs.writeFileSync(path.join(root, 'notes.txt'), 'hello');
      const runs = settled;
      await new Promise((r) => setTimeout(r, 1500));
      assert.equal(w.events('run-finished').length, runs, 'no run for a file that is no candidate');
      console.log(`      delay from the change to the index (ms): ${Object.entries(delays).map(([k, v]) => `${k} ${v}`).join(', ')}`);

      // /metrics over HTTP: the counters are the sums of the runs' summaries.
      const m = await httpGet(await w.metricsUrl());
      assert.equal(m.status, 200);
      assert.match(m.type, /^text\/plain; version=0\.0\.4/);
      const finished = w.events('run-finished');
      const sum = (k: string) => finished.reduce((n, e) => n + Number(e[k]), 0);
      assert.equal(sample(m.body, 'dicom_index_files_indexed_total', { status: 'ok' }), sum('ok'));
      assert.equal(sample(m.body, 'dicom_index_files_indexed_total', { status: 'not_dicom' }), sum('notDicom'));
      assert.equal(sample(m.body, 'dicom_index_files_seen_total'), sum('candidates'));
      assert.equal(sample(m.body, 'dicom_index_files_removed_total'), sum('removed'));
      assert.equal(sample(m.body, 'dicom_index_files_unchanged_total'), sum('unchanged'));
      assert.equal(sample(m.body, 'dicom_index_runs_total', { outcome: 'completed' }), finished.length);
      assert.equal(sample(m.body, 'dicom_index_header_parse_seconds_count'), sum('read'));
      assert.equal(sample(m.body, 'dicom_index_files_pending'), 0);
      assert.ok(sample(m.body, 'dicom_index_bytes_read_total')! > 0);
      const lastOk = sample(m.body, 'dicom_index_last_success_timestamp_seconds')!;
      assert.ok(Math.abs(lastOk - Date.parse(String(finished.at(-1)!.time)) / 1000) < 5, `last success ${lastOk}`);
      // The checks' counts: the series a (3 files left, one of them moved to the other series), b→c, and the other series' file.
      const check = JSON.parse(cli(['check', root, '--json']).out) as { totals: { series: number; byCheck: Record<string, number> } };
      assert.equal(sample(m.body, 'dicom_index_series', { kind: 'all' }), check.totals.series);
      for (const [name, n] of Object.entries(check.totals.byCheck)) assert.equal(sample(m.body, 'dicom_index_check_series', { check: name }), n, name);
      assert.equal(sample(m.body, 'dicom_index_errors_total', { kind: 'store' }), 0);
      assert.equal((await httpGet((await w.metricsUrl()).replace('/metrics', '/other'))).status, 404);

      assert.equal(await w.stop('SIGTERM'), 0);
      assert.ok(w.events('stopped').length === 1);
      assertCleanJsonLog(w);
      // The index it leaves equals a fresh index of the tree.
      const fresh = JSON.parse(cli(['index', root, '--db', path.join(tmp, 'fresh.sqlite'), '--json']).out);
      const mine = JSON.parse(cli(['index', root, '--json']).out);
      assert.equal(mine.read, 0, 'nothing left to read');
      assert.equal(mine.removed, 0);
      assert.equal(mine.unchanged, fresh.read);
    } finally {
      await w.stop('SIGKILL');
    }
  });

  it('SIGTERM in the middle of a batch, and of the first run, exits 0 and leaves a consistent index', async () => {
    const root = path.join(tmp, 'data');
    const one = fx.writeSeries(path.join(tmp, 'src'), { count: 1, sliceThickness: 1, patientId: PID, patientName: NAME }).paths[0];
    const copy = (dir: string, n: number) => {
      fs.mkdirSync(dir, { recursive: true });
      for (let i = 0; i < n; i++) fs.copyFileSync(one, path.join(dir, `${String(i).padStart(5, '0')}.dcm`));
    };
    copy(path.join(root, 'first'), 20);
    const db = path.join(root, '.dicom', 'index.sqlite');

    // A batch of changes in hand is finished and saved.
    const w = new WatchProcess([root]);
    try {
      await w.waitFor('run-finished');
      copy(path.join(root, 'burst'), 6000);
      const batch = await w.waitFor('batch-started', 2);
      w.proc.kill('SIGTERM');
      assert.equal(await w.exit(), 0, w.stderr);
      const order = w.lines.map((l) => l.event);
      assert.ok(order.indexOf('stopping') < order.lastIndexOf('run-finished'), `SIGTERM came during the batch: ${order.join(', ')}`);
      const last = w.events('run-finished').at(-1)!;
      assert.equal(last.read, batch.paths, 'the batch in hand was finished');
      assert.equal(last.cancelled, false);
      console.log(`      SIGTERM during a batch of ${batch.paths} changes: the batch finished in ${last.durationMs} ms, exit 0`);
      assertCleanJsonLog(w);
    } finally {
      await w.stop('SIGKILL');
    }
    const files = await indexedFiles(db);
    assert.ok(files.size >= 20 && [...files.values()].every(([s]) => s === 'ok'));
    const stats = JSON.parse(cli(['stats', db, '--json']).out);
    assert.equal(stats.incomplete, false);
    // What the batch did not hold is read by the next run, and the index then equals a fresh one.
    const next = JSON.parse(cli(['index', root, '--json']).out);
    assert.equal(next.read, 6020 - files.size);
    assert.equal(next.removed, 0);
    const fresh = JSON.parse(cli(['index', root, '--db', path.join(tmp, 'fresh.sqlite'), '--json']).out);
    const again = JSON.parse(cli(['stats', db, '--json']).out);
    const freshStats = JSON.parse(cli(['stats', path.join(tmp, 'fresh.sqlite'), '--json']).out);
    assert.equal(fresh.read, 6020);
    for (const k of ['files', 'patients', 'studies', 'series', 'instances', 'sliceThickness']) assert.deepEqual(again[k], freshStats[k], k);

    // The first (full) run stops after the files being read, commits and saves them; the next run completes it.
    fs.rmSync(path.join(root, '.dicom'), { recursive: true });
    const w2 = new WatchProcess([root]);
    try {
      await w2.waitFor('run-planned');
      w2.proc.kill('SIGTERM');
      assert.equal(await w2.exit(), 0, w2.stderr);
      assertCleanJsonLog(w2);
      const fin = w2.events('run-finished');
      assert.equal(fin.length, 1);
      if (fin[0].cancelled) assert.equal(JSON.parse(cli(['stats', db, '--json']).out).incomplete, true);
      console.log(`      SIGTERM during the first run: ${fin[0].cancelled ? `stopped after ${fin[0].read} of 6,020 files, saved` : 'it had finished'}`);
    } finally {
      await w2.stop('SIGKILL');
    }
    const done = JSON.parse(cli(['index', root, '--json']).out);
    assert.equal(done.read + done.unchanged, 6020);
    assert.deepEqual(JSON.parse(cli(['stats', db, '--json']).out).files, freshStats.files);
  });

  it('the index locked by another process for a while: says so, retries, and loses no change', async () => {
    const root = path.join(tmp, 'data');
    const a = fx.writeSeries(path.join(root, 'a'), { count: 3, sliceThickness: 1.25, patientId: PID, patientName: NAME });
    const db = path.join(root, '.dicom', 'index.sqlite');
    const w = new WatchProcess([root]);
    // A live process that holds the lock, as another index run would.
    const holder = spawn('sleep', ['120'], { stdio: 'ignore' });
    try {
      await w.waitFor('run-finished');
      fs.writeFileSync(`${db}.lock`, JSON.stringify({ pid: holder.pid, host: os.hostname(), started: new Date().toISOString(), tool: 'dicom-workspace-index' }));
      const b = fx.writeSeries(path.join(root, 'b'), { count: 2, sliceThickness: 2.5, patientId: PID, patientName: NAME });
      fs.rmSync(a.paths[0]);
      const down = await w.waitFor('store-unreachable');
      assert.match(String(down.message), /another index run \(process \d+/);
      assert.ok(Number(down.pending) >= 1);
      // More changes while it is down.
      const c = fx.writeSeries(path.join(root, 'c'), { count: 2, sliceThickness: 3, patientId: PID, patientName: NAME });
      fs.rmSync(a.paths[1]);
      await w.waitFor('store-unreachable', 2);
      holder.kill('SIGKILL'); // the holder is gone: its lock is stale and taken over
      await w.waitFor('store-back', 1, 60_000);
      const rel = (p: string) => path.relative(root, p).split(path.sep).join('/');
      await until('every change indexed', async () => {
        const f = await indexedFiles(db);
        return [...b.paths, ...c.paths, a.paths[2]].every((p) => f.has(rel(p))) && !f.has(rel(a.paths[0])) && !f.has(rel(a.paths[1]));
      });
      assert.equal((await indexedFiles(db)).size, 5);
      assert.equal(await w.stop(), 0);
      assertCleanJsonLog(w);
      assert.equal(JSON.parse(cli(['index', root, '--json']).out).read, 0, 'nothing was left behind');
    } finally {
      holder.kill('SIGKILL');
      await w.stop('SIGKILL');
    }
  });

  it('--poll finds changes by rescanning every --poll-interval', async () => {
    const root = path.join(tmp, 'data');
    fx.writeSeries(path.join(root, 'a'), { count: 2, sliceThickness: 1.25, patientId: PID, patientName: NAME });
    const db = path.join(root, '.dicom', 'index.sqlite');
    const w = new WatchProcess([root, '--poll', '--poll-interval', '1']);
    try {
      const started = await w.waitFor('watch-started');
      assert.equal(started.mode, 'poll');
      assert.equal(started.pollIntervalS, 1);
      await w.waitFor('run-finished');
      const b = fx.writeSeries(path.join(root, 'b'), { count: 2, sliceThickness: 2.5, patientId: PID, patientName: NAME });
      const ms = await until('the rescan found the new files', async () => (await indexedFiles(db)).size === 4, 30_000);
      assert.ok(ms < 1000 + DELAY_BOUND_MS, `${ms} ms`);
      assert.ok(b.paths.length === 2);
      assert.equal(await w.stop('SIGINT'), 0);
      assertCleanJsonLog(w);
    } finally {
      await w.stop('SIGKILL');
    }
  });

  it('refuses bad options with exit 2 (in the log format asked for)', () => {
    const r = cli(['watch', tmp, '--poll', '--poll-interval', 'soon', '--log-format', 'json']);
    assert.equal(r.code, 2);
    const line = JSON.parse(r.err.trim());
    assert.equal(line.event, 'failed');
    assert.match(line.message, /--poll-interval/);
    // Beyond setTimeout's range (2,147,483 s) a timer fires after 1 ms: a busy loop. Refused, as is a
    // day and more, and less than a second (0 is "no rescans", with events only).
    for (const [v, poll] of [['2147484', false], ['86401', true], ['999999999999', false], ['0.5', true], ['0.2', false]] as const) {
      const big = cli(['watch', tmp, ...(poll ? ['--poll'] : []), '--poll-interval', v, '--log-format', 'json']);
      assert.equal(big.code, 2, `${v}: ${big.err}`);
      const failed = JSON.parse(big.err.trim());
      assert.equal(failed.event, 'failed');
      assert.match(failed.message, /--poll-interval must be 0 \(no rescans\) or from 1 to 86400 seconds/, v);
    }
    assert.equal(cli(['watch', tmp, '--pushgateway', 'http://127.0.0.1:9']).code, 2);
    assert.equal(cli(['watch', path.join(tmp, 'missing')]).code, 2);
  });
});
