/** The index database schema. Bump SCHEMA_VERSION on any change: older files are rebuilt. */
import { FIELDS, FieldDef } from '../dicom/fields';

export const SCHEMA_VERSION = 8;

const sqlType = (d: FieldDef) => (d.type === 'int' ? 'INTEGER' : d.type === 'real' ? 'REAL' : 'TEXT');
const cols = (level: FieldDef['level']) => FIELDS.filter((d) => d.level === level);
const colDefs = (level: FieldDef['level']) => cols(level).map((d) => `  ${d.keyword} ${sqlType(d)}`).join(',\n');

export const PATIENT_COLUMNS = cols('patient').map((d) => d.keyword);
export const STUDY_COLUMNS = cols('study').map((d) => d.keyword);
export const SERIES_COLUMNS = cols('series').map((d) => d.keyword);
export const INSTANCE_COLUMNS = cols('instance').map((d) => d.keyword);
/** Each level's key. */
const KEYS = { patient: 'PatientID', study: 'StudyInstanceUID', series: 'SeriesInstanceUID' } as const;
const attrs = (level: keyof typeof KEYS) => cols(level).filter((d) => d.keyword !== KEYS[level]);
/** The attributes of a level other than its key: kept per file (one row per distinct set). */
export const PATIENT_ATTRS = attrs('patient').map((d) => d.keyword);
export const STUDY_ATTRS = attrs('study').map((d) => d.keyword);
export const SERIES_ATTRS = attrs('series').map((d) => d.keyword);
const attrDefs = (level: keyof typeof KEYS) => attrs(level).map((d) => `  ${d.keyword} ${sqlType(d)}`).join(',\n');
/**
 * Marks a series' checks pending (its files changed). A mark that is there already gets a new
 * generation, so that checks computed from an older view of the series never clear it.
 */
export const MARK_PENDING_SQL = 'INSERT INTO checks_pending(SeriesInstanceUID) VALUES (?) ON CONFLICT (SeriesInstanceUID) DO UPDATE SET generation = checks_pending.generation + 1';
/** The image attributes the checks read, in image_attrs' column order (one row per distinct set). */
export const IMAGE_ATTRS = ['ImageOrientationPatient', 'PixelSpacing', 'Rows', 'Columns', 'SliceThickness', 'NumberOfFrames', 'ImageType', 'ConvolutionKernel'] as const;
/** The instance row's columns after its keyword columns, in order (both writers fill them). */
export const INSTANCE_EXTRA_COLUMNS = ['SliceThicknessInvalid', 'PixelDataType', 'PixelMean', 'PixelSummary', 'image_attrs_id', 'pos_x', 'pos_y', 'pos_z'] as const;
/** Where the flat views take each keyword column from, in FIELDS order. */
const VIEW_SOURCE: Record<FieldDef['level'], string> = { patient: 'pa', study: 'sa', series: 'ra', instance: 'i' };
const viewColumn = (d: FieldDef) =>
  d.keyword === KEYS.patient ? 'pk.PatientID' : d.keyword === KEYS.study ? 'sk.StudyInstanceUID' : d.keyword === KEYS.series ? 'rk.SeriesInstanceUID' : `${VIEW_SOURCE[d.level]}.${d.keyword}`;

/** A file's path relative to the root, from `files f JOIN dirs d`: the one SQL expression for it. */
export const REL_PATH_SQL = `CASE WHEN d.path = '' THEN f.name ELSE d.path || '/' || f.name END`;

/** One row per key with the first-seen file's attributes and how many different sets its files carry. */
const levelView = (name: string, key: string, parent: string | null, attrs: string[]) => `CREATE VIEW ${name} AS
SELECT k.id, ${parent ? `k.${parent}, ` : ''}k.${key}, ${attrs.map((c) => `a.${c}`).join(', ')},
  (SELECT COUNT(*) FROM ${name}_attrs v WHERE v.${name}_id = k.id) AS variants
FROM ${name}_key k LEFT JOIN ${name}_attrs a ON a.id = (SELECT MIN(v.id) FROM ${name}_attrs v WHERE v.${name}_id = k.id);`;

/**
 * - `dirs` + `files`: every candidate file (path split into folder and name, which keeps a
 *   244,000-file index small), its size and mtime for incremental runs, its status, and for a
 *   failure its reason (`error`, for people) and kind (`error_kind`: io, format, limit; for the
 *   program: an io failure is retried by the next run).
 * - `patient_key` → `study_key` → `series_key`: the hierarchy by PatientID, StudyInstanceUID and
 *   SeriesInstanceUID (a missing key is stored as '' and not counted). Each file's own attributes
 *   of a level (PatientName, StudyDate, SeriesDescription, ...) are a row of `<level>_attrs`, one row
 *   per distinct set, which `instance` points at: files under one UID that disagree keep their own
 *   values, and a key with several attribute rows is counted as a conflict.
 * - `patient`, `study`, `series` (views): one row per key with the first-seen attributes and
 *   `variants`, the number of distinct attribute sets among its files.
 * - `file_rows` (every candidate file) and `instances` (DICOM files only): flat views with DICOM
 *   keyword columns, each file with its own values, for queries and exports.
 * - `image_attrs` + `instance.pos_x/pos_y/pos_z`: what the checks read of each image, as numbers
 *   and one row per distinct set of the usually constant values (orientation, spacing, size, ...).
 * - `frame`: each frame's own geometry for enhanced multi-frame objects (per-frame functional groups).
 * - The dataset checks (src/core/checks): `series_geometry` (one row per Series UID: its measured
 *   geometry, whether it is a volume, and the attributes cohorts filter on), `series_findings` (one
 *   row per series and check that fired), and `checks_pending` (Series UIDs whose files changed since
 *   their checks were computed, written in the same transaction as the change: a run that stops
 *   early leaves them pending, never stale).
 */
export const SCHEMA_SQL = `
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
-- One row per shard of a sharded run (--shard K/N; an unsharded run is shard 0 of 1): when its last
-- run started and finished, how it ended and what it did (src/core/store/shardRuns.ts).
CREATE TABLE shard_runs (
  shard_count INTEGER NOT NULL,
  shard_index INTEGER NOT NULL,
  host TEXT NOT NULL,
  started_at TEXT NOT NULL,
  finished_at TEXT,
  status TEXT NOT NULL CHECK (status IN ('running', 'done', 'cancelled')),
  files INTEGER,
  read INTEGER,
  removed INTEGER,
  errors INTEGER,
  PRIMARY KEY (shard_count, shard_index)
);
CREATE TABLE dirs (id INTEGER PRIMARY KEY, path TEXT NOT NULL UNIQUE);
CREATE TABLE files (
  id INTEGER PRIMARY KEY,
  dir_id INTEGER NOT NULL REFERENCES dirs(id),
  name TEXT NOT NULL,
  size INTEGER NOT NULL,
  mtime_ms INTEGER NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('ok', 'partial', 'error', 'not_dicom')),
  error TEXT,
  error_kind TEXT CHECK (error_kind IN ('io', 'format', 'limit')),
  UNIQUE (dir_id, name)
);
CREATE TABLE patient_key (id INTEGER PRIMARY KEY, PatientID TEXT NOT NULL, UNIQUE (PatientID));
CREATE TABLE patient_attrs (
  id INTEGER PRIMARY KEY,
  patient_id INTEGER NOT NULL REFERENCES patient_key(id),
${attrDefs('patient')}
);
CREATE TABLE study_key (
  id INTEGER PRIMARY KEY,
  patient_id INTEGER NOT NULL REFERENCES patient_key(id),
  StudyInstanceUID TEXT NOT NULL,
  UNIQUE (patient_id, StudyInstanceUID)
);
CREATE TABLE study_attrs (
  id INTEGER PRIMARY KEY,
  study_id INTEGER NOT NULL REFERENCES study_key(id),
${attrDefs('study')}
);
CREATE TABLE series_key (
  id INTEGER PRIMARY KEY,
  study_id INTEGER NOT NULL REFERENCES study_key(id),
  SeriesInstanceUID TEXT NOT NULL,
  UNIQUE (study_id, SeriesInstanceUID)
);
CREATE TABLE series_attrs (
  id INTEGER PRIMARY KEY,
  series_id INTEGER NOT NULL REFERENCES series_key(id),
${attrDefs('series')}
);
-- What the dataset checks read of every image, kept as numbers and ids so that checking 244,000
-- images reads no text: ImagePositionPatient parsed (pos_x/y/z, NULL when absent or not 3 numbers)
-- and the values that are usually the same across a series as one row per distinct set.
CREATE TABLE image_attrs (
  id INTEGER PRIMARY KEY,
  ImageOrientationPatient TEXT,
  PixelSpacing TEXT,
  Rows INTEGER,
  Columns INTEGER,
  SliceThickness REAL,
  NumberOfFrames INTEGER,
  ImageType TEXT,
  ConvolutionKernel TEXT
);
CREATE TABLE instance (
  file_id INTEGER PRIMARY KEY REFERENCES files(id),
  series_id INTEGER NOT NULL REFERENCES series_key(id),
  patient_attrs_id INTEGER NOT NULL REFERENCES patient_attrs(id),
  study_attrs_id INTEGER NOT NULL REFERENCES study_attrs(id),
  series_attrs_id INTEGER NOT NULL REFERENCES series_attrs(id),
${colDefs('instance')},
  SliceThicknessInvalid TEXT,
  PixelDataType TEXT,
  PixelMean REAL,
  PixelSummary TEXT,
  image_attrs_id INTEGER REFERENCES image_attrs(id),
  pos_x REAL,
  pos_y REAL,
  pos_z REAL
);
-- Covering for the statistics (per series, per thickness) and the tree's instances of a series.
CREATE INDEX instance_series ON instance(series_id, SliceThickness);
-- No index on SOPInstanceUID: at LIDC scale building it grew sql.js's memory by ~130 MB, and the
-- statistics' one GROUP BY over it takes ~0.2-0.4 s without it.
CREATE INDEX instance_thickness_invalid ON instance(series_id) WHERE SliceThicknessInvalid IS NOT NULL;
CREATE INDEX series_study ON series_key(study_id);
CREATE INDEX study_patient ON study_key(patient_id);
CREATE INDEX patient_attrs_key ON patient_attrs(patient_id);
CREATE INDEX study_attrs_key ON study_attrs(study_id);
CREATE INDEX series_attrs_key ON series_attrs(series_id);
CREATE INDEX files_status ON files(status) WHERE status <> 'ok';
CREATE TABLE frame (
  file_id INTEGER NOT NULL REFERENCES files(id),
  frame_no INTEGER NOT NULL,
  ImagePositionPatient TEXT,
  ImageOrientationPatient TEXT,
  PixelSpacing TEXT,
  SliceThickness REAL,
  PRIMARY KEY (file_id, frame_no)
);
CREATE TABLE checks_pending (SeriesInstanceUID TEXT PRIMARY KEY, generation INTEGER NOT NULL DEFAULT 0);
CREATE TABLE series_geometry (
  SeriesInstanceUID TEXT PRIMARY KEY,
  PatientID TEXT,
  StudyInstanceUID TEXT,
  Modality TEXT,
  SeriesNumber INTEGER,
  SeriesDescription TEXT,
  BodyPartExamined TEXT,
  Manufacturer TEXT,
  ManufacturerModelName TEXT,
  ConvolutionKernel TEXT,
  files INTEGER NOT NULL,
  images INTEGER NOT NULL,
  volume INTEGER NOT NULL,
  original INTEGER NOT NULL,
  ImageOrientationPatient TEXT,
  Rows INTEGER,
  Columns INTEGER,
  PixelSpacing TEXT,
  SliceThickness REAL,
  step_min REAL,
  step_median REAL,
  step_max REAL,
  spacing_note TEXT,
  folder TEXT NOT NULL,
  worst_severity TEXT,
  findings INTEGER NOT NULL
);
CREATE TABLE series_findings (
  SeriesInstanceUID TEXT NOT NULL,
  check_name TEXT NOT NULL,
  severity TEXT NOT NULL,
  count INTEGER,
  detail TEXT NOT NULL,
  PRIMARY KEY (SeriesInstanceUID, check_name)
);
CREATE INDEX series_findings_check ON series_findings(check_name);
${levelView('patient', 'PatientID', null, PATIENT_ATTRS)}
${levelView('study', 'StudyInstanceUID', 'patient_id', STUDY_ATTRS)}
${levelView('series', 'SeriesInstanceUID', 'study_id', SERIES_ATTRS)}
CREATE VIEW file_rows AS
SELECT
  f.id AS file_id,
  ${REL_PATH_SQL} AS path,
  f.status, f.error, f.error_kind, f.size, f.mtime_ms,
${FIELDS.map((d) => `  ${viewColumn(d)}`).join(',\n')},
  i.PixelDataType, i.PixelMean, i.PixelSummary, i.SliceThicknessInvalid,
  i.series_id, rk.study_id, sk.patient_id
FROM files f
JOIN dirs d ON d.id = f.dir_id
LEFT JOIN instance i ON i.file_id = f.id
LEFT JOIN series_key rk ON rk.id = i.series_id
LEFT JOIN study_key sk ON sk.id = rk.study_id
LEFT JOIN patient_key pk ON pk.id = sk.patient_id
LEFT JOIN patient_attrs pa ON pa.id = i.patient_attrs_id
LEFT JOIN study_attrs sa ON sa.id = i.study_attrs_id
LEFT JOIN series_attrs ra ON ra.id = i.series_attrs_id;
CREATE VIEW instances AS SELECT * FROM file_rows WHERE status IN ('ok', 'partial');
`;
