/**
 * The per-series table: one row per distinct non-empty SeriesInstanceUID (the definition of a series
 * that the statistics, the panel and the Excel Series sheet share), plus one row per study for files
 * that have no Series UID (`uid === ''`: not a series, shown as such). A series split across studies
 * or patients is one row (`studies` says across how many). Where its files disagree on an attribute,
 * the row shows the first-seen value and names the attribute in `conflicts`.
 */
import type { QueryStore, SqlParam } from '../store/queryStore';
import { asStore, StoreLike } from '../store/source';
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

/** Attribute rows of one level, by id (small tables: one row per distinct set). */
async function attrRows(store: QueryStore, table: string, cols: readonly string[]): Promise<Map<number, SqlParam[]>> {
  const out = new Map<number, SqlParam[]>();
  await store.each(`SELECT id, ${cols.join(', ')} FROM ${table}`, [], (r) => out.set(r[0] as number, r.slice(1)));
  return out;
}

/** What one pass over a series' instances gathers. */
interface Gathered {
  images: number;
  thickness: Set<number>;
  spacing: Set<number>;
  pixelSpacing: Set<string>;
  size: Set<string>;
  patientAttrs: Set<number>;
  studyAttrs: Set<number>;
  seriesAttrs: Set<number>;
}

const gathered = (): Gathered => ({
  images: 0,
  thickness: new Set(),
  spacing: new Set(),
  pixelSpacing: new Set(),
  size: new Set(),
  patientAttrs: new Set(),
  studyAttrs: new Set(),
  seriesAttrs: new Set(),
});

function mergeInto(a: Gathered, b: Gathered): void {
  a.images += b.images;
  for (const k of ['thickness', 'spacing', 'pixelSpacing', 'size', 'patientAttrs', 'studyAttrs', 'seriesAttrs'] as const) for (const v of b[k] as Set<never>) (a[k] as Set<unknown>).add(v);
}

/** The first-seen (lowest id) attribute set of a level among `ids`, and the columns on which the sets differ. */
function pick(rows: Map<number, SqlParam[]>, ids: Set<number>, cols: readonly string[]): { first: SqlParam[]; conflicts: string[] } {
  const sorted = [...ids].sort((x, y) => x - y);
  const first = rows.get(sorted[0]) ?? [];
  const conflicts = cols.filter((_, i) => sorted.some((id) => (rows.get(id)?.[i] ?? null) !== (first[i] ?? null)));
  return { first, conflicts };
}

const col = (cols: readonly string[], name: string) => cols.indexOf(name);

export async function seriesTable(source: StoreLike, limit = Infinity): Promise<SeriesTable> {
  const store = asStore(source);
  const pRows = await attrRows(store, 'patient_attrs', PATIENT_ATTRS);
  const sRows = await attrRows(store, 'study_attrs', STUDY_ATTRS);
  const rRows = await attrRows(store, 'series_attrs', SERIES_ATTRS);
  // One pass over the instances (no sort): everything per series key.
  const bySeries = new Map<number, Gathered>();
  await store.each('SELECT series_id, patient_attrs_id, study_attrs_id, series_attrs_id, SliceThickness, SpacingBetweenSlices, PixelSpacing, Rows, Columns FROM instance', [], (r) => {
    let g = bySeries.get(r[0] as number);
    if (!g) bySeries.set(r[0] as number, (g = gathered()));
    g.images++;
    g.patientAttrs.add(r[1] as number);
    g.studyAttrs.add(r[2] as number);
    g.seriesAttrs.add(r[3] as number);
    if (r[4] != null) g.thickness.add(r[4] as number);
    if (r[5] != null) g.spacing.add(r[5] as number);
    if (r[6] != null && r[6] !== '') g.pixelSpacing.add(r[6] as string);
    if (r[7] != null && r[8] != null) g.size.add(`${r[7]}×${r[8]}`);
  });

  // Group the series keys by UID (files without one: one group per study).
  interface Group {
    uid: string;
    patientIds: Set<string>;
    studyUids: string[];
    g: Gathered;
  }
  const groups = new Map<string, Group>();
  await store.each(
    'SELECT se.id, se.SeriesInstanceUID, st.id, st.StudyInstanceUID, p.PatientID FROM series_key se JOIN study_key st ON st.id = se.study_id JOIN patient_key p ON p.id = st.patient_id ORDER BY se.id',
    [],
    (r) => {
      const [seriesId, uid, studyId, studyUid, patientId] = r as [number, string, number, string, string];
      const key = uid ? `u:${uid}` : `s:${studyId}`;
      let group = groups.get(key);
      if (!group) groups.set(key, (group = { uid, patientIds: new Set(), studyUids: [], g: gathered() }));
      group.patientIds.add(patientId);
      if (!group.studyUids.includes(studyUid)) group.studyUids.push(studyUid);
      mergeInto(group.g, bySeries.get(seriesId) ?? gathered());
    },
  );

  const rows: SeriesTableRow[] = [];
  for (const { uid, patientIds, studyUids, g } of groups.values()) {
    // Attributes and conflicts from this series' own files only.
    const pa = pick(pRows, g.patientAttrs, PATIENT_ATTRS);
    const sa = pick(sRows, g.studyAttrs, STUDY_ATTRS);
    const ra = pick(rRows, g.seriesAttrs, SERIES_ATTRS);
    const patientId = [...patientIds][0] ?? '';
    rows.push({
      uid,
      patientId,
      patientName: (pa.first[col(PATIENT_ATTRS, 'PatientName')] as string | null) ?? null,
      studyUid: studyUids[0] ?? '',
      studyDate: (sa.first[col(STUDY_ATTRS, 'StudyDate')] as string | null) ?? null,
      modality: (ra.first[col(SERIES_ATTRS, 'Modality')] as string | null) ?? null,
      description: (ra.first[col(SERIES_ATTRS, 'SeriesDescription')] as string | null) ?? null,
      seriesNumber: (ra.first[col(SERIES_ATTRS, 'SeriesNumber')] as number | null) ?? null,
      manufacturer: (ra.first[col(SERIES_ATTRS, 'Manufacturer')] as string | null) ?? null,
      images: g.images,
      thickness: [...g.thickness].sort((a, b) => a - b),
      spacingBetweenSlices: [...g.spacing].sort((a, b) => a - b),
      pixelSpacing: [...g.pixelSpacing].sort(),
      size: [...g.size].sort((a, b) => parseInt(a, 10) - parseInt(b, 10) || a.localeCompare(b)),
      studies: studyUids.length,
      conflicts: [...(patientIds.size > 1 ? ['PatientID'] : []), ...(studyUids.length > 1 ? ['StudyInstanceUID'] : []), ...pa.conflicts, ...sa.conflicts, ...ra.conflicts],
    });
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
  return { rows: rows.length > limit ? rows.slice(0, limit) : rows, series: rows.length - withoutUid, withoutUid };
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
