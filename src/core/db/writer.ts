/** Writes file records into the index in transactions, normalising patient/study/series. */
import type { SqlValue, Statement } from 'sql.js';
import type { FileStatus } from '../dicom/header/types';
import { isReadFailure } from '../dicom/header/problems';
import type { FileRecord, KnownFile } from '../records';
import { IndexDatabase } from './database';
import { INSTANCE_COLUMNS, PATIENT_COLUMNS, SERIES_COLUMNS, STUDY_COLUMNS } from './schema';

const key = (v: SqlValue | undefined) => (v == null ? '' : String(v));

export class IndexWriter {
  private stmts: Record<string, Statement> | null = null;
  private dirIds = new Map<string, number>();
  private patientIds = new Map<string, number>();
  private studyIds = new Map<string, number>();
  private seriesIds = new Map<string, number>();
  private inTx = false;
  /** Something was deleted or moved since the last clean-up: patients/studies/series may be empty. */
  private mayOrphan = false;

  constructor(private readonly idx: IndexDatabase) {
    for (const r of idx.all<{ id: number; path: string }>('SELECT id, path FROM dirs')) this.dirIds.set(r.path, r.id);
    for (const r of idx.all<{ id: number; PatientID: string }>('SELECT id, PatientID FROM patient')) this.patientIds.set(key(r.PatientID), r.id);
    for (const r of idx.all<{ id: number; patient_id: number; StudyInstanceUID: string }>('SELECT id, patient_id, StudyInstanceUID FROM study'))
      this.studyIds.set(`${r.patient_id}|${key(r.StudyInstanceUID)}`, r.id);
    for (const r of idx.all<{ id: number; study_id: number; SeriesInstanceUID: string }>('SELECT id, study_id, SeriesInstanceUID FROM series'))
      this.seriesIds.set(`${r.study_id}|${key(r.SeriesInstanceUID)}`, r.id);
  }

  /** Every file the index knows, by relative path. */
  knownFiles(): Map<string, KnownFile> {
    const out = new Map<string, KnownFile>();
    this.idx.each(
      "SELECT f.id, CASE WHEN d.path = '' THEN f.name ELSE d.path || '/' || f.name END, f.size, f.mtime_ms, f.status, CASE WHEN f.status = 'error' THEN f.error END FROM files f JOIN dirs d ON d.id = f.dir_id",
      [],
      (r) =>
        out.set(r[1] as string, {
          id: r[0] as number,
          size: r[2] as number,
          mtimeMs: r[3] as number,
          status: r[4] as FileStatus,
          retry: isReadFailure(r[5] as string | null),
        }),
    );
    return out;
  }

  begin(): void {
    if (this.inTx) return;
    this.prepare();
    // secure_delete (per connection: sql.js's export() reopens it) zeroes deleted and overwritten rows, so the saved file keeps no stale patient data (e.g. after storePatientIdentity is turned off).
    this.idx.db.exec('PRAGMA secure_delete = ON; BEGIN');
    this.inTx = true;
  }

  /** Commits, removing patients/studies/series left without instances. */
  commit(): void {
    if (!this.inTx) return;
    if (this.mayOrphan) {
      this.idx.db.run('DELETE FROM series WHERE NOT EXISTS (SELECT 1 FROM instance i WHERE i.series_id = series.id)');
      this.idx.db.run('DELETE FROM study WHERE NOT EXISTS (SELECT 1 FROM series s WHERE s.study_id = study.id)');
      this.idx.db.run('DELETE FROM patient WHERE NOT EXISTS (SELECT 1 FROM study s WHERE s.patient_id = patient.id)');
      this.idx.db.run('DELETE FROM dirs WHERE NOT EXISTS (SELECT 1 FROM files f WHERE f.dir_id = dirs.id)');
    }
    this.idx.db.run('COMMIT');
    this.inTx = false;
    this.idx.markDirty();
    if (this.mayOrphan) this.reloadCachesIfShrunk();
    this.mayOrphan = false;
  }

  rollback(): void {
    if (!this.inTx) return;
    this.idx.db.run('ROLLBACK');
    this.inTx = false;
  }

  /** Statements are invalid after a save (sql.js export() reopens the database). */
  invalidateStatements(): void {
    if (this.stmts) for (const s of Object.values(this.stmts)) s.free();
    this.stmts = null;
  }

  write(rec: FileRecord): void {
    const s = this.prepare();
    const slash = rec.relPath.lastIndexOf('/');
    const dir = slash < 0 ? '' : rec.relPath.slice(0, slash);
    const name = rec.relPath.slice(slash + 1);
    const dirId = this.dirId(dir);
    const mtime = Math.round(rec.mtimeMs);
    let fileId: number | undefined;
    if (rec.isNew) {
      // A fresh file: we choose its id (no RETURNING round trip), and nothing old is there to delete.
      const id = this.nextFileId();
      s.insertFile.run([id, dirId, name, rec.size, mtime, rec.status, rec.error]);
      if (this.idx.db.getRowsModified() === 1) fileId = id;
      else this.fileIdCeiling = null; // it was there after all (ignored): upsert it below
    }
    if (fileId === undefined) {
      fileId = this.returningId(s.upsertFile, [dirId, name, rec.size, mtime, rec.status, rec.error]);
      s.deleteInstance.run([fileId]);
      if (this.idx.db.getRowsModified() > 0) this.mayOrphan = true;
    }
    if (!rec.values) return;
    const v = rec.values;
    const patientId = this.cachedId(this.patientIds, key(v.PatientID), s.insertPatient, () => [key(v.PatientID), ...PATIENT_COLUMNS.slice(1).map((c) => v[c] ?? null)]);
    const studyId = this.cachedId(this.studyIds, `${patientId}|${key(v.StudyInstanceUID)}`, s.insertStudy, () => [patientId, key(v.StudyInstanceUID), ...STUDY_COLUMNS.slice(1).map((c) => v[c] ?? null)]);
    const seriesId = this.cachedId(this.seriesIds, `${studyId}|${key(v.SeriesInstanceUID)}`, s.insertSeries, () => [studyId, key(v.SeriesInstanceUID), ...SERIES_COLUMNS.slice(1).map((c) => v[c] ?? null)]);
    const p = this.instanceParams;
    p[0] = fileId;
    p[1] = seriesId;
    let i = 2;
    for (const c of INSTANCE_COLUMNS) p[i++] = v[c] ?? null;
    p[i++] = rec.sliceThicknessInvalid ?? null;
    p[i++] = rec.pixel?.dataType ?? null;
    p[i++] = rec.pixel?.mean ?? null;
    p[i++] = rec.pixel?.summary ?? null;
    s.insertInstance.run(p);
  }

  /** The instance row's parameters, reused from row to row. */
  private readonly instanceParams: SqlValue[] = new Array(INSTANCE_COLUMNS.length + 6).fill(null);
  /** The highest file id in use, once looked up (null: look it up again). */
  private fileIdCeiling: number | null = null;

  private nextFileId(): number {
    if (this.fileIdCeiling === null) this.fileIdCeiling = (this.idx.scalar('SELECT coalesce(max(id), 0) FROM files') as number) ?? 0;
    return ++this.fileIdCeiling;
  }

  /** Forgets files (deleted from disk, or now excluded). */
  remove(fileIds: number[]): void {
    const s = this.prepare();
    if (fileIds.length) this.mayOrphan = true;
    for (const id of fileIds) {
      s.deleteInstance.run([id]);
      s.deleteFile.run([id]);
    }
  }

  /** The id cached under `k`, or the id of a row inserted now (its parameters made only then). */
  private cachedId(cache: Map<string, number>, k: string, insert: Statement, params: () => SqlValue[]): number {
    let id = cache.get(k);
    if (id === undefined) {
      id = this.returningId(insert, params());
      cache.set(k, id);
    }
    return id;
  }

  /** Runs an INSERT … RETURNING id. */
  private returningId(stmt: Statement, params: SqlValue[]): number {
    stmt.bind(params);
    stmt.step();
    const id = stmt.get()[0] as number;
    stmt.reset();
    return id;
  }

  private dirId(dir: string): number {
    return this.cachedId(this.dirIds, dir, this.prepare().insertDir, () => [dir]);
  }

  private reloadCachesIfShrunk(): void {
    // Orphan clean-up may have deleted rows our caches still point at: drop stale entries.
    const count = (t: string) => this.idx.scalar(`SELECT COUNT(*) FROM ${t}`) as number;
    const prune = (cache: Map<string, number>, table: string) => {
      if (count(table) === cache.size) return;
      const live = new Set<number>();
      this.idx.each(`SELECT id FROM ${table}`, [], (r) => live.add(r[0] as number));
      for (const [k, id] of cache) if (!live.has(id)) cache.delete(k);
    };
    prune(this.dirIds, 'dirs');
    prune(this.patientIds, 'patient');
    prune(this.studyIds, 'study');
    prune(this.seriesIds, 'series');
  }

  private prepare(): Record<string, Statement> {
    if (this.stmts) return this.stmts;
    const db = this.idx.db;
    const ph = (n: number) => Array(n).fill('?').join(', ');
    this.stmts = {
      insertDir: db.prepare('INSERT INTO dirs(path) VALUES (?) RETURNING id'),
      upsertFile: db.prepare(
        `INSERT INTO files(dir_id, name, size, mtime_ms, status, error) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT(dir_id, name) DO UPDATE SET size = excluded.size, mtime_ms = excluded.mtime_ms, status = excluded.status, error = excluded.error
         RETURNING id`,
      ),
      insertFile: db.prepare('INSERT OR IGNORE INTO files(id, dir_id, name, size, mtime_ms, status, error) VALUES (?, ?, ?, ?, ?, ?, ?)'),
      deleteInstance: db.prepare('DELETE FROM instance WHERE file_id = ?'),
      deleteFile: db.prepare('DELETE FROM files WHERE id = ?'),
      insertPatient: db.prepare(`INSERT INTO patient(${PATIENT_COLUMNS.join(', ')}) VALUES (${ph(PATIENT_COLUMNS.length)}) RETURNING id`),
      insertStudy: db.prepare(`INSERT INTO study(patient_id, ${STUDY_COLUMNS.join(', ')}) VALUES (${ph(STUDY_COLUMNS.length + 1)}) RETURNING id`),
      insertSeries: db.prepare(`INSERT INTO series(study_id, ${SERIES_COLUMNS.join(', ')}) VALUES (${ph(SERIES_COLUMNS.length + 1)}) RETURNING id`),
      insertInstance: db.prepare(
        `INSERT INTO instance(file_id, series_id, ${INSTANCE_COLUMNS.join(', ')}, SliceThicknessInvalid, PixelDataType, PixelMean, PixelSummary)
         VALUES (${ph(INSTANCE_COLUMNS.length + 6)})`,
      ),
    };
    return this.stmts;
  }
}
