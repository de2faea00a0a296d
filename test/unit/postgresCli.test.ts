/**
 * `dicom-index` into a real PostgreSQL server (a throwaway cluster): two processes index two halves of
 * a tree into one index at once and get what one SQLite run over the whole tree gets; a re-index of a
 * half forgets only that half's missing files; the server down is a clear error without the password.
 */
import * as assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeGeometryFixtures } from '../fixtures/geometrySeries';
import { makeTempDir, removeTempDir } from '../fixtures/tmp';
import { Cluster, skipUnlessPostgres, startCluster } from '../../tools/pg/cluster';
import { CLI, skipUnlessCliBuilt } from '../fixtures/builtCli';

const cli = (args: string[], env: NodeJS.ProcessEnv = {}) => {
  // SIGKILL at the timeout: `index` takes SIGTERM as "stop after this batch", which a hung run would not reach.
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 120_000, killSignal: 'SIGKILL', env: { ...process.env, ...env } });
  return { code: r.status, out: r.stdout, err: r.stderr };
};
/** Index runs still going (killed by `after`, so that a run that hangs cannot outlive its test). */
const running = new Set<ChildProcess>();

/**
 * A CLI run in the background, with a deadline: a run that has not ended by then is asked for a
 * diagnostic report (Node's --report-on-signal: its JavaScript stack and open handles), killed, and
 * resolves with code null and what it wrote, that report and what the server's sessions were doing,
 * so that a failure says where the run stood instead of only that a test timed out.
 */
function cliAsync(args: string[], opts: { deadlineMs: number; pgUrl: string; reportDir: string }) {
  return new Promise<{ code: number | null; err: string }>((resolve) => {
    const p = spawn(process.execPath, ['--report-on-signal', `--report-directory=${opts.reportDir}`, CLI, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    running.add(p);
    let err = '';
    p.stderr.on('data', (d) => (err += d));
    let reported: NodeJS.Timeout | undefined;
    const timer = setTimeout(() => {
      const sessions = spawnSync('psql', [opts.pgUrl, '-Atc', "SELECT pid, state, wait_event_type, wait_event, left(query, 160) FROM pg_stat_activity WHERE application_name = 'dicom-workspace-index'"], { encoding: 'utf8', timeout: 10_000 }).stdout;
      p.kill('SIGUSR2');
      reported = setTimeout(() => {
        try {
          const report = fs.readdirSync(opts.reportDir).find((f) => f.includes(`.${p.pid}.`));
          const r = report ? (JSON.parse(fs.readFileSync(path.join(opts.reportDir, report), 'utf8')) as { javascriptStack?: { stack?: string[] }; libuv?: { type: string; is_active: boolean }[] }) : undefined;
          err += `\n[still running after ${opts.deadlineMs} ms; the server's sessions:\n${sessions}\nits stack: ${r?.javascriptStack?.stack?.join(' | ') ?? '(no report)'}\nits open handles: ${(r?.libuv ?? []).filter((h) => h.is_active).map((h) => h.type).join(', ')}]`;
        } catch (e) {
          err += `\n[still running after ${opts.deadlineMs} ms; no diagnostic report: ${(e as Error).message}]`;
        } finally {
          p.kill('SIGKILL');
        }
      }, 3000);
    }, opts.deadlineMs);
    p.on('close', (code) => {
      clearTimeout(timer);
      clearTimeout(reported);
      running.delete(p);
      resolve({ code, err });
    });
  });
}

interface Report {
  series: { SeriesInstanceUID: string; images: number; files: number; volume: boolean; spacing: unknown; findings: unknown[]; folder: string }[];
  dataset: unknown[];
  totals: unknown;
}
const measured = (json: string) => {
  const r = JSON.parse(json) as Report;
  const series = r.series.map((s) => ({ uid: s.SeriesInstanceUID, images: s.images, files: s.files, volume: s.volume, spacing: s.spacing, findings: s.findings, folder: s.folder }));
  return { series: series.sort((a, b) => (a.uid < b.uid ? -1 : 1)), dataset: r.dataset, totals: r.totals };
};

describe('dicom-index with a PostgreSQL index', function () {
  this.timeout(240_000);
  let cluster: Cluster | undefined;
  let url: string;
  let root: string;
  let data: string;

  before(async function () {
    skipUnlessCliBuilt(this);
    skipUnlessPostgres(this);
    cluster = await startCluster();
    url = cluster.createDatabase('lab');
    root = makeTempDir('dwi-pgcli-');
    data = path.join(root, 'dataset');
    // Two halves of one dataset: the clean and info cases, and the rest.
    writeGeometryFixtures(path.join(data, 'half-a'), (c) => c.group === 'clean' || c.group === 'info');
    writeGeometryFixtures(path.join(data, 'half-b'), (c) => c.group !== 'clean' && c.group !== 'info');
    // The SQLite reference: one run over the whole tree.
    assert.equal(cli(['index', data, '-q']).code, 0);
  });
  after(() => {
    for (const p of running) p.kill('SIGKILL');
    cluster?.stop();
    if (root) removeTempDir(root);
  });

  it('two processes indexing two halves at once equal one run over the whole tree', async () => {
    const db = `${url}?schema=dataset`;
    const reportDir = path.join(root, 'reports');
    fs.mkdirSync(reportDir);
    // Each alone takes about a second here; the deadline leaves room for a slow machine, and for the report.
    const run = (half: string) => cliAsync(['index', path.join(data, half), '--db', db, '--dataset-root', data, '-q', '--log-format', 'json'], { deadlineMs: 120_000, pgUrl: url, reportDir });
    const [a, b] = await Promise.all([run('half-a'), run('half-b')]);
    assert.equal(a.code, 0, a.err);
    assert.equal(b.code, 0, b.err);
    const pg = cli(['check', db, '--json']);
    assert.equal(pg.code, 0, pg.err);
    const lite = cli(['check', data, '--json']);
    assert.deepEqual(measured(pg.out), measured(lite.out));
    for (const filter of [[], ['--volumes-only'], ['--modality', 'CT', '--max-thickness', '2.5', '--volumes-only'], ['--where', 'images >= 5']]) {
      assert.deepEqual(JSON.parse(cli(['cohort', db, ...filter, '--json']).out), JSON.parse(cli(['cohort', data, ...filter, '--json']).out), filter.join(' '));
    }
    // The same CSV bytes, rows in the same order.
    const csvPg = path.join(root, 'pg.csv');
    const csvLite = path.join(root, 'lite.csv');
    assert.equal(cli(['cohort', db, '--out', csvPg]).code, 0);
    assert.equal(cli(['cohort', data, '--out', csvLite]).code, 0);
    const body = (f: string) => fs.readFileSync(f, 'utf8').split('\r\n').slice(1).map((l) => l.split(',').slice(2).join(',')).sort();
    assert.deepEqual(body(csvPg), body(csvLite), 'rows equal apart from the first-seen PatientID/StudyInstanceUID of a UID under several parents');
    // An export from PostgreSQL (no local index file) still never writes over a DICOM file, a folder or into a missing folder.
    const dicom = path.join(root, 'a-dicom-file.csv');
    const clean = path.join(data, 'half-a', 'clean-axial');
    fs.copyFileSync(path.join(clean, fs.readdirSync(clean).find((f) => f.endsWith('.dcm'))!), dicom);
    const bytes = fs.readFileSync(dicom);
    const folder = path.join(root, 'a-folder.csv');
    fs.mkdirSync(folder);
    for (const target of [dicom, folder, path.join(root, 'no-such-folder', 'c.csv')]) {
      const r = cli(['cohort', db, '--out', target]);
      assert.equal(r.code, 2, `${target}: ${r.err}`);
      assert.match(r.err, /Refused to export/);
    }
    assert.deepEqual(fs.readFileSync(dicom), bytes);
    assert.deepEqual(fs.readdirSync(folder), []);
    assert.ok(!fs.existsSync(path.join(root, 'no-such-folder')));
  });

  it('a re-index of one half forgets only that half’s missing files', () => {
    const db = `${url}?schema=dataset`;
    const before = JSON.parse(cli(['cohort', db, '--json']).out);
    const gone = path.join(data, 'half-a', 'clean-axial');
    const files = fs.readdirSync(gone).filter((f) => f.endsWith('.dcm'));
    fs.renameSync(gone, path.join(root, 'moved-away'));
    const r = cli(['index', path.join(data, 'half-a'), '--db', db, '--dataset-root', data, '--json']);
    assert.equal(r.code, 0, r.err);
    const result = JSON.parse(r.out);
    assert.equal(result.removed, files.length);
    assert.equal(result.read, 0);
    const after = JSON.parse(cli(['cohort', db, '--json']).out);
    assert.equal(after.series, before.series - 1);
    assert.equal(after.files, before.files - files.length);
    fs.renameSync(path.join(root, 'moved-away'), gone);
  });

  it('refuses what is not an index of ours, and says the server is down without the password', () => {
    const noIndex = cli(['check', `${url}?schema=nothing_here`]);
    assert.equal(noIndex.code, 2);
    assert.match(noIndex.err, /has no index in schema 'nothing_here'/);
    const down = `postgresql://postgres:pw-never-shown@127.0.0.1:${cluster!.port + 1}/lab`;
    for (const args of [['index', data, '--db', down], ['check', down], ['cohort', down]]) {
      const r = cli(args);
      assert.equal(r.code, 1, `${args[0]}: ${r.err}`);
      assert.match(r.err, /cannot connect to postgresql:\/\/postgres@127\.0\.0\.1:\d+\/lab/);
      assert.ok(!`${r.out}${r.err}`.includes('pw-never-shown'));
    }
    // A failure after the connection is made (here: no right to create the schema) exits at once, the
    // connection closed: it once kept the process alive after printing its error.
    assert.equal(spawnSync('psql', [url, '-c', 'CREATE ROLE may_not_create LOGIN']).status, 0);
    const denied = cli(['index', data, '--db', `postgresql://may_not_create@127.0.0.1:${cluster!.port}/lab?schema=not_made`]);
    assert.equal(denied.code, 1, denied.err);
    assert.match(denied.err, /permission denied for database lab/);
    assert.ok(!denied.err.includes('still open'), denied.err);
    assert.equal(cli(['index', data, '--db', 'postgresql://u@h/d?schema=Bad-Name']).code, 2);
    assert.equal(cli(['index', data, '--dataset-root', root]).code, 2);
  });
});

describe('dicom-index with a PostgreSQL index: runs stopped midway', function () {
  this.timeout(240_000);
  let cluster: Cluster | undefined;
  let url: string;
  let root: string;
  let data: string;

  before(async function () {
    skipUnlessCliBuilt(this);
    skipUnlessPostgres(this);
    cluster = await startCluster();
    url = cluster.createDatabase('lab');
    root = makeTempDir('dwi-pgstop-');
    data = path.join(root, 'dataset');
    writeGeometryFixtures(data, (c) => c.group !== 'dataset');
    assert.equal(cli(['index', data, '-q']).code, 0);
  });
  after(() => {
    cluster?.stop();
    if (root) removeTempDir(root);
  });

  /** Starts an index run of 2 files a transaction; resolves once it has committed some files. */
  async function startSlowRun(db: string) {
    const p = spawn(process.execPath, [CLI, 'index', data, '--db', db, '-q'], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, DICOM_INDEX_PG_BATCH_FILES: '2' } });
    let err = '';
    p.stderr.on('data', (d) => (err += d));
    const done = new Promise<number | null>((resolve) => p.on('close', (code) => resolve(code)));
    const schema = new URL(db).searchParams.get('schema');
    for (let i = 0; i < 400; i++) {
      const r = spawnSync('psql', [url, '-Atc', `SELECT COUNT(*) FROM ${schema}.files`], { encoding: 'utf8' });
      if (Number(r.stdout.trim()) >= 10) break;
      await new Promise((res) => setTimeout(res, 25));
    }
    return { p, done, err: () => err };
  }
  const filesIn = (schema: string) => Number(spawnSync('psql', [url, '-Atc', `SELECT COUNT(*) FROM ${schema}.files`], { encoding: 'utf8' }).stdout.trim());
  const total = () => JSON.parse(cli(['cohort', data, '--json']).out).files as number;

  it('a writer killed with SIGKILL leaves what it committed, and a re-run completes the index', async () => {
    const db = `${url}?schema=killed`;
    const run = await startSlowRun(db);
    run.p.kill('SIGKILL');
    await run.done;
    const kept = filesIn('killed');
    assert.ok(kept >= 10 && kept < total(), `${kept} of ${total()} files committed before the kill`);
    const again = cli(['index', data, '--db', db, '--json']);
    assert.equal(again.code, 0, again.err);
    assert.equal(JSON.parse(again.out).unchanged, kept, 'the re-run reads only what was not committed');
    assert.deepEqual(measured(cli(['check', db, '--json']).out), measured(cli(['check', data, '--json']).out));
  });

  it('the server stopping mid-run is a clear error (exit 1); nothing half-written, and the next run carries on', async () => {
    const db = `${url}?schema=stopped`;
    const run = await startSlowRun(db);
    cluster!.stopServer();
    const code = await run.done;
    assert.equal(code, 1, run.err());
    assert.match(run.err(), /dicom-index: /);
    assert.ok(!/at .*\.js:\d+/.test(run.err()), `no stack trace: ${run.err()}`);
    cluster!.startServer();
    const kept = filesIn('stopped');
    assert.ok(kept >= 10 && kept < total(), `${kept} files committed before the server stopped`);
    // Every committed file is whole: a DICOM file's row has its instance.
    const orphans = spawnSync('psql', [url, '-Atc', "SELECT COUNT(*) FROM stopped.files f WHERE f.status IN ('ok','partial') AND NOT EXISTS (SELECT 1 FROM stopped.instance i WHERE i.file_id = f.id)"], { encoding: 'utf8' });
    assert.equal(orphans.stdout.trim(), '0');
    const again = cli(['index', data, '--db', db]);
    assert.equal(again.code, 0, again.err);
    assert.deepEqual(measured(cli(['check', db, '--json']).out), measured(cli(['check', data, '--json']).out));
  });
});
