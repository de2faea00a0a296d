/** Writes file records into the index in transactions, normalising patient/study/series. */
import type { SqlValue, Statement } from 'sql.js';
import type { FileStatus } from '../dicom/header/types';
import type { FieldValues } from '../dicom/fields';
import type { FileRecord, KnownFile } from '../records';
import { parseDecimals } from '../dicom/values';
import { IndexDatabase } from './database';
import { IMAGE_ATTRS, INSTANCE_COLUMNS, MARK_PENDING_SQL, PATIENT_ATTRS, REL_PATH_SQL, SERIES_ATTRS, STUDY_ATTRS } from './schema';

const key = (v: SqlValue | undefined) => (v == null ? '' : String(v));
/** A cache key for one set of attribute values under a parent: NULL and '' differ, numbers keep their type. */
const attrKey = (parentId: number, vals: readonly SqlValue[]) => `${parentId}|${JSON.stringify(vals)}`;

/** The writer's prepared statements, by name (a misspelt name does not compile). */
interface Statements {
  insertDir: Statement;
  upsertFile: Statement;
  insertFile: Statement;
  deleteInstance: Statement;
  deleteFile: Statement;
  insertPatient: Statement;
  insertStudy: Statement;
  insertSeries: Statement;
  insertPatientAttrs: Statement;
  insertStudyAttrs: Statement;
  insertSeriesAttrs: Statement;
  insertInstance: Statement;
  seriesAttrsInUse: Statement;
  studyAttrsInUse: Statement;
  patientAttrsInUse: Statement;
  deleteSeriesAttrs: Statement;
  deleteStudyAttrs: Statement;
  deletePatientAttrs: Statement;
  insertFrame: Statement;
  deleteFrames: Statement;
  markPending: Statement;
  insertImageAttrs: Statement;
}


export class IndexWriter {
  private stmts: Statements | null = null;
  private dirIds = new Map<string, number>();
  private patientIds = new Map<string, number>();
  private studyIds = new Map<string, number>();
  private seriesIds = new Map<string, number>();
  /** Attribute rows by `<parent id>|<values>`: one row per distinct set of a key's attributes. */
  private patientAttrIds = new Map<string, number>();
  private studyAttrIds = new Map<string, number>();
  private seriesAttrIds = new Map<string, number>();
  private inTx = false;
  /** Something was deleted or moved since the last clean-up: patients/studies/series may be empty. */
  private mayOrphan = false;
  /** Attribute rows of instances deleted in this transaction: maybe used by no file any more. */
  private readonly lostAttrs = { patient: new Set<number>(), study: new Set<number>(), series: new Set<number>() };
  /** image_attrs rows by their values. */
  private readonly imageAttrIds = new Map<string, number>();
  /** Series UID by series row id: what a deleted instance's series was. */
  private readonly seriesUids = new Map<number, string>();
  /** Series UIDs changed in this transaction: their checks are marked pending at the commit. */
  private readonly changedSeries = new Set<string>();

  constructor(private readonly idx: IndexDatabase) {
    for (const r of idx.all<{ id: number; path: string }>('SELECT id, path FROM dirs')) this.dirIds.set(r.path, r.id);
    for (const r of idx.all<{ id: number; PatientID: string }>('SELECT id, PatientID FROM patient_key')) this.patientIds.set(key(r.PatientID), r.id);
    for (const r of idx.all<{ id: number; patient_id: number; StudyInstanceUID: string }>('SELECT id, patient_id, StudyInstanceUID FROM study_key'))
      this.studyIds.set(`${r.patient_id}|${key(r.StudyInstanceUID)}`, r.id);
    for (const r of idx.all<{ id: number; study_id: number; SeriesInstanceUID: string }>('SELECT id, study_id, SeriesInstanceUID FROM series_key')) {
      this.seriesIds.set(`${r.study_id}|${key(r.SeriesInstanceUID)}`, r.id);
      this.seriesUids.set(r.id, key(r.SeriesInstanceUID));
    }
    const loadAttrs = (cache: Map<string, number>, table: string, parent: string, cols: readonly string[]) =>
      idx.each(`SELECT id, ${parent}, ${cols.join(', ')} FROM ${table}`, [], (r) => cache.set(attrKey(r[1] as number, r.slice(2)), r[0] as number));
    loadAttrs(this.patientAttrIds, 'patient_attrs', 'patient_id', PATIENT_ATTRS);
    loadAttrs(this.studyAttrIds, 'study_attrs', 'study_id', STUDY_ATTRS);
    loadAttrs(this.seriesAttrIds, 'series_attrs', 'series_id', SERIES_ATTRS);
    idx.each(`SELECT id, ${IMAGE_ATTRS.join(', ')} FROM image_attrs`, [], (r) => this.imageAttrIds.set(JSON.stringify(r.slice(1)), r[0] as number));
  }

  /** Every file the index knows, by relative path. */
  knownFiles(): Map<string, KnownFile> {
    const out = new Map<string, KnownFile>();
    this.idx.each(
      `SELECT f.id, ${REL_PATH_SQL}, f.size, f.mtime_ms, f.status, f.error_kind FROM files f JOIN dirs d ON d.id = f.dir_id`,
      [],
      (r) =>
        out.set(r[1] as string, {
          id: r[0] as number,
          size: r[2] as number,
          mtimeMs: r[3] as number,
          status: r[4] as FileStatus,
          retry: r[5] === 'io',
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
    if (this.changedSeries.size) {
      // In the transaction of the change itself: checks are never stale, at worst pending.
      const mark = this.prepare().markPending;
      for (const uid of this.changedSeries) if (uid !== '') mark.run([uid]);
      this.changedSeries.clear();
    }
    if (this.mayOrphan) {
      // Attribute rows that lost an instance and that no file points at any more, then empty keys.
      const s = this.prepare();
      const drop = (ids: Set<number>, inUse: Statement, del: Statement) => {
        for (const id of ids) {
          inUse.bind([id]);
          const used = inUse.step();
          inUse.reset();
          if (!used) del.run([id]);
        }
        ids.clear();
      };
      drop(this.lostAttrs.series, s.seriesAttrsInUse, s.deleteSeriesAttrs);
      drop(this.lostAttrs.study, s.studyAttrsInUse, s.deleteStudyAttrs);
      drop(this.lostAttrs.patient, s.patientAttrsInUse, s.deletePatientAttrs);
      this.idx.db.run('DELETE FROM series_key WHERE NOT EXISTS (SELECT 1 FROM instance i WHERE i.series_id = series_key.id)');
      this.idx.db.run('DELETE FROM study_key WHERE NOT EXISTS (SELECT 1 FROM series_key s WHERE s.study_id = study_key.id)');
      this.idx.db.run('DELETE FROM patient_key WHERE NOT EXISTS (SELECT 1 FROM study_key s WHERE s.patient_id = patient_key.id)');
      this.idx.db.run('DELETE FROM dirs WHERE NOT EXISTS (SELECT 1 FROM files f WHERE f.dir_id = dirs.id)');
    }
    this.idx.db.run('COMMIT');
    this.inTx = false;
    this.idx.committed();
    if (this.mayOrphan) this.reloadCachesIfShrunk();
    this.mayOrphan = false;
  }

  rollback(): void {
    if (!this.inTx) return;
    this.idx.db.run('ROLLBACK');
    this.inTx = false;
    for (const ids of Object.values(this.lostAttrs)) ids.clear();
    this.changedSeries.clear();
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
      s.insertFile.run([id, dirId, name, rec.size, mtime, rec.status, rec.error, rec.errorKind]);
      if (this.idx.db.getRowsModified() === 1) fileId = id;
      else this.fileIdCeiling = null; // it was there after all (ignored): upsert it below
    }
    if (fileId === undefined) {
      fileId = this.returningId(s.upsertFile, [dirId, name, rec.size, mtime, rec.status, rec.error, rec.errorKind]);
      this.deleteInstance(fileId);
    }
    if (!rec.values) return;
    const v = rec.values;
    const patientId = this.cachedId(this.patientIds, key(v.PatientID), s.insertPatient, () => [key(v.PatientID)]);
    const studyId = this.cachedId(this.studyIds, `${patientId}|${key(v.StudyInstanceUID)}`, s.insertStudy, () => [patientId, key(v.StudyInstanceUID)]);
    const seriesUid = key(v.SeriesInstanceUID);
    const seriesId = this.cachedId(this.seriesIds, `${studyId}|${seriesUid}`, s.insertSeries, () => [studyId, seriesUid]);
    this.seriesUids.set(seriesId, seriesUid);
    this.changedSeries.add(seriesUid);
    const p = this.instanceParams;
    p[0] = fileId;
    p[1] = seriesId;
    p[2] = this.attrsId(this.patientAttrIds, patientId, PATIENT_ATTRS, v, s.insertPatientAttrs);
    p[3] = this.attrsId(this.studyAttrIds, studyId, STUDY_ATTRS, v, s.insertStudyAttrs);
    p[4] = this.attrsId(this.seriesAttrIds, seriesId, SERIES_ATTRS, v, s.insertSeriesAttrs);
    let i = 5;
    for (const c of INSTANCE_COLUMNS) p[i++] = v[c] ?? null;
    p[i++] = rec.sliceThicknessInvalid ?? null;
    p[i++] = rec.pixel?.dataType ?? null;
    p[i++] = rec.pixel?.mean ?? null;
    p[i++] = rec.pixel?.summary ?? null;
    const img = this.attrValues;
    img.length = IMAGE_ATTRS.length;
    for (let k = 0; k < IMAGE_ATTRS.length; k++) img[k] = v[IMAGE_ATTRS[k]] ?? null;
    p[i++] = this.cachedId(this.imageAttrIds, JSON.stringify(img), s.insertImageAttrs, () => [...img]);
    const pos = parseDecimals(v.ImagePositionPatient as string | null, 3);
    p[i++] = pos?.[0] ?? null;
    p[i++] = pos?.[1] ?? null;
    p[i] = pos?.[2] ?? null;
    s.insertInstance.run(p);
    // Per-frame geometry only where frames differ from the file's values (several frames).
    if (rec.frames && rec.frames.length > 1 && typeof v.NumberOfFrames === 'number' && v.NumberOfFrames > 1) {
      rec.frames.forEach((f, n) => s.insertFrame.run([fileId, n + 1, f.position, f.orientation, f.pixelSpacing, f.thickness]));
    }
  }

  /** The instance row's parameters, reused from row to row. */
  private readonly instanceParams: SqlValue[] = new Array(INSTANCE_COLUMNS.length + 13).fill(null);

  /** The row of this file's attributes of a level under its key (made when the set is new). */
  private attrsId(cache: Map<string, number>, parentId: number, cols: readonly string[], v: FieldValues, insert: Statement): number {
    const vals = this.attrValues;
    vals.length = cols.length;
    // An empty value and an absent one are the same attribute value (no conflict between them).
    for (let i = 0; i < cols.length; i++) {
      const x = v[cols[i]];
      vals[i] = x === '' || x === undefined ? null : x;
    }
    return this.cachedId(cache, attrKey(parentId, vals), insert, () => [parentId, ...vals]);
  }
  private readonly attrValues: SqlValue[] = [];
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
      this.deleteInstance(id);
      s.deleteFile.run([id]);
    }
  }

  /** Deletes a file's instance row, if any, remembering the attribute rows it pointed at. */
  private deleteInstance(fileId: number): void {
    const del = this.prepare().deleteInstance;
    del.bind([fileId]);
    let frames = 0;
    if (del.step()) {
      const [p, st, se, seriesId, numberOfFrames] = del.get() as number[];
      this.lostAttrs.patient.add(p);
      this.lostAttrs.study.add(st);
      this.lostAttrs.series.add(se);
      const uid = this.seriesUids.get(seriesId);
      if (uid !== undefined) this.changedSeries.add(uid);
      frames = numberOfFrames ?? 0;
      this.mayOrphan = true;
    }
    del.reset();
    if (frames > 1) this.prepare().deleteFrames.run([fileId]);
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
    prune(this.patientIds, 'patient_key');
    prune(this.studyIds, 'study_key');
    prune(this.seriesIds, 'series_key');
    prune(this.patientAttrIds, 'patient_attrs');
    prune(this.studyAttrIds, 'study_attrs');
    prune(this.seriesAttrIds, 'series_attrs');
  }

  private prepare(): Statements {
    if (this.stmts) return this.stmts;
    const db = this.idx.db;
    const ph = (n: number) => Array(n).fill('?').join(', ');
    this.stmts = {
      insertDir: db.prepare('INSERT INTO dirs(path) VALUES (?) RETURNING id'),
      upsertFile: db.prepare(
        `INSERT INTO files(dir_id, name, size, mtime_ms, status, error, error_kind) VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT(dir_id, name) DO UPDATE SET size = excluded.size, mtime_ms = excluded.mtime_ms, status = excluded.status, error = excluded.error, error_kind = excluded.error_kind
         RETURNING id`,
      ),
      insertFile: db.prepare('INSERT OR IGNORE INTO files(id, dir_id, name, size, mtime_ms, status, error, error_kind) VALUES (?, ?, ?, ?, ?, ?, ?, ?)'),
      deleteInstance: db.prepare('DELETE FROM instance WHERE file_id = ? RETURNING patient_attrs_id, study_attrs_id, series_attrs_id, series_id, NumberOfFrames'),
      insertFrame: db.prepare('INSERT INTO frame(file_id, frame_no, ImagePositionPatient, ImageOrientationPatient, PixelSpacing, SliceThickness) VALUES (?, ?, ?, ?, ?, ?)'),
      deleteFrames: db.prepare('DELETE FROM frame WHERE file_id = ?'),
      insertImageAttrs: db.prepare(`INSERT INTO image_attrs(${IMAGE_ATTRS.join(', ')}) VALUES (${ph(IMAGE_ATTRS.length)}) RETURNING id`),
      markPending: db.prepare(MARK_PENDING_SQL),
      // Is an attribute row still used? Through the indexes: the instances of its series, study or patient only.
      seriesAttrsInUse: db.prepare('SELECT 1 FROM series_attrs a JOIN instance i ON i.series_id = a.series_id WHERE a.id = ?1 AND i.series_attrs_id = ?1 LIMIT 1'),
      studyAttrsInUse: db.prepare(
        'SELECT 1 FROM study_attrs a JOIN series_key se ON se.study_id = a.study_id JOIN instance i ON i.series_id = se.id WHERE a.id = ?1 AND i.study_attrs_id = ?1 LIMIT 1',
      ),
      patientAttrsInUse: db.prepare(
        'SELECT 1 FROM patient_attrs a JOIN study_key st ON st.patient_id = a.patient_id JOIN series_key se ON se.study_id = st.id JOIN instance i ON i.series_id = se.id WHERE a.id = ?1 AND i.patient_attrs_id = ?1 LIMIT 1',
      ),
      deleteSeriesAttrs: db.prepare('DELETE FROM series_attrs WHERE id = ?'),
      deleteStudyAttrs: db.prepare('DELETE FROM study_attrs WHERE id = ?'),
      deletePatientAttrs: db.prepare('DELETE FROM patient_attrs WHERE id = ?'),
      deleteFile: db.prepare('DELETE FROM files WHERE id = ?'),
      insertPatient: db.prepare('INSERT INTO patient_key(PatientID) VALUES (?) RETURNING id'),
      insertStudy: db.prepare('INSERT INTO study_key(patient_id, StudyInstanceUID) VALUES (?, ?) RETURNING id'),
      insertSeries: db.prepare('INSERT INTO series_key(study_id, SeriesInstanceUID) VALUES (?, ?) RETURNING id'),
      insertPatientAttrs: db.prepare(`INSERT INTO patient_attrs(patient_id, ${PATIENT_ATTRS.join(', ')}) VALUES (${ph(PATIENT_ATTRS.length + 1)}) RETURNING id`),
      insertStudyAttrs: db.prepare(`INSERT INTO study_attrs(study_id, ${STUDY_ATTRS.join(', ')}) VALUES (${ph(STUDY_ATTRS.length + 1)}) RETURNING id`),
      insertSeriesAttrs: db.prepare(`INSERT INTO series_attrs(series_id, ${SERIES_ATTRS.join(', ')}) VALUES (${ph(SERIES_ATTRS.length + 1)}) RETURNING id`),
      insertInstance: db.prepare(
        `INSERT INTO instance(file_id, series_id, patient_attrs_id, study_attrs_id, series_attrs_id, ${INSTANCE_COLUMNS.join(', ')}, SliceThicknessInvalid, PixelDataType, PixelMean, PixelSummary, image_attrs_id, pos_x, pos_y, pos_z)
         VALUES (${ph(INSTANCE_COLUMNS.length + 13)})`,
      ),
    };
    return this.stmts;
  }
}
