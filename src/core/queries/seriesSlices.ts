/**
 * A series' slices in position order, for the series viewer and the series hover's middle slice:
 * the same order as the cohort manifest (the checks' file order: along the slice normal where the
 * geometry is measured, else by InstanceNumber, one file per SOP instance), each file's frames one
 * after the other, with where each slice lies along the normal, where slices are missing (a step
 * longer than the checks' MISSING_FACTOR × the median step) and the series' findings.
 */
import type { Finding, Severity } from '../../shared/checks';
import { MISSING_FACTOR, SAME_POSITION_MM, sliceNormal, type Vec3 } from '../checks/geometry';
import { parseDecimals } from '../dicom/values';
import { REL_PATH_SQL } from '../db/schema';
import { checkSeriesOf, type SeriesAttributes } from './checks';
import type { QueryStore } from '../store/queryStore';

export interface SeriesSlice {
  fileId: number;
  /** Relative to the index's folder, `/`-separated. */
  path: string;
  /** 0-based frame of the file (0 for a single-frame file). */
  frame: number;
  instanceNumber: number | null;
  /** Millimetres along the slice normal (null without geometry). */
  position: number | null;
}

export interface SeriesSlices {
  seriesInstanceUid: string;
  /** The series' attributes (first-seen values), as the checks and cohorts see them. */
  attrs: SeriesAttributes;
  slices: SeriesSlice[];
  /** Indexes i where slices are missing between slice i−1 and i, and how many (the step over the median). */
  gaps: { index: number; missing: number }[];
  /** Indexes i at the same position as slice i−1 (within 0.01 mm). */
  duplicates: number[];
  /** The median measured step (mm), null where the geometry was not measured. */
  step: number | null;
  findings: Finding[];
  worst: Severity | null;
  volume: boolean;
  spacingNote: string | null;
}

/** The largest series the viewer lists (a frame per slice): far beyond any CT series. */
export const MAX_SLICES = 100_000;

/** The slices of one Series UID, or undefined when the index has no such series. */
export async function seriesSlices(store: QueryStore, seriesInstanceUid: string): Promise<SeriesSlices | undefined> {
  const checked = (await checkSeriesOf(store, [seriesInstanceUid])).get(seriesInstanceUid);
  if (!checked) return undefined;
  const files = new Map<number, { path: string; instanceNumber: number | null; pos: Vec3 | null; frames: number }>();
  await store.each(
    `SELECT i.file_id, ${REL_PATH_SQL}, i.InstanceNumber, i.pos_x, i.pos_y, i.pos_z, a.NumberOfFrames
     FROM instance i JOIN files f ON f.id = i.file_id JOIN dirs d ON d.id = f.dir_id LEFT JOIN image_attrs a ON a.id = i.image_attrs_id
     WHERE i.series_id IN (SELECT id FROM series_key WHERE SeriesInstanceUID = ?)`,
    [seriesInstanceUid],
    (r) => {
      const pos = typeof r[3] === 'number' && typeof r[4] === 'number' && typeof r[5] === 'number' ? ([r[3], r[4], r[5]] as Vec3) : null;
      const frames = typeof r[6] === 'number' && r[6] > 1 ? Math.min(r[6], MAX_SLICES) : 1;
      files.set(r[0] as number, { path: String(r[1]), instanceNumber: typeof r[2] === 'number' ? r[2] : null, pos, frames });
    },
  );
  const iop = parseDecimals(checked.orientation, 6);
  const normal = iop ? sliceNormal(iop) : null;
  const slices: SeriesSlice[] = [];
  for (const id of checked.order) {
    const f = files.get(id);
    if (!f) continue;
    const position = normal && f.pos && f.frames === 1 ? round(f.pos[0] * normal[0] + f.pos[1] * normal[1] + f.pos[2] * normal[2]) : null;
    for (let k = 0; k < f.frames && slices.length < MAX_SLICES; k++) slices.push({ fileId: id, path: f.path, frame: k, instanceNumber: f.instanceNumber, position });
  }
  const step = checked.spacing?.median ?? null;
  const gaps: SeriesSlices['gaps'] = [];
  const duplicates: number[] = [];
  for (let i = 1; i < slices.length; i++) {
    const a = slices[i - 1].position;
    const b = slices[i].position;
    if (a === null || b === null) continue;
    const d = Math.abs(b - a);
    if (d < SAME_POSITION_MM) duplicates.push(i);
    else if (step !== null && step > 0 && d > MISSING_FACTOR * step) gaps.push({ index: i, missing: Math.round(d / step) - 1 });
  }
  return {
    seriesInstanceUid,
    attrs: checked.attrs,
    slices,
    gaps,
    duplicates,
    step,
    findings: checked.findings,
    worst: checked.worst,
    volume: checked.volume,
    spacingNote: checked.spacingNote,
  };
}

/** The slice in the middle of the series by position (the series hover's thumbnail). */
export function middleSlice(s: SeriesSlices): SeriesSlice | undefined {
  return s.slices[Math.floor((s.slices.length - 1) / 2)];
}

const round = (x: number) => Math.round(x * 1e4) / 1e4;
