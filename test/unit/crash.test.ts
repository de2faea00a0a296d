/**
 * Crashes and concurrency, with the real CLI (dist/cli.js) in child processes:
 *  - SIGKILL at random moments of index runs: the database always opens and passes
 *    PRAGMA integrity_check, holding the old or the new state (never a torn one), and the next run
 *    recovers the dead run's lock;
 *  - two index runs started at once on one folder: one indexes, the other exits non-zero with
 *    "another index run", and the database is intact.
 */
import * as assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadSqlJs } from '../../src/core/db/database';
import * as fx from '../fixtures/dicomFiles';
import { prng } from '../fixtures/hostile';
import { makeTempDir, removeTempDir } from '../fixtures/tmp';
import { CLI, skipUnlessCliBuilt } from '../fixtures/builtCli';


interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  out: string;
  err: string;
  ms: number;
}

function runCli(args: string[], killAfterMs?: number): Promise<Exit> {
  return new Promise((resolve) => {
    const t0 = Date.now();
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    const timer = killAfterMs === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      resolve({ code, signal, out, err, ms: Date.now() - t0 });
    });
  });
}

/** Opens the file with sql.js as it is (no repair): integrity and the number of files rows. */
async function inspect(dbFile: string): Promise<{ integrity: string; files: number; instances: number } | null> {
  if (!fs.existsSync(dbFile)) return null;
  const SQL = await loadSqlJs();
  const db = new SQL.Database(fs.readFileSync(dbFile));
  try {
    const integrity = String(db.exec('PRAGMA integrity_check')[0].values[0][0]);
    const files = Number(db.exec('SELECT COUNT(*) FROM files')[0].values[0][0]);
    const instances = Number(db.exec('SELECT COUNT(*) FROM instance')[0].values[0][0]);
    return { integrity, files, instances };
  } finally {
    db.close();
  }
}

/** `count` small CT files (one dcmjs file, copied with a fresh name; the reader reads each). */
function fill(dir: string, from: number, count: number, template: Buffer): void {
  fs.mkdirSync(dir, { recursive: true });
  for (let i = from; i < from + count; i++) fs.writeFileSync(path.join(dir, `im${String(i).padStart(5, '0')}.dcm`), template);
}

describe('crashes and concurrency (CLI processes)', function () {
  this.timeout(180_000);
  let root: string;
  let template: Buffer;
  before(function () {
    skipUnlessCliBuilt(this);
    template = fx.buildCt('explicitLittle', { rows: 64, cols: 64 }).buffer;
  });
  beforeEach(() => (root = makeTempDir('dwi-crash-')));
  afterEach(() => root && removeTempDir(root));

  it('SIGKILL at random moments: the database always opens, passes integrity_check, and holds the old or the new state', async () => {
    const db = path.join(root, '.dicom', 'index.sqlite');
    let total = 2500;
    fill(path.join(root, 'a'), 0, total, template);
    const full = await runCli(['index', root]);
    assert.equal(full.code, 0, full.err);
    let state = await inspect(db);
    assert.deepEqual(state, { integrity: 'ok', files: total, instances: total });
    // Long enough for the kills to land anywhere: the scan, the reads, the save.
    const runMs = (await runCli(['index', root, '--rebuild'])).ms;
    const seed = Date.now() % 100_000;
    const rnd = prng(seed);
    const seen = { old: 0, new: 0 };
    let killed = 0;
    for (let round = 0; round < 8; round++) {
      // A new state to write: more files, and a rebuild that rewrites every row (the longest save).
      const before = state!.files;
      fill(path.join(root, `r${round}`), 0, 150, template);
      total += 150;
      const delay = Math.floor(rnd() * runMs * 1.1);
      const run = await runCli(['index', root, '--rebuild'], delay);
      if (run.signal === 'SIGKILL') killed++;
      else assert.equal(run.code, 0, run.err);
      state = await inspect(db);
      assert.ok(state, `round ${round}: the database file is gone`);
      assert.equal(state.integrity, 'ok', `round ${round}: killed after ${delay} ms (seed ${seed})`);
      assert.equal(state.files, state.instances);
      // The old state (the previous run's rows) or the new (every file): nothing between.
      assert.ok(state.files === before || state.files === total, `round ${round}: ${state.files} rows, old ${before}, new ${total} (killed after ${delay} ms, seed ${seed})`);
      if (state.files === total) seen.new++;
      else seen.old++;
    }
    console.log(`      (${killed} of 8 runs killed within ${Math.round(runMs * 1.1)} ms; after them the database held the old state ${seen.old} times, the new ${seen.new} times; seed ${seed})`);
    assert.ok(killed >= 3, `only ${killed} of 8 runs were killed (run time ${runMs} ms)`);
    // A dead run's lock does not block the next one, which completes the index.
    const last = await runCli(['index', root]);
    assert.equal(last.code, 0, last.err);
    assert.deepEqual(await inspect(db), { integrity: 'ok', files: total, instances: total });
    assert.ok(!fs.existsSync(`${db}.lock`), 'lock file left behind by a completed run');
    const leftovers = fs.readdirSync(path.dirname(db)).filter((f) => f.includes('.tmp-'));
    if (leftovers.length) console.log(`      (note: ${leftovers.length} temporary file(s) of killed saves left in .dicom: ${leftovers.join(', ')})`);
  });

  it('two index runs started at once on one folder: one indexes, the other says "another index run" and exits non-zero; the database is intact', async () => {
    const total = 4000;
    fill(path.join(root, 'a'), 0, total, template);
    const db = path.join(root, '.dicom', 'index.sqlite');
    let outcome: Exit[] = [];
    for (let attempt = 0; attempt < 3; attempt++) {
      outcome = await Promise.all([runCli(['index', root, '--rebuild']), runCli(['index', root, '--rebuild'])]);
      if (outcome.some((r) => r.code !== 0)) break;
      // Both succeeded: one finished before the other started (a very fast machine); try again.
    }
    const codes = outcome.map((r) => r.code).sort();
    assert.deepEqual(codes, [0, 1], outcome.map((r) => `${r.code}: ${r.err}`).join('\n'));
    const loser = outcome.find((r) => r.code === 1)!;
    assert.match(loser.err, /another index run/);
    assert.equal(loser.err.trim().split('\n').length, 1, loser.err);
    assert.equal(loser.out, '');
    assert.deepEqual(await inspect(db), { integrity: 'ok', files: total, instances: total });
    assert.ok(!fs.existsSync(`${db}.lock`));
    const stats = spawnSync(process.execPath, [CLI, 'stats', db, '--json'], { encoding: 'utf8' });
    assert.equal(stats.status, 0, stats.stderr);
    assert.equal(JSON.parse(stats.stdout).instances, total);
  });
});
