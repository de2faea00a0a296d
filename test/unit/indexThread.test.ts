/**
 * An index run on a thread of its own (src/core/run/indexThread.ts, the extension host's runs): the
 * same index as a run on this thread; its progress, log and saves cross back; Cancel stops it with a
 * consistent index; the errors a caller tells apart (busy, refused) keep their class and fields; a
 * thread that dies holding the lock rejects and lets the lock go. Also the lock looked at while it
 * comes and goes (isForeignLock).
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { indexFolder, defaultDbPath, type IndexProgress } from '../../src/core/indexer';
import { indexInThread } from '../../src/core/run/indexThread';
import { IndexDatabase } from '../../src/core/db/database';
import { DatabaseRefusedError } from '../../src/core/db/refused';
import { computeStats } from '../../src/core/stats';
import { acquireLock, IndexBusyError, isForeignLock } from '../../src/core/lock';
import * as fx from '../fixtures/dicomFiles';
import { makeTempDir, removeTempDir } from '../fixtures/tmp';

async function withIndex<T>(db: string, fn: (idx: IndexDatabase) => T | Promise<T>): Promise<T> {
  const idx = await IndexDatabase.open(db, { readOnly: true });
  try {
    return await fn(idx);
  } finally {
    idx.close();
  }
}

const rowsOf = (db: string) => withIndex(db, (idx) => idx.all('SELECT path, status, SOPInstanceUID, SeriesInstanceUID, SliceThickness FROM file_rows ORDER BY path'));

describe('an index run on its own thread', function () {
  this.timeout(120_000);
  let root: string;
  beforeEach(() => (root = makeTempDir('dwi-thread-')));
  afterEach(() => removeTempDir(root));

  it('writes the same index as a run on this thread; its log, progress and saves reach the caller', async () => {
    fx.writeSeries(path.join(root, 'A'), { count: 30, sliceThickness: 2.5, patientId: 'PA' });
    fx.writeSeries(path.join(root, 'B'), { count: 12, sliceThickness: 1, patientId: 'PB' });
    fx.writeNotDicom(path.join(root, 'A'));
    const here = path.join(root, 'here.sqlite');
    await indexFolder(root, { dbPath: here });
    const logs: string[] = [];
    const progress: IndexProgress[] = [];
    let saves = 0;
    const r = await indexInThread(
      { store: 'sqlite', root, options: { dbPath: defaultDbPath(root), concurrency: 1 } },
      { log: (m) => logs.push(m), onProgress: (p) => progress.push(p), onSaved: () => saves++ },
    );
    assert.deepEqual([r.cancelled, r.read, r.candidates, r.counts], [false, 43, 43, { ok: 42, partial: 0, error: 0, not_dicom: 1 }]);
    assert.ok(logs.some((m) => /^read: 43 files/.test(m)), logs.join('\n'));
    assert.ok(progress.some((p) => p.phase === 'read'), JSON.stringify(progress));
    assert.equal(saves, 1, 'the run saved once, at its end');
    assert.deepEqual(await rowsOf(defaultDbPath(root)), await rowsOf(here));
    const a = await withIndex(here, computeStats);
    const b = await withIndex(defaultDbPath(root), computeStats);
    assert.deepEqual({ ...b, lastIndexed: null }, { ...a, lastIndexed: null });
    assert.equal(fs.existsSync(`${defaultDbPath(root)}.lock`), false, 'the lock is let go');
  });

  it('Cancel stops the run with a consistent index that the next run completes', async () => {
    fx.writeSeries(path.join(root, 'S'), { count: 300, sliceThickness: 2, patientId: 'P' });
    const controller = new AbortController();
    const r = await indexInThread(
      { store: 'sqlite', root, options: { concurrency: 1 } },
      {
        signal: controller.signal,
        onProgress: (p) => {
          if (p.phase === 'read' && p.done >= 1) controller.abort();
        },
      },
    );
    assert.equal(r.cancelled, true);
    assert.ok(r.read >= 1 && r.read < 300, `read ${r.read}`);
    const partial = await withIndex(defaultDbPath(root), computeStats);
    assert.equal(partial.instances, r.read);
    assert.equal(partial.incomplete, true);
    assert.equal(await withIndex(defaultDbPath(root), (idx) => idx.scalar('PRAGMA integrity_check')), 'ok');
    const rest = await indexInThread({ store: 'sqlite', root, options: {} });
    assert.equal(rest.read, 300 - r.read);
    assert.equal((await withIndex(defaultDbPath(root), computeStats)).instances, 300);
  });

  it('a busy index and a refused path reject with their own errors, and nothing is written', async () => {
    fx.writeSeries(path.join(root, 'S'), { count: 2, sliceThickness: 2, patientId: 'P' });
    const db = defaultDbPath(root);
    fs.mkdirSync(path.dirname(db), { recursive: true });
    const lock = acquireLock(db);
    try {
      await assert.rejects(indexInThread({ store: 'sqlite', root, options: {} }), (e: unknown) => e instanceof IndexBusyError && e.holder.pid === process.pid);
    } finally {
      lock.release();
    }
    assert.equal(fs.existsSync(db), false);
    const folder = path.join(root, 'a-folder');
    fs.mkdirSync(folder);
    await assert.rejects(
      indexInThread({ store: 'sqlite', root, options: { dbPath: folder } }),
      (e: unknown) => e instanceof DatabaseRefusedError && e.path === folder && /is a folder/.test(e.reason) && /Nothing there was changed/.test(e.message),
    );
    assert.deepEqual(fs.readdirSync(folder), []);
  });

  it('a thread that dies holding the lock rejects with a clear error, and the next run is not refused as busy', async () => {
    fx.writeSeries(path.join(root, 'S'), { count: 3, sliceThickness: 2, patientId: 'P' });
    const db = defaultDbPath(root);
    fs.mkdirSync(path.dirname(db), { recursive: true });
    // A thread that takes the run's lock, as indexFolder does, and ends without letting it go.
    const dying = path.join(root, 'dying.js');
    fs.writeFileSync(dying, `require(${JSON.stringify(require.resolve('../../src/core/lock'))}).acquireLock(${JSON.stringify(db)}); process.exit(3);`);
    await assert.rejects(indexInThread({ store: 'sqlite', root, options: {} }, { workerFile: dying }), /the indexing thread stopped before its run ended \(exit code 3\)/);
    assert.equal(fs.existsSync(`${db}.lock`), false, 'its lock is let go');
    // A lock another run of this process took before this one started is not touched.
    const theirs = acquireLock(db);
    try {
      await assert.rejects(indexInThread({ store: 'sqlite', root, options: {} }, { workerFile: dying }), /the indexing thread stopped before its run ended/);
      assert.equal(fs.existsSync(`${db}.lock`), true);
    } finally {
      theirs.release();
    }
    // Another program's file of that name is never removed, even when a thread of this run dies beside it.
    fs.writeFileSync(`${db}.lock`, 'held by make');
    await assert.rejects(indexInThread({ store: 'sqlite', root, options: {} }, { workerFile: dying }), /the indexing thread stopped before its run ended/);
    assert.equal(fs.readFileSync(`${db}.lock`, 'utf8'), 'held by make');
    fs.rmSync(`${db}.lock`);
    assert.equal((await indexInThread({ store: 'sqlite', root, options: {} })).read, 3);
  });

  it('a lock is foreign only when something not ours is there: a lock gone between two looks is not', () => {
    const file = path.join(root, 'index.sqlite.lock');
    assert.equal(isForeignLock(file), false, 'nothing there');
    const lock = acquireLock(path.join(root, 'index.sqlite'));
    assert.equal(isForeignLock(file), false, 'our lock');
    lock.release();
    assert.equal(isForeignLock(file), false, 'let go');
    fs.writeFileSync(file, '');
    assert.equal(isForeignLock(file), false, 'empty: a run killed while writing it');
    fs.writeFileSync(file, 'held by make');
    assert.equal(isForeignLock(file), true, "another program's file");
    fs.rmSync(file);
    fs.mkdirSync(file);
    assert.equal(isForeignLock(file), true, 'a folder');
  });
});
