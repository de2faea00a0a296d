/**
 * The checks of one series (see src/shared/checks.ts for the contract), from the values the index
 * holds for its files: pure, so the same logic serves the indexer, `dicom-index check`, the tree,
 * the panel and the cohort export.
 */
import { countOf, formatNumber, formatRange } from '../../shared/format';
import { Finding, SERIES_CHECKS, SeriesCheckName, worstSeverity, Severity } from '../../shared/checks';
import type { FrameValues } from '../dicom/extract';
import { distinctWithin, median, parseDecimals, sliceNormal, Spacing, spacingAlong, Vec3 } from './geometry';


/** What the checks read of one file of a series. */
export interface CheckFile {
  fileId: number;
  /** Its folder, relative to the root, `/`-separated ('' for the root). */
  dir: string;
  /** Needed only where a series has copies of one SOP instance: null counts each file once. */
  sop: string | null;
  /** The file's name, known where `sop` is: of copies of one SOP instance, the first path is kept. */
  name?: string | null;
  instanceNumber: number | null;
  imageType: string | null;
  /** ImagePositionPatient, parsed. */
  position: Vec3 | null;
  /** ImageOrientationPatient (six cosines) and PixelSpacing, parsed. */
  orientation: readonly number[] | null;
  pixelSpacing: readonly number[] | null;
  rows: number | null;
  columns: number | null;
  thickness: number | null;
  numberOfFrames: number | null;
  /** Per-frame geometry, when the file has it (in frame order). */
  frames: FrameValues[] | null;
}

export interface SeriesVerdict {
  /** Files of the series, copies of one SOP instance included. */
  files: number;
  /** Images: distinct SOP instances, each multi-frame object counted by its frames. */
  images: number;
  volume: boolean;
  /** The orientation shared by every image (six cosines), or null. */
  orientation: string | null;
  rows: number | null;
  columns: number | null;
  pixelSpacing: string | null;
  /** The median SliceThickness of the images. */
  thickness: number | null;
  /** Measured steps between slices (mm); null where there is no geometry to measure. */
  spacing: { min: number; median: number | null; max: number } | null;
  /** Why `spacing` is null, for people; null when it is not. */
  spacingNote: string | null;
  /** Every image's ImageType value 1 is ORIGINAL. */
  original: boolean;
  /** The folder that holds all its files (their longest common folder), `/`-separated, '' for the root. */
  folder: string;
  findings: Finding[];
  worst: Severity | null;
  /** The file ids in slice order (by position along the normal; else by InstanceNumber, then path). */
  order: number[];
}

/** One image (a file, or a frame of a multi-frame file) as the geometry sees it. */
type Image = Pick<CheckFile, 'fileId' | 'rows' | 'columns' | 'position' | 'orientation' | 'pixelSpacing' | 'thickness'>;

const ORIENTATION_TOL = 1e-3;
const PIXEL_SPACING_TOL = 1e-3;
const TILT_LIMIT_DEG = 0.5;
const MISMATCH_FRACTION = 0.1;
const MIN_VOLUME_IMAGES = 3;

/** Measured millimetres to a micrometre (no float noise such as 2.499999999999999 in reports). */
const micro = (x: number) => Math.round(x * 1e6) / 1e6;
const mm = (x: number) => `${formatNumber(x)} mm`;
/** How many times each value occurs. */
function tally<T>(values: readonly T[]): Map<T, number> {
  const out = new Map<T, number>();
  for (const v of values) out.set(v, (out.get(v) ?? 0) + 1);
  return out;
}

const byPath = (a: CheckFile, b: CheckFile): number => cmp(a.dir, b.dir) || cmp(a.name ?? '', b.name ?? '') || a.fileId - b.fileId;
const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

export function checkSeries(filesIn: readonly CheckFile[]): SeriesVerdict {
  const findings: Finding[] = [];
  const add = (check: SeriesCheckName, count: number | null, detail: string) => findings.push({ check, severity: SERIES_CHECKS[check].severity, count, detail });

  // One SOP instance in several files counts once for every other check.
  // The file with the first path of a SOP instance is the one kept (only where SOP UIDs are known):
  // the same one whatever order the files were indexed in (several writers of one PostgreSQL index).
  const files = filesIn.some((f) => f.sop !== null) ? [...filesIn].sort(byPath) : filesIn;
  const seen = new Set<string>();
  const unique: CheckFile[] = [];
  for (const f of files) {
    if (f.sop) {
      if (seen.has(f.sop)) continue;
      seen.add(f.sop);
    }
    unique.push(f);
  }
  const copies = files.length - unique.length;
  if (copies > 0) add('duplicate_sop_instance', copies, `${countOf(copies, 'extra file')} with a SOPInstanceUID already in the series`);

  const images: Image[] = [];
  for (const f of unique) addImages(f, images);
  const n = images.length;

  // ImageType, per SOP instance: each distinct text looked at once.
  const imageTypes = tally(unique.map((f) => f.imageType ?? ''));
  let localizers = 0;
  let derived = 0;
  let original = unique.length > 0;
  for (const [t, k] of imageTypes) {
    const values = t.split('\\').map((v) => v.trim().toUpperCase());
    if (values[2] === 'LOCALIZER') localizers += k;
    if (values[0] === 'DERIVED') derived += k;
    if (values[0] !== 'ORIGINAL') original = false;
  }
  if (localizers) add('localizer', null, `${formatCount2(localizers, unique.length)} ImageType LOCALIZER`);
  if (derived) add('derived', null, `${formatCount2(derived, unique.length)} ImageType DERIVED`);

  // One pass over the images; values shared by many images (one parsed array per distinct set) are grouped first.
  const sizes = new Map<number, { rows: number; columns: number }>();
  const spacingRefs = new Map<readonly number[], number>();
  const orientationRefs = new Map<readonly number[], number>();
  const thicknesses: number[] = [];
  let lacking = 0;
  for (const im of images) {
    const { rows, columns } = im;
    if (rows != null && columns != null) {
      const key = rows * 65536 + columns;
      if (!sizes.has(key)) sizes.set(key, { rows, columns });
    }
    if (im.pixelSpacing) spacingRefs.set(im.pixelSpacing, (spacingRefs.get(im.pixelSpacing) ?? 0) + 1);
    if (im.orientation) orientationRefs.set(im.orientation, (orientationRefs.get(im.orientation) ?? 0) + 1);
    if (im.thickness !== null) thicknesses.push(im.thickness);
    if (!im.position || !im.orientation) lacking++;
  }
  // Details list values in ascending order, whatever order the files were indexed in.
  const bySize = [...sizes.values()].sort((a, b) => a.rows - b.rows || a.columns - b.columns);
  if (sizes.size > 1) add('mixed_size', sizes.size, `${sizes.size} sizes: ${bySize.map((z) => `${z.rows}×${z.columns}`).join(', ')}`);
  const spacings = distinctWithin([...spacingRefs.keys()], PIXEL_SPACING_TOL);
  const bySpacing = spacings.map((s) => s.value).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  if (spacings.length > 1) add('mixed_pixel_spacing', spacings.length, `${spacings.length} pixel spacings: ${bySpacing.map((v) => v.map((x) => formatNumber(x, 4)).join('\\')).join(', ')} mm`);
  const distinctThickness = [...new Set(thicknesses)].sort((a, b) => a - b);
  if (distinctThickness.length > 1) add('mixed_thickness', distinctThickness.length, `${distinctThickness.length} thicknesses: ${distinctThickness.map((t) => formatNumber(t)).join(', ')} mm`);
  const thickness = thicknesses.length ? median(thicknesses) : null;

  // Instance numbers (per SOP instance, not per frame).
  const numbers = unique.map((f) => f.instanceNumber).filter((x): x is number => x !== null);
  const distinctNumbers = [...new Set(numbers)].sort((a, b) => a - b);
  if (distinctNumbers.length) {
    const lo = distinctNumbers[0];
    const hi = distinctNumbers[distinctNumbers.length - 1];
    const gaps = hi - lo + 1 - distinctNumbers.length;
    if (gaps > 0) add('instance_number_gaps', gaps, `${countOf(gaps, 'number')} missing between ${lo} and ${hi}`);
    const reused = numbers.length - distinctNumbers.length;
    if (reused > 0) add('duplicate_instance_numbers', reused, `${countOf(reused, 'extra image')} with an InstanceNumber already used`);
  }

  // Geometry.
  if (lacking) add('no_geometry', lacking, `${formatCount2(lacking, n)} no ImagePositionPatient or ImageOrientationPatient`);
  const orientations = distinctWithin([...orientationRefs.keys()], ORIENTATION_TOL);
  if (orientations.length > 1) add('mixed_orientation', orientations.length, `${orientations.length} orientations among the images`);
  const normal = orientations.length === 1 ? sliceNormal(orientations[0].value) : null;

  let spacing: Spacing | null = null;
  let spacingNote: string | null = null;
  if (n < 2) spacingNote = 'fewer than 2 images: no spacing to measure';
  else if (lacking) spacingNote = `not measured: ${formatCount2(lacking, n)} no position or orientation`;
  else if (orientations.length > 1) spacingNote = 'not measured: the images have different orientations';
  else if (!normal) spacingNote = 'not measured: ImageOrientationPatient does not span a plane';
  else spacing = spacingAlong(images.map((i) => i.position as Vec3), normal);

  if (spacing) {
    const med = spacing.median;
    if (spacing.duplicates) add('duplicate_slices', spacing.duplicates, `${countOf(spacing.duplicates, 'extra image')} at a position already taken (within 0.01 mm)`);
    if (med !== null && spacing.missing) add('missing_slices', spacing.missing, `${countOf(spacing.missing, 'slice')} missing in ${countOf(spacing.gaps, 'gap')}: largest step ${mm(spacing.max)}, median ${mm(med)}`);
    if (med !== null && !spacing.duplicates && !spacing.missing && spacing.irregular)
      add('irregular_spacing', spacing.irregular, `${spacing.irregular} of ${spacing.steps.length} steps differ from the median ${mm(med)} by more than 1 % (${formatRange(spacing.min, spacing.max, 'mm')})`);
    if (spacing.tiltDeg !== null && spacing.tiltDeg > TILT_LIMIT_DEG) add('gantry_tilt', null, `${formatNumber(spacing.tiltDeg, 1)}° between the slice normal and the direction the positions advance`);
    if (med !== null && thickness !== null && thickness > 0 && Math.abs(med - thickness) > MISMATCH_FRACTION * thickness)
      add('thickness_spacing_mismatch', null, `${med < thickness ? 'overlapping' : 'gapped'}: median step ${mm(med)}, SliceThickness ${mm(thickness)}`);
  }

  const volume =
    n >= MIN_VOLUME_IMAGES &&
    !lacking &&
    orientations.length === 1 &&
    sizes.size <= 1 &&
    spacings.length <= 1 &&
    spacing !== null &&
    spacing.median !== null &&
    !spacing.duplicates &&
    !spacing.missing &&
    !spacing.irregular &&
    !localizers;

  const size = sizes.size === 1 ? [...sizes.values()][0] : null;
  findings.sort((a, b) => CHECK_ORDER.indexOf(a.check) - CHECK_ORDER.indexOf(b.check));
  return {
    files: files.length,
    images: n,
    volume,
    orientation: orientations.length === 1 ? orientations[0].value.map((x) => formatNumber(x, 6).replace(/,/g, '')).join('\\') : null,
    rows: size?.rows ?? null,
    columns: size?.columns ?? null,
    pixelSpacing: spacings.length === 1 ? spacings[0].value.map((x) => formatNumber(x, 6).replace(/,/g, '')).join('\\') : null,
    thickness,
    spacing: spacing ? { min: micro(spacing.min), median: spacing.median === null ? null : micro(spacing.median), max: micro(spacing.max) } : null,
    spacingNote,
    original,
    folder: commonFolder(files.map((f) => f.dir)),
    findings,
    worst: worstSeverity(findings),
    order: fileOrder(unique, images, spacing),
  };
}

const CHECK_ORDER: readonly string[] = Object.keys(SERIES_CHECKS);

/** "2 of 10 images have" */
function formatCount2(k: number, n: number): string {
  return `${k} of ${countOf(n, 'image')} ${k === 1 ? 'has' : 'have'}`;
}

/** Adds a file's images: its frames when it has per-frame geometry, else the file itself once per frame. */
function addImages(file: CheckFile, out: Image[]): void {
  if (file.frames?.length) {
    for (const fr of file.frames) {
      out.push({
        fileId: file.fileId,
        rows: file.rows,
        columns: file.columns,
        position: parseDecimals(fr.position, 3) as Vec3 | null,
        orientation: parseDecimals(fr.orientation, 6) ?? file.orientation,
        pixelSpacing: parseDecimals(fr.pixelSpacing, 2) ?? file.pixelSpacing,
        thickness: fr.thickness ?? file.thickness,
      });
    }
    return;
  }
  const frames = file.numberOfFrames && file.numberOfFrames > 1 ? file.numberOfFrames : 1;
  if (frames === 1) {
    out.push(file);
    return;
  }
  // Several frames and one position for the file: no frame has a position of its own.
  const one: Image = { ...file, position: null };
  for (let k = 0; k < frames; k++) out.push(one);
}

/** File ids in slice order: along the normal where measured (a file at its first frame), else by InstanceNumber, then as indexed. */
function fileOrder(unique: readonly CheckFile[], images: readonly Image[], spacing: Spacing | null): number[] {
  if (spacing) {
    const out: number[] = [];
    const seen = new Set<number>();
    for (const i of spacing.order) {
      const id = images[i].fileId;
      if (!seen.has(id)) {
        seen.add(id);
        out.push(id);
      }
    }
    return out;
  }
  return [...unique]
    .sort((a, b) => (a.instanceNumber ?? Infinity) - (b.instanceNumber ?? Infinity) || a.fileId - b.fileId)
    .map((f) => f.fileId);
}

/** The longest common folder of relative folders. */
export function commonFolder(folders: readonly string[]): string {
  if (!folders.length) return '';
  const split = (d: string) => (d === '' ? [] : d.split('/'));
  let common = split(folders[0]);
  for (const d of new Set(folders)) {
    const dirs = split(d);
    let k = 0;
    while (k < common.length && k < dirs.length && common[k] === dirs[k]) k++;
    common = common.slice(0, k);
    if (!common.length) break;
  }
  return common.join('/');
}
