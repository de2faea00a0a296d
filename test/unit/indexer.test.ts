/** Incremental indexing, cancellation, damaged databases, the lock, and the privacy switch. */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { indexFolder, defaultDbPath } from '../../src/core/indexer';
import { IndexDatabase } from '../../src/core/db/database';
import { computeStats } from '../../src/core/stats';
import { acquireLock, IndexBusyError } from '../../src/core/lock';
import * as fx from '../fixtures/dicomFiles';
import { makeTempDir, removeTempDir } from '../fixtures/tmp';

async function statsOf(dbPath: string) {
  const idx = await IndexDatabase.open(dbPath);
  try {
    return { stats: await computeStats(idx), idx: null };
  } finally {
    idx.close();
  }
}

async function query<T>(dbPath: string, sql: string): Promise<T[]> {
  const idx = await IndexDatabase.open(dbPath);
  try {
    return idx.all<T>(sql);
  } finally {
    idx.close();
  }
}

describe('indexer', function () {
  this.timeout(60_000);
  let root: string;
  beforeEach(() => (root = makeTempDir('dwi-index-')));
  afterEach(() => removeTempDir(root));

  it('indexes a folder into <folder>/.dicom/index.sqlite with a .gitignore of *', async () => {
    fx.writeSeries(path.join(root, 'P1', 'S1'), { count: 3, sliceThickness: 2.5, patientId: 'P1' });
    fx.writeNotDicom(path.join(root, 'P1'));
    const r = await indexFolder(root);
    assert.deepEqual(r.counts, { ok: 3, partial: 0, error: 0, not_dicom: 1 });
    const db = defaultDbPath(root);
    assert.ok(fs.existsSync(db));
    assert.equal(fs.readFileSync(path.join(root, '.dicom', '.gitignore'), 'utf8').trim().split('\n').pop(), '*');
    const { stats } = await statsOf(db);
    assert.equal(stats.patients, 1);
    assert.equal(stats.series, 1);
    assert.equal(stats.instances, 3);
    assert.deepEqual(stats.sliceThickness.histogram, { '2.5': 3 });
    assert.deepEqual(stats.files, { total: 4, ok: 3, partial: 0, error: 0, notDicom: 1 });
    const rows = await query<{ path: string; status: string; SOPInstanceUID: string | null }>(db, 'SELECT path, status, SOPInstanceUID FROM file_rows ORDER BY path');
    assert.equal(rows.length, 4);
    assert.deepEqual(rows.map((r) => r.path), ['P1/S1/1-001.dcm', 'P1/S1/1-002.dcm', 'P1/S1/1-003.dcm', 'P1/not-dicom.dcm']);
  });

  it('re-reads only added and changed files and forgets deleted ones', async () => {
    const s = fx.writeSeries(path.join(root, 'S'), { count: 4, sliceThickness: 1.25, patientId: 'P' });
    const first = await indexFolder(root);
    assert.equal(first.read, 4);
    const again = await indexFolder(root);
    assert.deepEqual([again.read, again.unchanged, again.removed], [0, 4, 0]);

    // add one instance, change one (other thickness), delete one
    fx.writeSeries(path.join(root, 'S'), { count: 1, sliceThickness: 1.25, patientId: 'P', studyInstanceUid: s.studyInstanceUid, seriesInstanceUid: s.seriesInstanceUid, firstInstanceNumber: 5 });
    const changed = fx.writeCt(path.join(root, 'S'), 'explicitLittle', {
      fileName: '1-002.dcm',
      overrides: { StudyInstanceUID: s.studyInstanceUid, SeriesInstanceUID: s.seriesInstanceUid, PatientID: 'P', SliceThickness: 5 },
    });
    const later = new Date(Date.now() + 5000);
    fs.utimesSync(changed.path, later, later);
    fs.rmSync(s.paths[3]);
    const third = await indexFolder(root);
    assert.deepEqual([third.read, third.unchanged, third.removed], [2, 2, 1]);
    const { stats } = await statsOf(defaultDbPath(root));
    assert.equal(stats.instances, 4);
    assert.deepEqual(stats.sliceThickness.histogram, { '1.25': 3, '5': 1 });
  });

  it('reads again a file whose last read the system refused or failed, not a damaged one', async () => {
    const s = fx.writeSeries(path.join(root, 'S'), { count: 3, sliceThickness: 1.25, patientId: 'P' });
    fx.writeNotDicom(path.join(root, 'S'), 'broken.dcm');
    await indexFolder(root);
    // As a run would have left it after an I/O error (EIO, EMFILE…) on one file:
    const db = defaultDbPath(root);
    const idx = await IndexDatabase.open(db);
    const name = path.basename(s.paths[1]);
    idx.db.run(`DELETE FROM instance WHERE file_id = (SELECT id FROM files WHERE name = ?)`, [name]);
    idx.db.run(`UPDATE files SET status = 'error', error = 'cannot read (EIO)', error_kind = 'io' WHERE name = ?`, [name]);
    idx.save();
    idx.close();
    const again = await indexFolder(root);
    assert.deepEqual([again.read, again.unchanged], [1, 3], 'only the file that failed to read is read again (not the non-DICOM one)');
    const rows = await query<{ status: string }>(db, `SELECT status FROM files WHERE name = '${name}'`);
    assert.deepEqual(rows, [{ status: 'ok' }]);
    const third = await indexFolder(root);
    assert.equal(third.read, 0);
  });

  it('forgets a whole series when its files are deleted (no empty patient/study/series left)', async () => {
    fx.writeSeries(path.join(root, 'A'), { count: 2, sliceThickness: 1, patientId: 'PA' });
    fx.writeSeries(path.join(root, 'B'), { count: 2, sliceThickness: 3, patientId: 'PB' });
    await indexFolder(root);
    fs.rmSync(path.join(root, 'B'), { recursive: true });
    await indexFolder(root);
    const db = defaultDbPath(root);
    const { stats } = await statsOf(db);
    assert.equal(stats.patients, 1);
    const counts = await query<{ p: number; st: number; se: number }>(db, 'SELECT (SELECT COUNT(*) FROM patient) p, (SELECT COUNT(*) FROM study) st, (SELECT COUNT(*) FROM series) se');
    assert.deepEqual(counts[0], { p: 1, st: 1, se: 1 });
  });

  it('updates given paths only (watcher batches)', async () => {
    const s = fx.writeSeries(path.join(root, 'S'), { count: 3, sliceThickness: 2, patientId: 'P' });
    await indexFolder(root);
    fs.rmSync(s.paths[0]);
    const added = fx.writeCt(path.join(root, 'S'), 'explicitLittle', { fileName: 'new.dcm' });
    const r = await indexFolder(root, { only: ['S/1-001.dcm', path.relative(root, added.path)] });
    assert.deepEqual([r.read, r.removed], [1, 1]);
    assert.equal((await statsOf(defaultDbPath(root))).stats.instances, 3);
  });

  it('cancelling leaves a consistent, usable index that the next run completes', async () => {
    fx.writeSeries(path.join(root, 'S'), { count: 60, sliceThickness: 2, patientId: 'P' });
    const controller = new AbortController();
    const r = await indexFolder(root, {
      signal: controller.signal,
      concurrency: 1,
      onProgress: (p) => {
        if (p.phase === 'read' && p.done >= 1) controller.abort();
      },
    });
    assert.equal(r.cancelled, true);
    assert.ok(r.read >= 1 && r.read < 60, `read ${r.read}`);
    const partial = (await statsOf(defaultDbPath(root))).stats;
    assert.equal(partial.instances, r.read);
    assert.equal(partial.incomplete, true);
    const ok = await query<{ integrity_check: string }>(defaultDbPath(root), 'PRAGMA integrity_check');
    assert.equal(ok[0].integrity_check, 'ok');
    const rest = await indexFolder(root);
    assert.equal(rest.read, 60 - r.read);
    const done = (await statsOf(defaultDbPath(root))).stats;
    assert.equal(done.instances, 60);
    assert.equal(done.incomplete, false);
  });

  it('refuses a file that is not ours and leaves it as it was; keeps a damaged index of ours aside and rebuilds it', async () => {
    fx.writeSeries(path.join(root, 'S'), { count: 2, sliceThickness: 2, patientId: 'P' });
    const db = defaultDbPath(root);
    fs.mkdirSync(path.dirname(db), { recursive: true });
    fs.writeFileSync(db, 'this is not a database');
    await assert.rejects(indexFolder(root), (e: Error) => e.name === 'DatabaseRefusedError' && /not an SQLite database/.test(e.message));
    assert.equal(fs.readFileSync(db, 'utf8'), 'this is not a database');
    assert.deepEqual(fs.readdirSync(path.dirname(db)), ['index.sqlite'], 'no lock, no .corrupt file, no .gitignore written');
    fs.rmSync(db);
    assert.equal((await indexFolder(root)).read, 2);
    // a truncated index of ours
    const bytes = fs.readFileSync(db);
    fs.writeFileSync(db, bytes.subarray(0, Math.floor(bytes.length / 2)));
    const r2 = await indexFolder(root);
    assert.equal(r2.read, 2);
    assert.match(r2.warnings.join(' '), /damaged.*rebuilt/);
    const aside = fs.readdirSync(path.dirname(db)).filter((f) => f.includes('.corrupt-'));
    assert.equal(aside.length, 1);
    assert.equal(fs.statSync(path.join(path.dirname(db), aside[0])).size, Math.floor(bytes.length / 2));
  });

  it('refuses a second run on the same database while the first holds the lock; recovers a stale lock', async () => {
    const db = defaultDbPath(root);
    fs.mkdirSync(path.dirname(db), { recursive: true });
    const lock = acquireLock(db);
    await assert.rejects(indexFolder(root), IndexBusyError);
    lock.release();
    // a lock left by a process that no longer exists
    fs.writeFileSync(`${db}.lock`, JSON.stringify({ pid: 2 ** 22 + 12345, host: os.hostname(), started: new Date().toISOString() }));
    const r = await indexFolder(root);
    assert.equal(r.cancelled, false);
    assert.equal(fs.existsSync(`${db}.lock`), false);
  });

  it('with storePatientIdentity false stores no name or birth date and a salted hash of PatientID', async () => {
    fx.writeSeries(path.join(root, 'A'), { count: 2, sliceThickness: 1, patientId: 'SECRET-ID-1', patientName: 'Secret^Person' });
    fx.writeSeries(path.join(root, 'B'), { count: 1, sliceThickness: 1, patientId: 'SECRET-ID-2', patientName: 'Other^Person' });
    await indexFolder(root, { storePatientIdentity: false });
    const db = defaultDbPath(root);
    const bytes = fs.readFileSync(db).toString('latin1');
    assert.ok(!bytes.includes('SECRET-ID') && !bytes.includes('Secret^Person') && !bytes.includes('Other^Person'), 'no identity in the file');
    const rows = await query<{ PatientID: string; PatientName: string | null; n: number }>(db, 'SELECT PatientID, PatientName, COUNT(*) n FROM instances GROUP BY PatientID ORDER BY n');
    assert.equal(rows.length, 2);
    assert.match(rows[0].PatientID, /^anon-[0-9a-f]{16}$/);
    assert.deepEqual(rows.map((r) => [r.PatientName, r.n]), [[null, 1], [null, 2]]);
    assert.equal((await statsOf(db)).stats.patients, 2);
  });

  it('skips .git, node_modules and its own folder, honours include/exclude globs, never follows links', async () => {
    fx.writeSeries(path.join(root, 'keep'), { count: 2, sliceThickness: 1 });
    fx.writeSeries(path.join(root, 'node_modules', 'x'), { count: 1, sliceThickness: 1 });
    fx.writeSeries(path.join(root, '.git', 'x'), { count: 1, sliceThickness: 1 });
    fx.writeSeries(path.join(root, 'skip'), { count: 1, sliceThickness: 1 });
    fs.symlinkSync('.', path.join(root, 'self'));
    fs.symlinkSync('..', path.join(root, 'keep', 'up'));
    fs.symlinkSync(path.join(root, 'loop-b'), path.join(root, 'loop-a'));
    fs.symlinkSync(path.join(root, 'loop-a'), path.join(root, 'loop-b'));
    fs.symlinkSync(path.join(root, 'missing.dcm'), path.join(root, 'dangling.dcm'));
    const r = await indexFolder(root, { exclude: ['skip/**'] });
    assert.equal(r.candidates, 2);
    const r2 = await indexFolder(root, { include: ['skip/**'], rebuild: true });
    assert.equal(r2.candidates, 1);
  });
});
