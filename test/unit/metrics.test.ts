/**
 * The metrics and machine logs of a one-shot `dicom-index index`: /metrics scraped over HTTP while the
 * run goes on, a real Prometheus Pushgateway (Debian's prometheus-pushgateway, started here on a free
 * 127.0.0.1 port) receiving the run's metrics, and `--log-format json` on stderr without patient data.
 */
import * as assert from 'node:assert/strict';
import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as fx from '../fixtures/dicomFiles';
import { makeTempDir, removeTempDir } from '../fixtures/tmp';
import { freePort } from '../../tools/pg/cluster';
import { CLI, cli, httpGet, sample, until } from './watchHarness';
import { skipUnlessCliBuilt } from '../fixtures/builtCli';

const NAME = 'Metrics^Magdalena';
const PID = 'PAT-METRICS-4410';
const SECRETS = [PID, ...NAME.split('^')];
const PUSHGATEWAY = '/usr/bin/prometheus-pushgateway';
const INSTALL_HINT = "prometheus-pushgateway is not installed: the Pushgateway test is skipped. Install it with 'apt-get install prometheus-pushgateway' (CI does).";

const jsonLines = (err: string) => err.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as { time: string; level: string; event: string } & Record<string, unknown>);

describe('dicom-index index: metrics, Pushgateway, JSON logs', function () {
  this.timeout(120_000);
  let tmp: string;
  let root: string;
  before(function () {
    skipUnlessCliBuilt(this);
    tmp = makeTempDir('dwi-metrics-');
    root = path.join(tmp, 'data');
    const one = fx.writeSeries(path.join(tmp, 'src'), { count: 1, sliceThickness: 1, patientId: PID, patientName: NAME }).paths[0];
    fx.writeSeries(path.join(root, PID, 'study', 'a'), { count: 5, sliceThickness: 1.25, patientId: PID, patientName: NAME });
    fx.writeNotDicom(path.join(root, PID), 'notes.dcm');
    fx.writeTruncatedCt(path.join(root, PID), { where: 'pixels' });
    const bulk = path.join(root, PID, 'bulk');
    fs.mkdirSync(bulk, { recursive: true });
    for (let i = 0; i < 4000; i++) fs.copyFileSync(one, path.join(bulk, `${String(i).padStart(5, '0')}.dcm`));
  });
  after(() => tmp && removeTempDir(tmp));

  it('/metrics is served during the run (127.0.0.1, real HTTP) and its counters only grow toward the summary', async () => {
    const db = path.join(tmp, 'during.sqlite');
    const p = spawn(process.execPath, [CLI, 'index', root, '--db', db, '--metrics-port', '0', '--log-format', 'json', '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    let out = '';
    p.stderr.on('data', (d) => (err += d));
    p.stdout.on('data', (d) => (out += d));
    const exited = new Promise<number | null>((r) => p.on('exit', (c) => r(c)));
    await until('metrics-listening', () => /"metrics-listening"/.test(err) || p.exitCode !== null, 30_000, 5);
    const url = String(jsonLines(err).find((l) => l.event === 'metrics-listening')!.url);
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    const scrapes: number[] = [];
    while (p.exitCode === null) {
      try {
        const m = await httpGet(url);
        assert.equal(m.status, 200);
        scrapes.push(sample(m.body, 'dicom_index_files_indexed_total', { status: 'ok' }) ?? -1);
      } catch {
        break; // the run ended and the server closed between two scrapes
      }
    }
    assert.equal(await exited, 0, err);
    const result = JSON.parse(out);
    assert.ok(scrapes.length >= 1, 'scraped at least once during the run');
    for (let i = 1; i < scrapes.length; i++) assert.ok(scrapes[i] >= scrapes[i - 1], `counters never go down: ${scrapes.join(' ')}`);
    assert.ok(scrapes.every((n) => n >= 0 && n <= result.counts.ok), `${scrapes.join(' ')} ≤ ${result.counts.ok}`);
    console.log(`      ${scrapes.length} scrapes during a ${result.durationMs} ms run of ${result.read} files; files_indexed_total{status="ok"} went ${scrapes[0]} → ${scrapes.at(-1)} (summary: ${result.counts.ok})`);
  });

  it('pushes a one-shot run to a real Pushgateway, with the counts of the run’s summary', async function () {
    if (!fs.existsSync(PUSHGATEWAY)) {
      if (process.env.CI) throw new Error(`${INSTALL_HINT} (CI must not skip this test)`);
      console.log(`    (${INSTALL_HINT})`);
      this.skip();
    }
    const port = await freePort();
    const gateway: ChildProcess = spawn(PUSHGATEWAY, [`--web.listen-address=127.0.0.1:${port}`, `--persistence.file=${path.join(tmp, 'pushgateway.data')}`, '--log.level=warn'], { stdio: 'ignore' });
    try {
      const base = `http://127.0.0.1:${port}`;
      await until('the Pushgateway is ready', async () => (await httpGet(`${base}/-/ready`).catch(() => ({ status: 0 }))).status === 200, 30_000, 100);
      const r = cli(['index', root, '--db', path.join(tmp, 'pushed.sqlite'), '--pushgateway', base, '--log-format', 'json', '--json']);
      assert.equal(r.code, 0, r.err);
      const result = JSON.parse(r.out);
      const logged = jsonLines(r.err);
      assert.ok(logged.some((l) => l.event === 'metrics-pushed' && l.gateway === base), r.err);
      const m = await httpGet(`${base}/metrics`);
      const grouping = { job: 'dicom_index', instance: os.hostname() };
      for (const status of ['ok', 'partial', 'error', 'not_dicom'] as const) assert.equal(sample(m.body, 'dicom_index_files_indexed_total', { ...grouping, status }), result.counts[status], status);
      assert.equal(sample(m.body, 'dicom_index_files_seen_total', grouping), result.candidates);
      assert.equal(sample(m.body, 'dicom_index_runs_total', { ...grouping, outcome: 'completed' }), 1);
      assert.ok(sample(m.body, 'dicom_index_last_success_timestamp_seconds', grouping)! > Date.now() / 1000 - 120);
      assert.equal(sample(m.body, 'dicom_index_header_parse_seconds_count', grouping), result.read);
      assert.equal(sample(m.body, 'dicom_index_errors_total', { ...grouping, kind: 'format' }), result.counts.partial + result.counts.error + result.counts.not_dicom);
      // The Pushgateway's own record of the push.
      assert.ok(sample(m.body, 'push_time_seconds', grouping)! > 0);

      // A gateway that is not there: a warning, the run still succeeds.
      const down = cli(['index', root, '--db', path.join(tmp, 'pushed.sqlite'), '--pushgateway', `http://127.0.0.1:${await freePort()}`]);
      assert.equal(down.code, 0, down.err);
      assert.match(down.err, /warning: could not push the metrics to http:\/\/127\.0\.0\.1:\d+/);
    } finally {
      gateway.kill('SIGTERM');
    }
  });

  it('--log-format json: every stderr line is a JSON object with the documented fields, and no patient data', () => {
    const r = cli(['index', root, '--db', path.join(tmp, 'json.sqlite'), '--log-format', 'json', '--metrics-port', '0']);
    assert.equal(r.code, 0, r.err);
    const lines = jsonLines(r.err);
    assert.ok(lines.length >= 3, r.err);
    for (const l of lines) {
      assert.ok(!Number.isNaN(Date.parse(l.time)) && ['info', 'warn', 'error'].includes(l.level) && typeof l.event === 'string', JSON.stringify(l));
    }
    const fin = lines.find((l) => l.event === 'run-finished')!;
    for (const k of ['store', 'cancelled', 'candidates', 'read', 'unchanged', 'removed', 'ok', 'partial', 'error', 'notDicom', 'durationMs']) assert.ok(k in fin, k);
    assert.equal(fin.read, 4007);
    for (const s of SECRETS) assert.ok(!r.err.includes(s) && !r.out.includes(s), `'${s}' is in the output`);
    // Failures too are JSON lines.
    const bad = cli(['index', path.join(tmp, 'missing'), '--log-format', 'json']);
    assert.equal(bad.code, 2);
    assert.equal(jsonLines(bad.err)[0].event, 'failed');
    const badOption = cli(['index', root, '--no-such-option', '--log-format', 'json']);
    assert.equal(badOption.code, 2);
    assert.equal(jsonLines(badOption.err)[0].level, 'error');
  });
});
