// Generator of a synthetic CT dataset in the folder shape of TCIA's LIDC-IDRI download:
//
//   outDir/LIDC-IDRI/LIDC-IDRI-0001/01-01-2000-NA-30178/3000566.000000-NA-03192/1-001.dcm
//
// Every file is CT Image Storage, Explicit VR Little Endian, with a full CT header
// (tools/sample/ctHeader.ts) and int16 pixels (tools/sample/pixels.ts). Deterministic for
// a seed. All data is synthetic: patient names are "LIDC-IDRI-NNNN" like the real
// (de-identified) collection, no real person is described.
//
// Speed: the first file of each series is written completely by dcmjs
// (DicomDict.write). The other instances of the series are derived from that buffer by
// overwriting the values that change per instance (SOP Instance UID in meta and dataset,
// InstanceNumber, SliceLocation, ImagePositionPatient, pixel data). These values are
// written at fixed widths (UIDs have a fixed number of digits; numbers are padded with
// trailing spaces, which DICOM allows for IS/DS), so no element length ever changes.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { CT_IMAGE_STORAGE, FieldValues, TS, defaultCtValues, formatDS, writePart10 } from './ctHeader';
import { fillChestPhantom, makeNoiseTable, mulberry32 } from './pixels';

export interface LidcSampleOptions {
  /** Number of patients. Default 10, or round(totalFiles * 1010 / 244000) when totalFiles is given. */
  patients?: number;
  /** Default 1 (LIDC: almost always one CT study per patient). */
  studiesPerPatient?: number;
  /** Default 1. */
  seriesPerStudy?: number;
  /** Slices per series: a fixed number or a [min, max] range. Default [120, 160]. Ignored
   *  when totalFiles is given. */
  slicesPerSeries?: number | [number, number];
  /** Rows = Columns. Default 512. */
  size?: 512 | 64 | number;
  /** Default 1. */
  seed?: number;
  /** Total number of files, distributed over all series (LIDC scale: 244000). */
  totalFiles?: number;
  /** Called with the number of files written so far (after each series). */
  onProgress?: (n: number) => void;
}

export interface LidcSampleResult {
  files: number;
  patients: number;
  studies: number;
  series: number;
  bytes: number;
}

export interface ManifestSeries {
  patientId: string;
  studyInstanceUid: string;
  seriesInstanceUid: string;
  seriesNumber: number;
  /** Relative to outDir, '/'-separated. */
  dir: string;
  files: number;
  sliceThickness: number;
  spacingBetweenSlices: number;
  manufacturer: string;
  model: string;
  convolutionKernel: string;
  bitsStored: number;
}

export interface SampleManifest {
  generator: 'dicom-workspace-index/tools/sample/lidcSample';
  formatVersion: 1;
  seed: number;
  size: number;
  patients: number;
  studies: number;
  series: number;
  files: number;
  bytes: number;
  /** Number of FILES per SliceThickness (keys are the numbers as JS strings, e.g. "1.25"). */
  sliceThicknessHistogram: Record<string, number>;
  /** Number of SERIES per SliceThickness. */
  seriesSliceThicknessHistogram: Record<string, number>;
  /** Number of files per Manufacturer. */
  manufacturerHistogram: Record<string, number>;
  seriesList: ManifestSeries[];
}

export const MANIFEST_NAME = '.sample-manifest.json';
export const LIDC_PATIENTS = 1010;
export const LIDC_FILES = 244000;

/** LIDC-like slice thicknesses (mm) and rough relative frequencies. */
export const SLICE_THICKNESSES: ReadonlyArray<readonly [number, number]> = [
  [0.625, 3],
  [1, 6],
  [1.25, 26],
  [1.5, 5],
  [2, 18],
  [2.5, 34],
  [3, 4],
  [5, 4],
];

interface Vendor {
  manufacturer: string;
  models: string[];
  kernels: string[];
  bitsStored: number;
  software: string;
}
const VENDORS: Vendor[] = [
  { manufacturer: 'GE MEDICAL SYSTEMS', models: ['LightSpeed16', 'LightSpeed Ultra', 'LightSpeed QX/i', 'LightSpeed Pro 16', 'LightSpeed VCT'], kernels: ['STANDARD', 'LUNG', 'BONE'], bitsStored: 12, software: 'LightSpeedverrel' },
  { manufacturer: 'SIEMENS', models: ['Sensation 16', 'Sensation 64', 'Emotion 6', 'Definition'], kernels: ['B30f', 'B45f', 'B70f'], bitsStored: 16, software: 'syngo CT 2005A' },
  { manufacturer: 'Philips', models: ['Brilliance 16P', 'Brilliance 40', 'Brilliance 64'], kernels: ['B', 'C', 'D'], bitsStored: 16, software: '2.3.0' },
  { manufacturer: 'TOSHIBA', models: ['Aquilion'], kernels: ['FC01', 'FC10', 'FC51'], bitsStored: 12, software: 'V3.20ER005' },
];
const VENDOR_WEIGHTS = [45, 25, 18, 12];
const PIXEL_SPACINGS_512 = [0.5859375, 0.625, 0.64453125, 0.68359375, 0.703125, 0.72265625, 0.76171875, 0.78125];
const WINDOWS: Array<[number, number]> = [[-600, 1600], [40, 400], [-500, 1500], [-700, 1000]];
const STUDY_DESCRIPTIONS = ['CT CHEST WO CONTRAST', 'CHEST', 'CT THORAX', 'LUNG SCREENING', 'CHEST HIGH RES'];

interface SeriesPlan {
  patientIndex: number;
  patientId: string;
  studyIndex: number;
  studyUid: string;
  seriesIndex: number;
  seriesUid: string;
  seriesNumber: number;
  relDir: string;
  files: number;
  values: FieldValues; // header values of instance 1 (before fixed-width padding)
  thickness: number;
  spacing: number;
  vendor: Vendor;
  model: string;
  kernel: string;
  z0: number;
  pixelX: string;
  pixelY: string;
}

function pick<T>(rnd: () => number, items: readonly T[]): T {
  return items[Math.floor(rnd() * items.length) % items.length];
}
function pickWeighted<T>(rnd: () => number, items: readonly T[], weights: readonly number[]): T {
  const total = weights.reduce((a, b) => a + b, 0);
  let r = rnd() * total;
  for (let i = 0; i < items.length; i++) {
    r -= weights[i];
    if (r < 0) return items[i];
  }
  return items[items.length - 1];
}
const pad = (n: number, w: number) => String(n).padStart(w, '0');

/** Fixed-width deterministic UID under 2.25: 2.25.1 + seed(6) kind(1) patient(5) study(2)
 *  series(2) instance(6) check(5). Always 33 characters. */
function makeUid(seed: number, kind: number, p: number, st: number, se: number, inst: number): string {
  if (p >= 1e5 || st >= 100 || se >= 100 || inst >= 1e6) throw new Error('sample too large for the UID scheme');
  const body = `1${pad(seed % 1e6, 6)}${kind}${pad(p, 5)}${pad(st, 2)}${pad(se, 2)}${pad(inst, 6)}`;
  let h = 2166136261 >>> 0; // FNV-1a over the body: gives the "random looking" tail used by folder names
  for (let i = 0; i < body.length; i++) h = Math.imul(h ^ body.charCodeAt(i), 16777619) >>> 0;
  return `2.25.${body}${pad(h % 1e5, 5)}`;
}

/** Splits `total` into `n` positive parts with mild random variation. */
function apportion(total: number, n: number, rnd: () => number): number[] {
  if (total < n) throw new Error(`totalFiles (${total}) is smaller than the number of series (${n})`);
  const w = Array.from({ length: n }, () => 0.6 + 0.8 * rnd());
  const sw = w.reduce((a, b) => a + b, 0);
  const spare = total - n; // every series gets 1, the rest by weight
  const counts = w.map((x) => 1 + Math.floor((spare * x) / sw));
  let rest = total - counts.reduce((a, b) => a + b, 0);
  for (let i = 0; rest > 0; i = (i + 1) % n, rest--) counts[i]++;
  return counts;
}

function planSample(opts: LidcSampleOptions): { plans: SeriesPlan[]; patients: number; studies: number; seed: number; size: number } {
  const seed = Math.trunc(opts.seed ?? 1);
  const size = Math.trunc(opts.size ?? 512);
  if (size < 8 || size > 4096) throw new Error(`size out of range: ${size}`);
  const studiesPerPatient = Math.max(1, Math.trunc(opts.studiesPerPatient ?? 1));
  const seriesPerStudy = Math.max(1, Math.trunc(opts.seriesPerStudy ?? 1));
  const perPatient = studiesPerPatient * seriesPerStudy;
  let patients = opts.patients !== undefined ? Math.trunc(opts.patients)
    : opts.totalFiles !== undefined ? Math.round((opts.totalFiles * LIDC_PATIENTS) / LIDC_FILES) : 10;
  patients = Math.max(1, patients);
  if (opts.totalFiles !== undefined) {
    if (opts.totalFiles < perPatient) throw new Error(`totalFiles must be at least ${perPatient}`);
    patients = Math.min(patients, Math.floor(opts.totalFiles / perPatient));
  }
  const rnd = mulberry32(seed * 7919 + 17);
  const nSeries = patients * perPatient;
  let counts: number[];
  if (opts.totalFiles !== undefined) {
    counts = apportion(Math.trunc(opts.totalFiles), nSeries, rnd);
  } else {
    const sps = opts.slicesPerSeries ?? [120, 160];
    counts = Array.from({ length: nSeries }, () => {
      if (typeof sps === 'number') return Math.max(1, Math.trunc(sps));
      const [lo, hi] = [Math.min(sps[0], sps[1]), Math.max(sps[0], sps[1])];
      return Math.max(1, lo + Math.floor(rnd() * (hi - lo + 1)));
    });
  }
  const idWidth = Math.max(4, String(patients).length);
  const plans: SeriesPlan[] = [];
  let k = 0;
  for (let p = 1; p <= patients; p++) {
    const patientId = `LIDC-IDRI-${pad(p, idWidth)}`;
    const sex = rnd() < 0.52 ? 'M' : 'F';
    const age = `${pad(45 + Math.floor(rnd() * 40), 3)}Y`;
    for (let st = 1; st <= studiesPerPatient; st++) {
      const studyUid = makeUid(seed, 1, p, st, 0, 0);
      const year = 1999 + Math.floor(rnd() * 6);
      const month = 1 + Math.floor(rnd() * 12);
      const day = 1 + Math.floor(rnd() * 28);
      const studyDate = `${year}${pad(month, 2)}${pad(day, 2)}`;
      const studyTime = `${pad(8 + Math.floor(rnd() * 10), 2)}${pad(Math.floor(rnd() * 60), 2)}${pad(Math.floor(rnd() * 60), 2)}`;
      const studyDir = `${pad(month, 2)}-${pad(day, 2)}-${year}-NA-${studyUid.slice(-5)}`;
      const vendor = pickWeighted(rnd, VENDORS, VENDOR_WEIGHTS);
      const model = pick(rnd, vendor.models);
      const studyDescription = pick(rnd, STUDY_DESCRIPTIONS);
      const accession = pad(Math.floor(rnd() * 1e8), 8);
      const frameOfReference = makeUid(seed, 4, p, st, 0, 0);
      const usedNumbers = new Set<number>();
      for (let se = 1; se <= seriesPerStudy; se++, k++) {
        const seriesUid = makeUid(seed, 2, p, st, se, 0);
        let seriesNumber = 3000000 + Math.floor(rnd() * 5000);
        while (usedNumbers.has(seriesNumber)) seriesNumber++;
        usedNumbers.add(seriesNumber);
        const thickness = pickWeighted(rnd, SLICE_THICKNESSES.map((x) => x[0]), SLICE_THICKNESSES.map((x) => x[1]));
        const spacing = thickness >= 1.25 && rnd() < 0.25 ? thickness / 2 : thickness;
        const kernel = pick(rnd, vendor.kernels);
        const [wc, ww] = pick(rnd, WINDOWS);
        const ps512 = pick(rnd, PIXEL_SPACINGS_512);
        const ps = Number(((ps512 * 512) / size).toFixed(6));
        const origin = formatDS(-Number(((ps * size) / 2).toFixed(3)));
        const z0 = -Number((5 + rnd() * 60).toFixed(2));
        const kvp = rnd() < 0.85 ? 120 : 140;
        const current = 40 + Math.floor(rnd() * 400);
        const seriesTime = `${studyTime.slice(0, 2)}${pad((Number(studyTime.slice(2, 4)) + se) % 60, 2)}${studyTime.slice(4, 6)}`;
        const seriesDescription = `${thickness}MM ${kernel}`.slice(0, 64);
        const values = defaultCtValues({
          SOPInstanceUID: makeUid(seed, 3, p, st, se, 1),
          StudyDate: studyDate,
          SeriesDate: studyDate,
          AcquisitionDate: studyDate,
          ContentDate: studyDate,
          StudyTime: studyTime,
          SeriesTime: seriesTime,
          AcquisitionTime: seriesTime,
          ContentTime: seriesTime,
          AccessionNumber: accession,
          Manufacturer: vendor.manufacturer,
          InstitutionName: 'SYNTHETIC LIDC-LIKE SAMPLE',
          StationName: `CT${pad(1 + (p % 7), 2)}`,
          StudyDescription: studyDescription,
          SeriesDescription: seriesDescription,
          ManufacturerModelName: model,
          PatientName: patientId,
          PatientID: patientId,
          PatientSex: sex,
          PatientAge: age,
          DeidentificationMethod: 'SYNTHETIC DATA (NO REAL PATIENT)',
          SliceThickness: thickness,
          KVP: kvp,
          SpacingBetweenSlices: spacing,
          ReconstructionDiameter: Number((ps * size).toFixed(2)),
          XRayTubeCurrent: current,
          Exposure: Math.round(current / 2),
          ConvolutionKernel: kernel,
          SoftwareVersions: vendor.software,
          StudyInstanceUID: studyUid,
          SeriesInstanceUID: seriesUid,
          StudyID: String(st),
          SeriesNumber: seriesNumber,
          FrameOfReferenceUID: frameOfReference,
          Rows: size,
          Columns: size,
          PixelSpacing: [ps, ps],
          BitsStored: vendor.bitsStored,
          HighBit: vendor.bitsStored - 1,
          WindowCenter: wc,
          WindowWidth: ww,
        });
        const relDir = ['LIDC-IDRI', patientId, studyDir, `${seriesNumber}.000000-NA-${seriesUid.slice(-5)}`].join('/');
        plans.push({
          patientIndex: p, patientId, studyIndex: st, studyUid, seriesIndex: se, seriesUid, seriesNumber,
          relDir, files: counts[k], values, thickness, spacing, vendor, model, kernel, z0, pixelX: origin, pixelY: origin,
        });
      }
    }
  }
  return { plans, patients, studies: patients * studiesPerPatient, seed, size };
}

/** The counts a generateLidcSample call with these options would produce (no files written). */
export function planLidcSampleCounts(opts: LidcSampleOptions = {}): LidcSampleResult & { filesPerSeries: number[] } {
  const { plans, patients, studies } = planSample(opts);
  const filesPerSeries = plans.map((p) => p.files);
  return { files: filesPerSeries.reduce((a, b) => a + b, 0), patients, studies, series: plans.length, bytes: 0, filesPerSeries };
}

interface ValueSlot {
  offset: number;
  length: number;
}

const LONG_LENGTH_VRS = new Set(['OB', 'OD', 'OF', 'OL', 'OV', 'OW', 'SQ', 'SV', 'UC', 'UN', 'UR', 'UT', 'UV']);

/** Finds value offsets/lengths of top-level elements in an explicit VR little endian Part-10
 *  buffer (meta + dataset). Our sample headers contain no sequences. */
export function findValueSlots(buf: Buffer, tags: readonly string[]): Map<string, ValueSlot> {
  const want = new Set(tags);
  const out = new Map<string, ValueSlot>();
  let off = 132;
  while (off + 8 <= buf.length) {
    const group = buf.readUInt16LE(off);
    const element = buf.readUInt16LE(off + 2);
    const tag = (group.toString(16).padStart(4, '0') + element.toString(16).padStart(4, '0')).toUpperCase();
    const vr = buf.toString('latin1', off + 4, off + 6);
    let length: number;
    let valueOffset: number;
    if (LONG_LENGTH_VRS.has(vr)) {
      length = buf.readUInt32LE(off + 8);
      valueOffset = off + 12;
    } else {
      length = buf.readUInt16LE(off + 6);
      valueOffset = off + 8;
    }
    if (length === 0xffffffff) throw new Error(`findValueSlots: undefined length at ${tag}`);
    if (want.has(tag)) out.set(tag, { offset: valueOffset, length });
    off = valueOffset + length;
  }
  for (const t of tags) if (!out.has(t)) throw new Error(`findValueSlots: ${t} not found`);
  return out;
}

function putAscii(buf: Buffer, slot: ValueSlot, value: string, padChar: string): void {
  if (value.length > slot.length) throw new Error(`value "${value}" does not fit in ${slot.length} bytes`);
  buf.write(value.padEnd(slot.length, padChar), slot.offset, slot.length, 'latin1');
}

const T_META_SOP = '00020003';
const T_SOP = '00080018';
const T_INSTANCE = '00200013';
const T_POSITION = '00200032';
const T_LOCATION = '00201041';
const T_PIXELS = '7FE00010';

const formatZ = (z: number) => formatDS(Math.round(z * 1000) / 1000);

/** Writes one series: the first file with dcmjs, the rest by patching its buffer. */
function writeSeries(outDir: string, plan: SeriesPlan, seed: number, size: number): number {
  const dir = path.join(outDir, ...plan.relDir.split('/'));
  fs.mkdirSync(dir, { recursive: true });
  const n = plan.files;
  const zOf = (i: number) => plan.z0 - (i - 1) * plan.spacing;
  let zWidth = 0;
  for (let i = 1; i <= n; i++) zWidth = Math.max(zWidth, formatZ(zOf(i)).length);
  const instWidth = String(n).length;
  const positionPrefix = `${plan.pixelX}\\${plan.pixelY}\\`;

  const pixels = new Int16Array(size * size);
  const noise = makeNoiseTable(size * size + 997, seed * 31 + plan.patientIndex * 101 + plan.seriesIndex);
  const fillPixels = (i: number) => fillChestPhantom(pixels, size, size, n > 1 ? (i - 1) / (n - 1) : 0.5, noise, (i * 389) % 997);
  const pixelBytes = new Uint8Array(pixels.buffer, pixels.byteOffset, pixels.byteLength);
  const littleEndianHost = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

  fillPixels(1);
  const first: FieldValues = {
    ...plan.values,
    InstanceNumber: '1'.padEnd(instWidth, ' '),
    SliceLocation: formatZ(zOf(1)).padEnd(zWidth, ' '),
    ImagePositionPatient: [plan.pixelX, plan.pixelY, formatZ(zOf(1)).padEnd(zWidth, ' ')],
  };
  const le = littleEndianHost ? pixelBytes : swapBytes16(pixelBytes);
  const buf = writePart10(first, TS.explicitLittle, le);
  const fileName = (i: number) => `1-${pad(i, 3)}.dcm`;
  fs.writeFileSync(path.join(dir, fileName(1)), buf);
  let bytes = buf.length;
  if (n === 1) return bytes;

  const slots = findValueSlots(buf, [T_META_SOP, T_SOP, T_INSTANCE, T_POSITION, T_LOCATION, T_PIXELS]);
  const pixSlot = slots.get(T_PIXELS)!;
  if (pixSlot.length !== pixelBytes.length) throw new Error('unexpected pixel data length');
  for (let i = 2; i <= n; i++) {
    const uid = makeUid(seed, 3, plan.patientIndex, plan.studyIndex, plan.seriesIndex, i);
    putAscii(buf, slots.get(T_META_SOP)!, uid, '\0');
    putAscii(buf, slots.get(T_SOP)!, uid, '\0');
    putAscii(buf, slots.get(T_INSTANCE)!, String(i), ' ');
    const z = formatZ(zOf(i));
    putAscii(buf, slots.get(T_LOCATION)!, z, ' ');
    putAscii(buf, slots.get(T_POSITION)!, positionPrefix + z, ' ');
    fillPixels(i);
    buf.set(littleEndianHost ? pixelBytes : swapBytes16(pixelBytes), pixSlot.offset);
    fs.writeFileSync(path.join(dir, fileName(i)), buf);
    bytes += buf.length;
  }
  return bytes;
}

function swapBytes16(b: Uint8Array): Uint8Array {
  const out = new Uint8Array(b.length);
  for (let i = 0; i + 1 < b.length; i += 2) {
    out[i] = b[i + 1];
    out[i + 1] = b[i];
  }
  return out;
}

const histKey = (n: number) => String(n);

/**
 * Generates the synthetic LIDC-like dataset under `outDir` (creating
 * `outDir/LIDC-IDRI/...` and `outDir/.sample-manifest.json`). Existing files with the same
 * names are overwritten; nothing else is deleted.
 */
export async function generateLidcSample(outDir: string, opts: LidcSampleOptions = {}): Promise<LidcSampleResult> {
  const { plans, patients, studies, seed, size } = planSample(opts);
  fs.mkdirSync(outDir, { recursive: true });
  let files = 0;
  let bytes = 0;
  const fileHist: Record<string, number> = {};
  const seriesHist: Record<string, number> = {};
  const vendorHist: Record<string, number> = {};
  const seriesList: ManifestSeries[] = [];
  for (const plan of plans) {
    bytes += writeSeries(outDir, plan, seed, size);
    files += plan.files;
    const key = histKey(plan.thickness);
    fileHist[key] = (fileHist[key] ?? 0) + plan.files;
    seriesHist[key] = (seriesHist[key] ?? 0) + 1;
    vendorHist[plan.vendor.manufacturer] = (vendorHist[plan.vendor.manufacturer] ?? 0) + plan.files;
    seriesList.push({
      patientId: plan.patientId,
      studyInstanceUid: plan.studyUid,
      seriesInstanceUid: plan.seriesUid,
      seriesNumber: plan.seriesNumber,
      dir: plan.relDir,
      files: plan.files,
      sliceThickness: plan.thickness,
      spacingBetweenSlices: plan.spacing,
      manufacturer: plan.vendor.manufacturer,
      model: plan.model,
      convolutionKernel: plan.kernel,
      bitsStored: plan.vendor.bitsStored,
    });
    opts.onProgress?.(files);
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  const manifest: SampleManifest = {
    generator: 'dicom-workspace-index/tools/sample/lidcSample',
    formatVersion: 1,
    seed,
    size,
    patients,
    studies,
    series: plans.length,
    files,
    bytes,
    sliceThicknessHistogram: sortKeysNumeric(fileHist),
    seriesSliceThicknessHistogram: sortKeysNumeric(seriesHist),
    manufacturerHistogram: vendorHist,
    seriesList,
  };
  fs.writeFileSync(path.join(outDir, MANIFEST_NAME), JSON.stringify(manifest, null, 1) + '\n');
  return { files, patients, studies, series: plans.length, bytes };
}

function sortKeysNumeric(h: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k of Object.keys(h).sort((a, b) => Number(a) - Number(b))) out[k] = h[k];
  return out;
}

/** Reads `outDir/.sample-manifest.json`. */
export function readSampleManifest(outDir: string): SampleManifest {
  return JSON.parse(fs.readFileSync(path.join(outDir, MANIFEST_NAME), 'utf8')) as SampleManifest;
}

export { CT_IMAGE_STORAGE };
