/**
 * Reading on several threads (`--jobs N`) and indexing in shards (`--shard K/N`, `merge`), through
 * the real CLI bundle (dist/cli.js, whose reader threads run dist/readWorker.js) and the core:
 * - `--jobs 2` and `--jobs 1` give the same index (stats --json, check --json, the CSV export) on
 *   the real corpus, the hostile files and a generated CT tree;
 * - a file that hangs or crashes a reader thread (a real header of a million elements, with the
 *   watchdog or the thread's heap set low) is reported, and the rest is indexed;
 * - a cancelled threaded run keeps what it wrote, and the next run completes it;
 * - SQLite shards merged equal one run; merge refuses what is not ours and overlapping inputs;
 * - three shards into one PostgreSQL index at once equal one run; a shard's re-run touches only its
 *   part; shard_runs tells that all shards finished.
 */
import * as assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { indexFolder } from '../../src/core/indexer';
import { IndexDatabase } from '../../src/core/db/database';
import { REL_PATH_SQL } from '../../src/core/db/schema';
import { folderShard, parseShard, shardFilter } from '../../src/core/scan/shard';
import { scanOrder } from '../../src/core/db/merge';
import { PostgresStore } from '../../src/core/store/postgresStore';
import { parsePgUrl } from '../../src/core/store/postgresUrl';
import { generateLidcSample } from '../../tools/sample/lidcSample';
import { Cluster, skipUnlessPostgres, startCluster } from '../../tools/pg/cluster';
import * as hx from '../fixtures/hostile';
import { makeTempDir, removeTempDir } from '../fixtures/tmp';
import { CLI } from '../fixtures/builtCli';
import { readerThreads, type JobsSetting } from '../../src/core/read/jobs';

const REAL = '/work/shared/corpus/real';
const cli = (args: string[]) => {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 180_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
};
const cliAsync = (args: string[]) =>
  new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
    const p = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (err += d));
    p.on('close', (code) => resolve({ code, out, err }));
  });
const ok = (r: { code: number | null; err: string }, what: string) => assert.equal(r.code, 0, `${what}: ${r.err}`);

/** What an index holds, by the three outputs users compare: stats (without its time), checks, CSV. */
function snapshot(db: string, work: string): { stats: unknown; checks: unknown; csv: string } {
  const s = cli(['stats', db, '--json']);
  ok(s, 'stats');
  const stats = JSON.parse(s.out);
  delete stats.lastIndexed;
  const c = cli(['check', db, '--json']);
  ok(c, 'check');
  fs.mkdirSync(path.join(work, 'exports'), { recursive: true });
  const csv = path.join(work, 'exports', `${path.basename(db)}.csv`);
  ok(cli(['export', db, '--csv', csv]), 'export');
  return { stats, checks: JSON.parse(c.out), csv: fs.readFileSync(csv, 'utf8') };
}

describe('--jobs auto: how many reader threads', () => {
  it('auto: one reader thread on 2–3 cores from 10,000 files, cores − 2 (at most 8) on 4+ from 5,000, else none; --jobs 1 is none', () => {
    const cases: [JobsSetting | undefined, number, number, number][] = [
      // setting, files to read, cores → reader threads
      ['auto', 3000, 2, 0],
      ['auto', 9999, 2, 0],
      ['auto', 10_000, 2, 1],
      [undefined, 244_000, 2, 1],
      ['auto', 244_000, 3, 1],
      ['auto', 244_000, 1, 0],
      ['auto', 4999, 8, 0],
      ['auto', 5000, 8, 6],
      ['auto', 1e6, 32, 8],
      [1, 1e6, 32, 0],
      [2, 10, 2, 2],
      [64, 10, 2, 64],
    ];
    for (const [setting, files, cores, want] of cases) assert.equal(readerThreads(setting, files, cores), want, `${String(setting)}, ${files} files, ${cores} cores`);
  });
});

describe('--jobs, --shard and merge', function () {
  this.timeout(600_000);
  let work: string;
  let hostile: string;
  let ct: string;

  before(async function () {
    if (!fs.existsSync(CLI)) {
      console.log('    (dist/cli.js missing: run `node scripts/build.mjs` first)');
      this.skip();
    }
    work = makeTempDir('dwi-jobs-');
    hostile = path.join(work, 'hostile');
    fs.mkdirSync(hostile);
    hx.writeHostileCases(hostile);
    ct = path.join(work, 'ct');
    await generateLidcSample(ct, { totalFiles: 900, size: 64, patients: 9, seriesPerStudy: 2 });
  });
  after(() => {
    if (hostile) hx.restorePermissions(hostile);
    if (work) removeTempDir(work);
  });

  for (const [name, tree] of [
    ['the real corpus', () => REAL],
    ['the hostile files', () => hostile],
    ['a generated CT tree', () => ct],
  ] as const) {
    it(`--jobs 2 and --jobs 1 give the same index: ${name}`, function () {
      const root = tree();
      if (!fs.existsSync(root)) this.skip();
      const one = path.join(work, `${name.replace(/\W/g, '_')}-1.sqlite`);
      const two = path.join(work, `${name.replace(/\W/g, '_')}-2.sqlite`);
      ok(cli(['index', root, '--db', one, '--jobs', '1', '-q']), 'index --jobs 1');
      const r = cli(['index', root, '--db', two, '--jobs', '2', '--json']);
      ok(r, 'index --jobs 2');
      assert.equal(JSON.parse(r.out).cancelled, false);
      const a = snapshot(one, work);
      const b = snapshot(two, work);
      assert.deepEqual(b.stats, a.stats);
      assert.deepEqual(b.checks, a.checks);
      assert.equal(b.csv, a.csv);
      assert.ok(a.csv.split('\r\n').length > 50, 'the export has the rows');
    });
  }

  it('--jobs and --shard refuse bad values (exit 2)', () => {
    for (const args of [['--jobs', '0'], ['--jobs', 'many'], ['--jobs', '65'], ['--shard', '3/3'], ['--shard', '1'], ['--shard', '0/0'], ['--dataset', 'Has-Caps']]) {
      const r = cli(['index', ct, '--db', path.join(work, 'bad.sqlite'), ...args]);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.err}`);
      assert.match(r.err, /--jobs|--shard|--dataset/);
    }
    assert.ok(!fs.existsSync(path.join(work, 'bad.sqlite')));
  });

  it('a file that makes a reader thread hang is reported, the thread replaced, the rest indexed', async () => {
    const db = path.join(work, 'hang.sqlite');
    const log: string[] = [];
    // The watchdog at 150 ms: the million-element header takes ~0.3–1 s to parse here.
    const r = await indexFolder(path.join(hostile, 'structure'), { dbPath: db, jobs: 2, threads: { fileTimeoutMs: 150 }, log: (m) => log.push(m) });
    assert.equal(r.cancelled, false);
    const idx = await IndexDatabase.open(db, { readOnly: true });
    try {
      const row = idx.all<{ status: string; error: string; error_kind: string }>(`SELECT f.status, f.error, f.error_kind FROM files f JOIN dirs d ON d.id = f.dir_id WHERE ${REL_PATH_SQL} = 'million-elements.dcm'`);
      assert.deepEqual(row, [{ status: 'error', error: 'reading it took longer than 150 ms: the reader thread was stopped', error_kind: 'limit' }]);
      assert.equal(idx.scalar('SELECT COUNT(*) FROM files'), r.candidates, 'every file has its row');
      assert.ok((idx.scalar("SELECT COUNT(*) FROM files WHERE status = 'ok'") as number) > 0, 'the others were read');
    } finally {
      idx.close();
    }
    assert.ok(log.some((l) => /^a reader thread stopped on one file \(reading it took longer than 150 ms.*the run goes on$/.test(l)), log.join('\n'));
    assert.ok(!log.some((l) => l.includes('million-elements')), 'the log names no file (its row says which)');
  });

  it('a file that crashes a reader thread (out of memory) is reported, the rest indexed exactly as without threads', async () => {
    const dir = path.join(work, 'crash');
    fs.mkdirSync(dir);
    fs.copyFileSync(path.join(hostile, 'structure', 'million-elements.dcm'), path.join(dir, 'million-elements.dcm'));
    fs.cpSync(path.join(ct, fs.readdirSync(ct).find((f) => f.startsWith('LIDC'))!), path.join(dir, 'ct'), { recursive: true });
    const threaded = path.join(work, 'crash-2.sqlite');
    const plain = path.join(work, 'crash-1.sqlite');
    const log: string[] = [];
    const r = await indexFolder(dir, { dbPath: threaded, jobs: 2, threads: { resourceLimits: { maxOldGenerationSizeMb: 16 } }, log: (m) => log.push(m) });
    await indexFolder(dir, { dbPath: plain, jobs: 1 });
    assert.equal(r.cancelled, false);
    assert.ok(log.some((l) => /^a reader thread stopped on one file \(the reader thread stopped on this file \(out of memory\)\)/.test(l)), log.join('\n'));
    assert.ok(!log.some((l) => l.includes('million-elements')), 'the log names no file (its row says which)');
    const rows = async (db: string) => {
      const idx = await IndexDatabase.open(db, { readOnly: true });
      try {
        return idx.all(`SELECT path, status, error, SOPInstanceUID, SliceLocation FROM file_rows ORDER BY path`);
      } finally {
        idx.close();
      }
    };
    const [a, b] = [await rows(threaded), await rows(plain)];
    assert.equal(a.length, b.length);
    const crashed = a.find((x) => x.path === 'million-elements.dcm')!;
    assert.equal(crashed.status, 'error');
    assert.deepEqual(
      a.filter((x) => x !== crashed),
      b.filter((x) => x.path !== 'million-elements.dcm'),
    );
  });

  it('cancelling a threaded run keeps what it wrote; the next run reads only the rest and ends equal to one run', async () => {
    // Progress comes at most every 100 ms: a tree big enough that the run is still reading after the first reports.
    const big = path.join(work, 'ct-cancel');
    await generateLidcSample(big, { totalFiles: 4000, size: 64, patients: 8, seriesPerStudy: 2 });
    const db = path.join(work, 'cancel.sqlite');
    const ac = new AbortController();
    const r = await indexFolder(big, { dbPath: db, jobs: 2, signal: ac.signal, onProgress: (p) => p.phase === 'read' && p.done >= 200 && ac.abort() });
    assert.equal(r.cancelled, true);
    assert.ok(r.read >= 200 && r.read < 4000, `read ${r.read}`);
    const again = await indexFolder(big, { dbPath: db, jobs: 2 });
    assert.equal(again.cancelled, false);
    assert.equal(again.read, 4000 - r.read, 'the second run reads only what the first did not');
    const whole = path.join(work, 'cancel-whole.sqlite');
    await indexFolder(big, { dbPath: whole, jobs: 1 });
    const a = snapshot(db, work);
    const b = snapshot(whole, work);
    assert.deepEqual(a.checks, b.checks);
    assert.equal(a.csv, b.csv);
  });

  it('shards: the same folder always in the same shard, every folder in exactly one; K counts from 0', () => {
    const folders = Array.from({ length: 300 }, (_, i) => `LIDC-IDRI-${String(i).padStart(4, '0')}/01-01-2000-1/3000-${i}`);
    const counts = [0, 0, 0];
    for (const f of folders) {
      const k = folderShard(f, 3);
      assert.equal(folderShard(f, 3), k);
      const inK = [0, 1, 2].filter((j) => shardFilter({ index: j, count: 3 })(`${f}/1-001.dcm`));
      assert.deepEqual(inK, [k]);
      counts[k]++;
    }
    for (const c of counts) assert.ok(c > 60, `a fair deal: ${counts.join(', ')}`);
    assert.deepEqual(parseShard('2/3'), { index: 2, count: 3 });
    assert.match(parseShard('3/3') as string, /counts from 0/);
    assert.equal(typeof parseShard('1'), 'string');
  });

  it('merge of SQLite shards equals one run (stats, checks, CSV); shard_runs lists the shards', async () => {
    for (const [name, root] of [
      ['ct', ct],
      ['real', REAL],
    ] as const) {
      if (!fs.existsSync(root)) continue;
      const parts = [0, 1, 2].map((k) => path.join(work, `${name}-shard${k}.sqlite`));
      parts.forEach((p, k) => ok(cli(['index', root, '--db', p, '--shard', `${k}/3`, '-q']), `shard ${k}`));
      const sizes = parts.map((p) => (snapshot(p, work).stats as { files: { total: number } }).files.total);
      assert.ok(sizes.every((n) => n > 0), `each shard has files: ${sizes.join(', ')}`);
      const merged = path.join(work, `${name}-merged.sqlite`);
      const m = cli(['merge', merged, ...parts, '--json']);
      ok(m, 'merge');
      assert.equal(JSON.parse(m.out).files, sizes.reduce((x, y) => x + y, 0));
      const idx = await IndexDatabase.open(merged, { readOnly: true });
      try {
        assert.deepEqual(idx.all("SELECT shard_index, status FROM shard_runs WHERE shard_count = 3 ORDER BY shard_index"), [0, 1, 2].map((k) => ({ shard_index: k, status: 'done' })));
      } finally {
        idx.close();
      }
      const single = path.join(work, `${name}-single.sqlite`);
      ok(cli(['index', root, '--db', single, '-q']), 'one run');
      const a = snapshot(merged, work);
      const b = snapshot(single, work);
      assert.deepEqual(a.stats, b.stats, name);
      assert.deepEqual(a.checks, b.checks, name);
      assert.equal(a.csv, b.csv, name);
    }
  });

  it('merge refuses another program’s file or a run’s index as its output, and overlapping inputs: nothing written', () => {
    const parts = [0, 1].map((k) => path.join(work, `ref-shard${k}.sqlite`));
    parts.forEach((p, k) => ok(cli(['index', ct, '--db', p, '--shard', `${k}/2`, '-q']), `shard ${k}`));
    const csv = path.join(work, 'not-ours.sqlite');
    fs.writeFileSync(csv, 'a,b\n1,2\n');
    const r1 = cli(['merge', csv, ...parts]);
    assert.equal(r1.code, 2, r1.err);
    assert.equal(fs.readFileSync(csv, 'utf8'), 'a,b\n1,2\n');
    const before = fs.readFileSync(parts[0]);
    const r2 = cli(['merge', parts[0], parts[1]]);
    assert.equal(r2.code, 2, r2.err);
    assert.deepEqual(fs.readFileSync(parts[0]), before);
    const whole = path.join(work, 'ref-whole.sqlite');
    ok(cli(['index', ct, '--db', whole, '-q']), 'whole');
    const out = path.join(work, 'ref-out.sqlite');
    const r3 = cli(['merge', out, whole, parts[0]]);
    assert.equal(r3.code, 2, r3.err);
    assert.match(r3.err, /disjoint/);
    assert.ok(!r3.err.includes('.dcm'), `names the inputs, not a file (a path can hold a patient ID): ${r3.err}`);
    assert.ok(!fs.existsSync(out));
  });

  it('a shard given named paths (a watcher’s batch) reads and forgets only those in its own folders', async () => {
    const db = path.join(work, 'shard-only.sqlite');
    const shard = { index: 0, count: 2 };
    const r = await indexFolder(ct, { dbPath: db, shard });
    const files: string[] = [];
    const walk = (d: string, rel: string) =>
      fs.readdirSync(d, { withFileTypes: true }).forEach((e) => (e.isDirectory() ? walk(path.join(d, e.name), `${rel}${e.name}/`) : e.name.endsWith('.dcm') && files.push(`${rel}${e.name}`)));
    walk(ct, '');
    const mine = files.filter(shardFilter(shard));
    const theirs = files.filter((f) => !shardFilter(shard)(f));
    assert.ok(mine.length > 0 && theirs.length > 0 && r.read === mine.length);
    // Named: one of its own files changed, one of the other shard's, and one of the other shard's that is gone.
    const when = new Date(Date.now() + 5000);
    for (const f of [mine[0], theirs[0]]) fs.utimesSync(path.join(ct, f), when, when);
    const again = await indexFolder(ct, { dbPath: db, shard, only: [mine[0], theirs[0], theirs[1].replace(/\.dcm$/, '-gone.dcm')] });
    assert.equal(again.read, 1, 'only its own file is read');
    assert.equal(again.removed, 0);
    const stats = JSON.parse(cli(['stats', db, '--json']).out);
    assert.equal(stats.files.total, mine.length, 'no file of the other shard came in');
  });

  it('scanOrder is the order a scan meets files: a folder’s files before its subfolders', () => {
    const paths = ['b/x.dcm', 'a.dcm', 'a/z.dcm', 'a/b/c.dcm', 'a/a.dcm', 'c.dcm'];
    assert.deepEqual([...paths].sort(scanOrder), ['a.dcm', 'c.dcm', 'a/a.dcm', 'a/z.dcm', 'a/b/c.dcm', 'b/x.dcm']);
  });

  describe('shards into one PostgreSQL index', function () {
    let cluster: Cluster | undefined;
    let url: string;
    let data: string;
    const measured = (json: string) => {
      const r = JSON.parse(json) as { series: { SeriesInstanceUID: string }[]; dataset: unknown; totals: unknown };
      return { series: [...r.series].sort((a, b) => (a.SeriesInstanceUID < b.SeriesInstanceUID ? -1 : 1)), dataset: r.dataset, totals: r.totals };
    };

    before(async function () {
      skipUnlessPostgres(this);
      cluster = await startCluster();
      url = cluster.createDatabase('shards');
      data = path.join(work, 'pgdata');
      fs.cpSync(ct, data, { recursive: true });
    });
    after(() => cluster?.stop());

    it('three shards at once (--dataset, --jobs 2) equal one unsharded run; shard_runs says all finished', async () => {
      const runs = await Promise.all([0, 1, 2].map((k) => cliAsync(['index', data, '--db', url, '--dataset', 'lidc', '--shard', `${k}/3`, '--jobs', '2', '--json'])));
      runs.forEach((r, k) => ok(r, `shard ${k}`));
      const read = runs.map((r) => JSON.parse(r.out).read as number);
      assert.equal(read.reduce((x, y) => x + y, 0), 900);
      assert.ok(read.every((n) => n > 0), read.join(', '));
      ok(cli(['index', data, '--db', `${url}?schema=whole`, '-q']), 'unsharded');
      const a = cli(['check', `${url}?schema=lidc`, '--json']);
      const b = cli(['check', `${url}?schema=whole`, '--json']);
      ok(a, 'check');
      assert.deepEqual(measured(a.out), measured(b.out));
      for (const filter of [[], ['--volumes-only'], ['--modality', 'CT', '--max-thickness', '2.5']]) {
        assert.deepEqual(JSON.parse(cli(['cohort', `${url}?schema=lidc`, ...filter, '--json']).out), JSON.parse(cli(['cohort', `${url}?schema=whole`, ...filter, '--json']).out));
      }
      const store = await PostgresStore.connect(parsePgUrl(`${url}?schema=lidc`));
      try {
        // The README's query: have all 3 shards finished?
        const done = await store.rows("SELECT COUNT(*) = 3 AS all_finished FROM shard_runs WHERE shard_count = 3 AND status = 'done'");
        assert.deepEqual(done, [[true]]);
        const rows = await store.rows('SELECT shard_index, files, read FROM shard_runs WHERE shard_count = 3 ORDER BY shard_index');
        assert.deepEqual(rows.map((r) => Number(r[2])), read);
        assert.deepEqual(await store.rows("SELECT value FROM meta WHERE key = 'dataset'"), [['lidc']]);
      } finally {
        await store.close();
      }
      // --dataset and a URL naming another schema contradict each other.
      const bad = cli(['index', data, '--db', `${url}?schema=other`, '--dataset', 'lidc']);
      assert.equal(bad.code, 2, bad.err);
    });

    it('a shard’s re-run after files change reads and forgets only in its own folders', () => {
      const db = `${url}?schema=lidc`;
      const rel = (f: string) => path.relative(data, f).split(path.sep).join('/');
      const files: string[] = [];
      const walk = (d: string) => fs.readdirSync(d, { withFileTypes: true }).forEach((e) => (e.isDirectory() ? walk(path.join(d, e.name)) : e.name.endsWith('.dcm') && files.push(path.join(d, e.name))));
      walk(data);
      const byShard = [0, 1, 2].map((k) => files.filter((f) => shardFilter({ index: k, count: 3 })(rel(f))));
      // Shard 0: one file changed; shard 1: one file deleted.
      const when = new Date(Date.now() + 5000);
      fs.utimesSync(byShard[0][0], when, when);
      fs.rmSync(byShard[1][0]);
      const filesIn = () => JSON.parse(cli(['cohort', db, '--json']).out).files as number;
      const before = filesIn();
      const r0 = cli(['index', data, '--db', db, '--shard', '0/3', '--json']);
      ok(r0, 'shard 0 again');
      const j0 = JSON.parse(r0.out);
      assert.equal(j0.read, 1);
      assert.equal(j0.removed, 0, 'shard 1’s deleted file is not shard 0’s to forget');
      assert.equal(filesIn(), before);
      const r1 = cli(['index', data, '--db', db, '--shard', '1/3', '--json']);
      const j1 = JSON.parse(r1.out);
      assert.equal(j1.read, 0);
      assert.equal(j1.removed, 1);
      assert.equal(filesIn(), before - 1);
    });
  });
});
