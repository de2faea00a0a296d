/**
 * Summary statistics of an index: what `dicom-index stats` prints and the summary panel shows.
 * Counts are files; patients/studies/series are distinct non-empty keys; instances are the DICOM
 * files indexed (status ok or partial).
 */
import { IndexDatabase } from './db/database';
import type { Stats } from '../shared/stats';
import { PATIENT_ATTRS, SERIES_ATTRS, STUDY_ATTRS } from './db/schema';

export type { Stats } from '../shared/stats';

const num = (v: unknown) => (v == null ? 0 : Number(v));
/** Histogram key: the shortest decimal form that reads back as the same number. */
export const thicknessKey = (x: number) => String(x);

export function computeStats(idx: IndexDatabase): Stats {
  const one = <T>(sql: string) => idx.all<T>(sql)[0];
  const files = one<Record<string, number>>(`
    SELECT COUNT(*) AS total,
      SUM(status = 'ok') AS ok, SUM(status = 'partial') AS partial,
      SUM(status = 'error') AS error, SUM(status = 'not_dicom') AS notDicom,
      SUM(size) AS bytes
    FROM files`);
  // Instances per series and thickness: one scan of a covering index, about as many rows as series.
  const perSeries = idx.all<{ s: number; t: number | null; n: number }>('SELECT series_id AS s, SliceThickness AS t, COUNT(*) AS n FROM instance GROUP BY series_id, SliceThickness');
  // The series with their study and patient keys: small tables.
  const series = new Map<number, { uid: string; modality: string; study: string; patient: string }>();
  idx.each(
    'SELECT se.id, se.SeriesInstanceUID, st.StudyInstanceUID, p.PatientID FROM series_key se JOIN study_key st ON st.id = se.study_id JOIN patient_key p ON p.id = st.patient_id',
    [],
    (r) => series.set(r[0] as number, { uid: String(r[1] ?? ''), modality: '', study: String(r[2] ?? ''), patient: String(r[3] ?? '') }),
  );
  // Modality is each file's own: one per series, except where a series' files disagree.
  const modalitiesOf = new Map<number, Set<string>>();
  idx.each("SELECT series_id, COALESCE(Modality, '') FROM series_attrs", [], (r) => {
    const m = modalitiesOf.get(r[0] as number) ?? new Set<string>();
    m.add(r[1] as string);
    modalitiesOf.set(r[0] as number, m);
  });
  /** Series whose files disagree on Modality: counted file by file below. */
  const mixed = new Set<number>();
  for (const [id, m] of modalitiesOf) {
    const se = series.get(id);
    if (se && m.size === 1) se.modality = [...m][0];
    else if (se) {
      mixed.add(id);
    }
  }
  // One sort of the SOP Instance UIDs gives both the distinct count and the duplicated ones.
  const sop = one<Record<string, number>>(`
    SELECT COUNT(*) AS distinctSop, SUM(n > 1) AS duplicated, SUM(n - 1) AS extraFiles,
      (SELECT COUNT(*) FROM instance WHERE SOPInstanceUID IS NULL OR SOPInstanceUID = '') AS missingSop,
      (SELECT COUNT(*) FROM instance WHERE SliceThicknessInvalid IS NOT NULL) AS invalid
    FROM (SELECT COUNT(*) AS n FROM instance WHERE SOPInstanceUID > '' GROUP BY SOPInstanceUID)`);

  const patients = new Set<string>();
  const studies = new Set<string>();
  const seriesUids = new Set<string>();
  const perStudy = new Map<string, number>();
  const histogram: Record<string, number> = {};
  const seriesHistogram: Record<string, number> = {};
  const seriesSeen = new Set<string>();
  const modalities: Record<string, number> = {};
  const missingKeys = { PatientID: 0, StudyInstanceUID: 0, SeriesInstanceUID: 0, SOPInstanceUID: num(sop.missingSop) };
  let min: number | null = null;
  let max: number | null = null;
  let missingThickness = 0;
  for (const row of perSeries) {
    const se = series.get(row.s);
    if (!se) continue;
    if (se.patient) patients.add(se.patient);
    else missingKeys.PatientID += row.n;
    if (se.study) {
      studies.add(se.study);
      perStudy.set(se.study, (perStudy.get(se.study) ?? 0) + row.n);
    } else missingKeys.StudyInstanceUID += row.n;
    if (se.uid) seriesUids.add(se.uid);
    else missingKeys.SeriesInstanceUID += row.n;
    if (!mixed.has(row.s)) modalities[se.modality] = (modalities[se.modality] ?? 0) + row.n;
    if (row.t === null) {
      missingThickness += row.n;
    } else {
      const k = thicknessKey(row.t);
      histogram[k] = (histogram[k] ?? 0) + row.n;
      // A series counts once per thickness, also when its UID is found under several studies.
      const once = `${se.uid || `#${row.s}`}|${k}`;
      if (!seriesSeen.has(once)) {
        seriesSeen.add(once);
        seriesHistogram[k] = (seriesHistogram[k] ?? 0) + 1;
      }
      min = min === null ? row.t : Math.min(min, row.t);
      max = max === null ? row.t : Math.max(max, row.t);
    }
  }
  if (mixed.size) {
    idx.each(
      `SELECT COALESCE(ra.Modality, ''), COUNT(*) FROM instance i JOIN series_attrs ra ON ra.id = i.series_attrs_id WHERE i.series_id IN (${[...mixed].join(', ')}) GROUP BY 1`,
      [],
      (r) => (modalities[r[0] as string] = (modalities[r[0] as string] ?? 0) + (r[1] as number)),
    );
  }
  const conflicts = {
    patients: conflictingKeys(idx, 'patient', 'PatientID', PATIENT_ATTRS),
    studies: conflictingKeys(idx, 'study', 'StudyInstanceUID', STUDY_ATTRS),
    series: conflictingKeys(idx, 'series', 'SeriesInstanceUID', SERIES_ATTRS),
  };
  const counts = [...perStudy.values()];
  return {
    patients: patients.size,
    studies: studies.size,
    series: seriesUids.size,
    instances: num(files.ok) + num(files.partial),
    distinctSopInstances: num(sop.distinctSop),
    duplicateSopInstances: num(sop.duplicated),
    duplicateSopFiles: num(sop.extraFiles),
    conflicts: { patients: num(conflicts.patients), studies: num(conflicts.studies), series: num(conflicts.series) },
    files: { total: num(files.total), ok: num(files.ok), partial: num(files.partial), error: num(files.error), notDicom: num(files.notDicom) },
    instancesPerStudy: counts.length
      ? { mean: counts.reduce((a, b) => a + b, 0) / counts.length, min: Math.min(...counts), max: Math.max(...counts) }
      : { mean: null, min: null, max: null },
    sliceThickness: { min, max, missing: missingThickness, invalid: num(sop.invalid), histogram: sortKeys(histogram), seriesHistogram: sortKeys(seriesHistogram) },
    modalities: sortByCount(modalities),
    totalBytes: num(files.bytes),
    missingKeys,
    lastIndexed: idx.getMeta('last_indexed') ?? null,
    incomplete: idx.getMeta('incomplete') === 'true',
  };
}

/**
 * Non-empty keys (a PatientID, a Study or Series UID, wherever in the hierarchy it is found) whose
 * files carry more than one set of that level's attributes.
 */
function conflictingKeys(idx: IndexDatabase, level: 'patient' | 'study' | 'series', key: string, cols: readonly string[]): number {
  const sets = new Map<string, string>();
  const conflicting = new Set<string>();
  idx.each(`SELECT k.${key}, ${cols.map((c) => `a.${c}`).join(', ')} FROM ${level}_attrs a JOIN ${level}_key k ON k.id = a.${level}_id WHERE k.${key} <> ''`, [], (r) => {
    const uid = r[0] as string;
    const values = JSON.stringify(r.slice(1));
    const first = sets.get(uid);
    if (first === undefined) sets.set(uid, values);
    else if (first !== values) conflicting.add(uid);
  });
  return conflicting.size;
}

const sortKeys = (h: Record<string, number>) => Object.fromEntries(Object.entries(h).sort((a, b) => Number(a[0]) - Number(b[0])));
const sortByCount = (h: Record<string, number>) => Object.fromEntries(Object.entries(h).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)));
