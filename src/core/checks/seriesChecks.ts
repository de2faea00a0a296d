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
  sop: string | null;
  instanceNumber: number | null;
  imageType: string | null;
  position: string | null;
  orientation: string | null;
  pixelSpacing: string | null;
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
interface Image {
  file: CheckFile;
  position: Vec3 | null;
  orientation: number[] | null;
  pixelSpacing: number[] | null;
  thickness: number | null;
}

const ORIENTATION_TOL = 1e-3;
const PIXEL_SPACING_TOL = 1e-3;
const TILT_LIMIT_DEG = 0.5;
const MISMATCH_FRACTION = 0.1;
const MIN_VOLUME_IMAGES = 3;

/** Measured millimetres to a micrometre (no float noise such as 2.499999999999999 in reports). */
const micro = (x: number) => Math.round(x * 1e6) / 1e6;
const mm = (x: number) => `${formatNumber(x)} mm`;
const imageTypeValue = (t: string | null, i: number) => (t ?? '').split('\\')[i]?.trim().toUpperCase() ?? '';

export function checkSeries(filesIn: readonly CheckFile[]): SeriesVerdict {
  const findings: Finding[] = [];
  const add = (check: SeriesCheckName, count: number | null, detail: string) => findings.push({ check, severity: SERIES_CHECKS[check].severity, count, detail });

  // One SOP instance in several files counts once for every other check.
  const files = [...filesIn].sort((a, b) => a.fileId - b.fileId);
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

  const images = unique.flatMap(imagesOf);
  const n = images.length;

  const localizers = unique.filter((f) => imageTypeValue(f.imageType, 2) === 'LOCALIZER').length;
  if (localizers) add('localizer', null, `${formatCount2(localizers, unique.length)} ImageType LOCALIZER`);
  const derived = unique.filter((f) => imageTypeValue(f.imageType, 0) === 'DERIVED').length;
  if (derived) add('derived', null, `${formatCount2(derived, unique.length)} ImageType DERIVED`);
  const original = unique.length > 0 && unique.every((f) => imageTypeValue(f.imageType, 0) === 'ORIGINAL');

  // Sizes, pixel spacings, thicknesses.
  const sizes = new Map<string, { rows: number; columns: number }>();
  for (const { file } of images) if (file.rows != null && file.columns != null) sizes.set(`${file.rows}×${file.columns}`, { rows: file.rows, columns: file.columns });
  if (sizes.size > 1) add('mixed_size', sizes.size, `${sizes.size} sizes: ${[...sizes.keys()].join(', ')}`);
  const spacings = distinctWithin(images.map((i) => i.pixelSpacing).filter((s): s is number[] => s !== null), PIXEL_SPACING_TOL);
  if (spacings.length > 1) add('mixed_pixel_spacing', spacings.length, `${spacings.length} pixel spacings: ${spacings.map((s) => s.value.map((x) => formatNumber(x, 4)).join('\\')).join(', ')} mm`);
  const thicknesses = images.map((i) => i.thickness).filter((t): t is number => t !== null);
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
  const lacking = images.filter((i) => !i.position || !i.orientation).length;
  if (lacking) add('no_geometry', lacking, `${formatCount2(lacking, n)} no ImagePositionPatient or ImageOrientationPatient`);
  const orientations = distinctWithin(images.map((i) => i.orientation).filter((o): o is number[] => o !== null), ORIENTATION_TOL);
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

/** A file's images: its frames when it has per-frame geometry, else one image per frame with the file's values. */
function imagesOf(file: CheckFile): Image[] {
  const fileOrientation = parseDecimals(file.orientation, 6);
  const filePixelSpacing = parseDecimals(file.pixelSpacing, 2);
  if (file.frames?.length) {
    return file.frames.map((fr) => ({
      file,
      position: parseDecimals(fr.position, 3) as Vec3 | null,
      orientation: parseDecimals(fr.orientation, 6) ?? fileOrientation,
      pixelSpacing: parseDecimals(fr.pixelSpacing, 2) ?? filePixelSpacing,
      thickness: fr.thickness ?? file.thickness,
    }));
  }
  const frames = file.numberOfFrames && file.numberOfFrames > 1 ? file.numberOfFrames : 1;
  // Several frames and one position for the file: no frame has a position of its own.
  const position = frames === 1 ? (parseDecimals(file.position, 3) as Vec3 | null) : null;
  const one: Image = { file, position, orientation: fileOrientation, pixelSpacing: filePixelSpacing, thickness: file.thickness };
  return frames === 1 ? [one] : Array.from({ length: frames }, () => ({ ...one }));
}

/** File ids in slice order: along the normal where measured (a file at its first frame), else by InstanceNumber, then as indexed. */
function fileOrder(unique: readonly CheckFile[], images: readonly Image[], spacing: Spacing | null): number[] {
  if (spacing) {
    const out: number[] = [];
    const seen = new Set<number>();
    for (const i of spacing.order) {
      const id = images[i].file.fileId;
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
