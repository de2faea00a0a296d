/** The index database schema. Bump SCHEMA_VERSION on any change: older files are rebuilt. */
import { FIELDS, FieldDef } from '../dicom/fields';

export const SCHEMA_VERSION = 3;

const sqlType = (d: FieldDef) => (d.type === 'int' ? 'INTEGER' : d.type === 'real' ? 'REAL' : 'TEXT');
const cols = (level: FieldDef['level']) => FIELDS.filter((d) => d.level === level);
const colDefs = (level: FieldDef['level']) => cols(level).map((d) => `  ${d.keyword} ${sqlType(d)}`).join(',\n');

export const PATIENT_COLUMNS = cols('patient').map((d) => d.keyword);
export const STUDY_COLUMNS = cols('study').map((d) => d.keyword);
export const SERIES_COLUMNS = cols('series').map((d) => d.keyword);
export const INSTANCE_COLUMNS = cols('instance').map((d) => d.keyword);

/**
 * - `dirs` + `files`: every candidate file (path split into folder and name, which keeps a
 *   244,000-file index small), its size and mtime for incremental runs, and its status.
 * - `patient` → `study` → `series` → `instance`: DICOM facts at the level they belong to. A missing
 *   key (PatientID, StudyInstanceUID, SeriesInstanceUID) is stored as '' and not counted.
 * - `file_rows` (every candidate file) and `instances` (DICOM files only): flat views with DICOM
 *   keyword columns, for queries and exports.
 */
export const SCHEMA_SQL = `
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE dirs (id INTEGER PRIMARY KEY, path TEXT NOT NULL UNIQUE);
CREATE TABLE files (
  id INTEGER PRIMARY KEY,
  dir_id INTEGER NOT NULL REFERENCES dirs(id),
  name TEXT NOT NULL,
  size INTEGER NOT NULL,
  mtime_ms INTEGER NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('ok', 'partial', 'error', 'not_dicom')),
  error TEXT,
  UNIQUE (dir_id, name)
);
CREATE TABLE patient (
  id INTEGER PRIMARY KEY,
${colDefs('patient')},
  UNIQUE (PatientID)
);
CREATE TABLE study (
  id INTEGER PRIMARY KEY,
  patient_id INTEGER NOT NULL REFERENCES patient(id),
${colDefs('study')},
  UNIQUE (patient_id, StudyInstanceUID)
);
CREATE TABLE series (
  id INTEGER PRIMARY KEY,
  study_id INTEGER NOT NULL REFERENCES study(id),
${colDefs('series')},
  UNIQUE (study_id, SeriesInstanceUID)
);
CREATE TABLE instance (
  file_id INTEGER PRIMARY KEY REFERENCES files(id),
  series_id INTEGER NOT NULL REFERENCES series(id),
${colDefs('instance')},
  SliceThicknessInvalid TEXT,
  PixelDataType TEXT,
  PixelMean REAL,
  PixelSummary TEXT
);
-- Covering for the statistics (per series, per thickness) and the tree's instances of a series.
CREATE INDEX instance_series ON instance(series_id, SliceThickness);
-- No index on SOPInstanceUID: at LIDC scale building it grew sql.js's memory by ~130 MB, and the
-- statistics' one GROUP BY over it takes ~0.2-0.4 s without it.
CREATE INDEX instance_thickness_invalid ON instance(series_id) WHERE SliceThicknessInvalid IS NOT NULL;
CREATE INDEX series_study ON series(study_id);
CREATE INDEX study_patient ON study(patient_id);
CREATE INDEX files_status ON files(status) WHERE status <> 'ok';
CREATE VIEW file_rows AS
SELECT
  f.id AS file_id,
  CASE WHEN d.path = '' THEN f.name ELSE d.path || '/' || f.name END AS path,
  f.status, f.error, f.size, f.mtime_ms,
${[...PATIENT_COLUMNS.map((c) => `  p.${c}`), ...STUDY_COLUMNS.map((c) => `  st.${c}`), ...SERIES_COLUMNS.map((c) => `  se.${c}`), ...INSTANCE_COLUMNS.map((c) => `  i.${c}`)].join(',\n')},
  i.PixelDataType, i.PixelMean, i.PixelSummary, i.SliceThicknessInvalid,
  i.series_id, se.study_id, st.patient_id
FROM files f
JOIN dirs d ON d.id = f.dir_id
LEFT JOIN instance i ON i.file_id = f.id
LEFT JOIN series se ON se.id = i.series_id
LEFT JOIN study st ON st.id = se.study_id
LEFT JOIN patient p ON p.id = st.patient_id;
CREATE VIEW instances AS SELECT * FROM file_rows WHERE status IN ('ok', 'partial');
`;
