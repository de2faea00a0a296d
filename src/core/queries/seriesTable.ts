/**
 * The per-series table: one row per distinct non-empty SeriesInstanceUID (the definition of a series
 * that the statistics, the panel and the Excel Series sheet share), plus one row per study for files
 * that have no Series UID (`uid === ''`: not a series, shown as such). A series split across studies
 * or patients is one row (`studies` says across how many). Where its files disagree on an attribute,
 * the row shows the first-seen value and names the attribute in `conflicts`.
 */
import type { SqlValue } from 'sql.js';
import type { IndexDatabase } from '../db/database';
import { PATIENT_ATTRS, SERIES_ATTRS, STUDY_ATTRS } from '../db/schema';

export interface SeriesTableRow {
  /** '' for the files of one study that have no Series UID. */
  uid: string;
  patientId: string;
  patientName: string | null;
  studyUid: string;
  studyDate: string | null;
  modality: string | null;
  description: string | null;
  seriesNumber: number | null;
  manufacturer: string | null;
  images: number;
  /** Distinct values among its files, ascending. */
  thickness: number[];
  spacingBetweenSlices: number[];
  pixelSpacing: string[];
  /** `Rows×Columns`, ascending. */
  size: string[];
  /** How many studies (of one patient or several) carry this Series UID. */
  studies: number;
  /** Attribute keywords on which its files (or its patient's, its study's files) disagree. */
  conflicts: string[];
}

export interface SeriesTable {
  rows: SeriesTableRow[];
  /** Distinct non-empty Series UIDs (the number of series). */
  series: number;
  /** Rows for files without a Series UID. */
  withoutUid: number;
}

interface Attrs {
  first: SqlValue[];
  conflicts: string[];
}

/** Per key id: the first-seen attribute row and the attributes on which its rows differ. */
function attrsByKey(idx: IndexDatabase, table: string, parent: string, cols: readonly string[]): Map<number, Attrs> {
  const out = new Map<number, Attrs>();
  idx.each(`SELECT ${parent}, ${cols.join(', ')} FROM ${table} ORDER BY id`, [], (r) => {
    const id = r[0] as number;
    const vals = r.slice(1);
    const a = out.get(id);
    if (!a) {
      out.set(id, { first: vals, conflicts: [] });
      return;
    }
    cols.forEach((c, i) => {
      if (vals[i] !== a.first[i] && !a.conflicts.includes(c)) a.conflicts.push(c);
    });
  });
  return out;
}

/** Distinct values of an instance column (or expression) per series key, ascending. */
function distinctPerSeries(idx: IndexDatabase, expr: string): Map<number, SqlValue[]> {
  const out = new Map<number, SqlValue[]>();
  idx.each(`SELECT DISTINCT series_id, ${expr} AS v FROM instance WHERE v IS NOT NULL AND v <> '' ORDER BY series_id, v`, [], (r) => {
    const list = out.get(r[0] as number) ?? [];
    list.push(r[1]);
    out.set(r[0] as number, list);
  });
  return out;
}

const col = (cols: readonly string[], name: string) => cols.indexOf(name);
const merge = <T>(a: T[], b: T[]) => [...new Set([...a, ...b])];

export function seriesTable(idx: IndexDatabase, limit = Infinity): SeriesTable {
  const pAttrs = attrsByKey(idx, 'patient_attrs', 'patient_id', PATIENT_ATTRS);
  const sAttrs = attrsByKey(idx, 'study_attrs', 'study_id', STUDY_ATTRS);
  const rAttrs = attrsByKey(idx, 'series_attrs', 'series_id', SERIES_ATTRS);
  const images = new Map<number, number>();
  idx.each('SELECT series_id, COUNT(*) FROM instance GROUP BY series_id', [], (r) => images.set(r[0] as number, r[1] as number));
  const thickness = distinctPerSeries(idx, 'SliceThickness');
  const spacing = distinctPerSeries(idx, 'SpacingBetweenSlices');
  const pixelSpacing = distinctPerSeries(idx, 'PixelSpacing');
  const size = distinctPerSeries(idx, "CASE WHEN Rows IS NOT NULL AND Columns IS NOT NULL THEN Rows || '×' || Columns END");

  const byUid = new Map<string, SeriesTableRow>();
  const rows: SeriesTableRow[] = [];
  idx.each(
    'SELECT se.id, se.SeriesInstanceUID, st.id, st.StudyInstanceUID, p.id, p.PatientID FROM series_key se JOIN study_key st ON st.id = se.study_id JOIN patient_key p ON p.id = st.patient_id ORDER BY se.id',
    [],
    (r) => {
      const [seriesId, uid, studyId, studyUid, patientKey, patientId] = r as [number, string, number, string, number, string];
      const pa = pAttrs.get(patientKey);
      const sa = sAttrs.get(studyId);
      const ra = rAttrs.get(seriesId);
      const conflicts = [...(patientId ? (pa?.conflicts ?? []) : []), ...(sa?.conflicts ?? []), ...(ra?.conflicts ?? [])];
      const part: SeriesTableRow = {
        uid,
        patientId,
        patientName: patientId ? ((pa?.first[col(PATIENT_ATTRS, 'PatientName')] as string | null) ?? null) : null,
        studyUid,
        studyDate: (sa?.first[col(STUDY_ATTRS, 'StudyDate')] as string | null) ?? null,
        modality: (ra?.first[col(SERIES_ATTRS, 'Modality')] as string | null) ?? null,
        description: (ra?.first[col(SERIES_ATTRS, 'SeriesDescription')] as string | null) ?? null,
        seriesNumber: (ra?.first[col(SERIES_ATTRS, 'SeriesNumber')] as number | null) ?? null,
        manufacturer: (ra?.first[col(SERIES_ATTRS, 'Manufacturer')] as string | null) ?? null,
        images: images.get(seriesId) ?? 0,
        thickness: (thickness.get(seriesId) ?? []).map(Number),
        spacingBetweenSlices: (spacing.get(seriesId) ?? []).map(Number),
        pixelSpacing: (pixelSpacing.get(seriesId) ?? []).map(String),
        size: (size.get(seriesId) ?? []).map(String),
        studies: 1,
        conflicts,
      };
      const same = uid ? byUid.get(uid) : undefined;
      if (!same) {
        if (uid) byUid.set(uid, part);
        rows.push(part);
        return;
      }
      // The same Series UID under another study (or patient): one series.
      same.images += part.images;
      same.thickness = merge(same.thickness, part.thickness);
      same.spacingBetweenSlices = merge(same.spacingBetweenSlices, part.spacingBetweenSlices);
      same.pixelSpacing = merge(same.pixelSpacing, part.pixelSpacing);
      same.size = merge(same.size, part.size);
      same.studies++;
      const differs = (k: keyof SeriesTableRow, name: string) => same[k] !== part[k] && name;
      same.conflicts = merge(same.conflicts, [
        ...part.conflicts,
        ...[differs('patientId', 'PatientID'), differs('studyUid', 'StudyInstanceUID'), differs('modality', 'Modality'), differs('description', 'SeriesDescription')].filter((x): x is string => !!x),
      ]);
    },
  );
  const sizeKey = (s: string) => parseInt(s, 10);
  for (const row of rows) {
    row.thickness.sort((a, b) => a - b);
    row.spacingBetweenSlices.sort((a, b) => a - b);
    row.pixelSpacing.sort();
    row.size.sort((a, b) => sizeKey(a) - sizeKey(b) || a.localeCompare(b));
  }
  rows.sort(
    (a, b) =>
      cmp(a.patientId, b.patientId) ||
      cmp(a.studyDate ?? '', b.studyDate ?? '') ||
      cmp(a.studyUid, b.studyUid) ||
      (a.uid === '' ? 1 : 0) - (b.uid === '' ? 1 : 0) ||
      (a.seriesNumber ?? Infinity) - (b.seriesNumber ?? Infinity) ||
      cmp(a.uid, b.uid),
  );
  const withoutUid = rows.filter((r) => r.uid === '').length;
  return { rows: rows.length > limit ? rows.slice(0, limit) : rows, series: byUid.size, withoutUid };
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
