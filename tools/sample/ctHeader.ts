// Shared CT header field list and encoder for our synthetic test data.
//
// Used by tools/sample (the LIDC-like dataset generator) and test/fixtures
// (small files with known expected values). Values are kept as the exact
// strings/numbers that get written, so the "expected" values an index should
// report can be derived from the same table (see expectedOf).
//
// dcmjs is the writer of the bytes (DicomDict.write); this module only builds
// the element dictionaries that dcmjs serialises.

import * as dcmjs from 'dcmjs';

type DicomElementDict = dcmjs.data.DicomElementDict;

export const CT_IMAGE_STORAGE = '1.2.840.10008.5.1.4.1.1.2';
export const ENHANCED_CT_IMAGE_STORAGE = '1.2.840.10008.5.1.4.1.1.2.1';

export const TS = {
  implicitLittle: '1.2.840.10008.1.2',
  explicitLittle: '1.2.840.10008.1.2.1',
  deflatedExplicitLittle: '1.2.840.10008.1.2.1.99',
  explicitBig: '1.2.840.10008.1.2.2',
} as const;

/** A UID under 2.25 (UUID-derived root) that names this project's test-data writer. */
export const IMPLEMENTATION_CLASS_UID = '2.25.229528900907443508356735294689591489083';
export const IMPLEMENTATION_VERSION_NAME = 'DWI_SYNTH_1';

/** keyword -> [tag (GGGGEEEE), VR] for every element our writers use. */
export const TAGS: Record<string, readonly [string, string]> = {
  SpecificCharacterSet: ['00080005', 'CS'],
  ImageType: ['00080008', 'CS'],
  InstanceCreationDate: ['00080012', 'DA'],
  InstanceCreationTime: ['00080013', 'TM'],
  SOPClassUID: ['00080016', 'UI'],
  SOPInstanceUID: ['00080018', 'UI'],
  StudyDate: ['00080020', 'DA'],
  SeriesDate: ['00080021', 'DA'],
  AcquisitionDate: ['00080022', 'DA'],
  ContentDate: ['00080023', 'DA'],
  StudyTime: ['00080030', 'TM'],
  SeriesTime: ['00080031', 'TM'],
  AcquisitionTime: ['00080032', 'TM'],
  ContentTime: ['00080033', 'TM'],
  AccessionNumber: ['00080050', 'SH'],
  Modality: ['00080060', 'CS'],
  Manufacturer: ['00080070', 'LO'],
  InstitutionName: ['00080080', 'LO'],
  ReferringPhysicianName: ['00080090', 'PN'],
  StationName: ['00081010', 'SH'],
  StudyDescription: ['00081030', 'LO'],
  SeriesDescription: ['0008103E', 'LO'],
  ManufacturerModelName: ['00081090', 'LO'],
  ReferencedImageSequence: ['00081140', 'SQ'],
  ReferencedSOPClassUID: ['00081150', 'UI'],
  ReferencedSOPInstanceUID: ['00081155', 'UI'],
  PatientName: ['00100010', 'PN'],
  PatientID: ['00100020', 'LO'],
  PatientBirthDate: ['00100030', 'DA'],
  PatientSex: ['00100040', 'CS'],
  PatientAge: ['00101010', 'AS'],
  PatientIdentityRemoved: ['00120062', 'CS'],
  DeidentificationMethod: ['00120063', 'LO'],
  BodyPartExamined: ['00180015', 'CS'],
  SliceThickness: ['00180050', 'DS'],
  KVP: ['00180060', 'DS'],
  SpacingBetweenSlices: ['00180088', 'DS'],
  DataCollectionDiameter: ['00180090', 'DS'],
  SoftwareVersions: ['00181020', 'LO'],
  ReconstructionDiameter: ['00181100', 'DS'],
  GantryDetectorTilt: ['00181120', 'DS'],
  TableHeight: ['00181130', 'DS'],
  RotationDirection: ['00181140', 'CS'],
  ExposureTime: ['00181150', 'IS'],
  XRayTubeCurrent: ['00181151', 'IS'],
  Exposure: ['00181152', 'IS'],
  ConvolutionKernel: ['00181210', 'SH'],
  PatientPosition: ['00185100', 'CS'],
  StudyInstanceUID: ['0020000D', 'UI'],
  SeriesInstanceUID: ['0020000E', 'UI'],
  StudyID: ['00200010', 'SH'],
  SeriesNumber: ['00200011', 'IS'],
  AcquisitionNumber: ['00200012', 'IS'],
  InstanceNumber: ['00200013', 'IS'],
  ImagePositionPatient: ['00200032', 'DS'],
  ImageOrientationPatient: ['00200037', 'DS'],
  FrameOfReferenceUID: ['00200052', 'UI'],
  PositionReferenceIndicator: ['00201040', 'LO'],
  SliceLocation: ['00201041', 'DS'],
  FrameContentSequence: ['00209111', 'SQ'],
  PlanePositionSequence: ['00209113', 'SQ'],
  PlaneOrientationSequence: ['00209116', 'SQ'],
  InStackPositionNumber: ['00209057', 'UL'],
  SamplesPerPixel: ['00280002', 'US'],
  PhotometricInterpretation: ['00280004', 'CS'],
  NumberOfFrames: ['00280008', 'IS'],
  Rows: ['00280010', 'US'],
  Columns: ['00280011', 'US'],
  PixelSpacing: ['00280030', 'DS'],
  BitsAllocated: ['00280100', 'US'],
  BitsStored: ['00280101', 'US'],
  HighBit: ['00280102', 'US'],
  PixelRepresentation: ['00280103', 'US'],
  WindowCenter: ['00281050', 'DS'],
  WindowWidth: ['00281051', 'DS'],
  RescaleIntercept: ['00281052', 'DS'],
  RescaleSlope: ['00281053', 'DS'],
  RescaleType: ['00281054', 'LO'],
  VOILUTFunction: ['00281056', 'CS'],
  PixelMeasuresSequence: ['00289110', 'SQ'],
  PixelValueTransformationSequence: ['00289145', 'SQ'],
  FrameVOILUTSequence: ['00289132', 'SQ'],
  SharedFunctionalGroupsSequence: ['52009229', 'SQ'],
  PerFrameFunctionalGroupsSequence: ['52009230', 'SQ'],
  PixelData: ['7FE00010', 'OW'],
};

/** A value for one keyword: a string is written verbatim (it may contain '\'), numbers are
 *  formatted (DS: shortest JS form), arrays are multi-valued, null writes an empty (zero-length)
 *  element, an array of objects is a sequence (SQ) of items. */
export type FieldValue = string | number | null | Array<string | number> | FieldValues[];
export interface FieldValues {
  [keyword: string]: FieldValue | undefined;
}

/** What an index should report for a keyword: numbers as numbers, multi-valued in DICOM
 *  backslash form, empty as null. */
export type ExpectedValue = string | number | boolean | null;
export type Expected = Record<string, ExpectedValue>;

const NUMERIC_BINARY_VRS = new Set(['US', 'SS', 'UL', 'SL', 'FL', 'FD']);
const NUMERIC_STRING_VRS = new Set(['DS', 'IS']);

/** Formats a number as a DICOM DS (max 16 chars). */
export function formatDS(n: number): string {
  if (!Number.isFinite(n)) throw new Error(`DS must be finite: ${n}`);
  let s = String(n);
  if (s.length > 16) s = String(Number(n.toPrecision(10)));
  if (s.length > 16) throw new Error(`DS too long: ${s}`);
  return s;
}

function formatNumberString(vr: string, v: string | number): string {
  if (typeof v === 'string') return v;
  if (vr === 'IS') {
    if (!Number.isInteger(v)) throw new Error(`IS must be an integer: ${v}`);
    return String(v);
  }
  return formatDS(v);
}

function isSequenceValue(v: FieldValue): v is FieldValues[] {
  return Array.isArray(v) && v.length > 0 && typeof v[0] === 'object' && v[0] !== null;
}

/** Builds a dcmjs element dict (tag -> {vr, Value}) from keyword values. */
export function encodeDataset(values: FieldValues): DicomElementDict {
  const dict: DicomElementDict = {};
  for (const [keyword, value] of Object.entries(values)) {
    if (value === undefined) continue;
    const entry = TAGS[keyword];
    if (!entry) throw new Error(`encodeDataset: unknown keyword ${keyword}`);
    const [tag, vr] = entry;
    dict[tag] = encodeElement(keyword, vr, value);
  }
  return dict;
}

function encodeElement(keyword: string, vr: string, value: FieldValue): dcmjs.data.DicomElement {
  if (value === null) return { vr, Value: [] };
  if (vr === 'SQ') {
    if (!Array.isArray(value) || (value.length > 0 && !isSequenceValue(value))) {
      throw new Error(`${keyword}: SQ needs an array of items`);
    }
    return { vr, Value: (value as FieldValues[]).map((item) => encodeDataset(item)) };
  }
  if (isSequenceValue(value)) throw new Error(`${keyword}: items given for non-SQ VR ${vr}`);
  const list = (Array.isArray(value) ? value : [value]) as Array<string | number>;
  if (NUMERIC_BINARY_VRS.has(vr)) {
    return { vr, Value: list.map((v) => (typeof v === 'number' ? v : Number(v))) };
  }
  if (NUMERIC_STRING_VRS.has(vr)) {
    return { vr, Value: list.map((v) => formatNumberString(vr, v)) };
  }
  if (vr === 'PN') return { vr, Value: list.map((v) => ({ Alphabetic: String(v) })) };
  return { vr, Value: list.map((v) => String(v)) };
}

/** The values an index should report for the top-level (non-sequence) keywords in `values`. */
export function expectedOf(values: FieldValues): Expected {
  const out: Expected = {};
  for (const [keyword, value] of Object.entries(values)) {
    if (value === undefined) continue;
    const entry = TAGS[keyword];
    if (!entry) throw new Error(`expectedOf: unknown keyword ${keyword}`);
    const vr = entry[1];
    if (vr === 'SQ' || vr === 'OW' || vr === 'OB') continue;
    out[keyword] = expectedValue(vr, value);
  }
  return out;
}

export function expectedValue(vr: string, value: FieldValue): ExpectedValue {
  if (value === null) return null;
  if (isSequenceValue(value)) throw new Error('expectedValue: sequence');
  const list = (Array.isArray(value) ? value : [value]) as Array<string | number>;
  const numeric = NUMERIC_BINARY_VRS.has(vr) || NUMERIC_STRING_VRS.has(vr);
  const strings = list.map((v) =>
    NUMERIC_STRING_VRS.has(vr) ? formatNumberString(vr, v).trim() : String(v).trim(),
  );
  const joined = strings.join('\\');
  if (joined === '') return null;
  if (numeric && list.length === 1 && !joined.includes('\\')) {
    const n = Number(joined);
    return Number.isFinite(n) ? n : joined;
  }
  return joined;
}

/** File meta information (group 0002) as a dcmjs element dict. */
export function encodeFileMeta(sopClassUid: string, sopInstanceUid: string, transferSyntaxUid: string): DicomElementDict {
  return {
    '00020001': { vr: 'OB', Value: [new Uint8Array([0, 1]).buffer] },
    '00020002': { vr: 'UI', Value: [sopClassUid] },
    '00020003': { vr: 'UI', Value: [sopInstanceUid] },
    '00020010': { vr: 'UI', Value: [transferSyntaxUid] },
    '00020012': { vr: 'UI', Value: [IMPLEMENTATION_CLASS_UID] },
    '00020013': { vr: 'SH', Value: [IMPLEMENTATION_VERSION_NAME] },
  };
}

/** Writes a whole Part-10 file with dcmjs. `pixelBytes` (already in the target byte order)
 *  becomes PixelData (OW). dcmjs writes implicit LE, explicit LE and explicit BE; for any
 *  other transfer syntax it writes explicit LE bytes (see test/fixtures for deflate). */
export function writePart10(
  values: FieldValues,
  transferSyntaxUid: string,
  pixelBytes?: Uint8Array,
  extra?: DicomElementDict,
): Buffer {
  const sopClass = String(values.SOPClassUID ?? CT_IMAGE_STORAGE);
  const sopInstance = String(values.SOPInstanceUID ?? '');
  const dd = new dcmjs.data.DicomDict(encodeFileMeta(sopClass, sopInstance, transferSyntaxUid));
  dd.dict = encodeDataset(values);
  if (extra) Object.assign(dd.dict, extra);
  if (pixelBytes) {
    const ab = pixelBytes.buffer.slice(pixelBytes.byteOffset, pixelBytes.byteOffset + pixelBytes.byteLength);
    dd.dict['7FE00010'] = { vr: 'OW', Value: [ab] };
  }
  return Buffer.from(dd.write());
}

/** Default values for a complete, realistic CT image header (LIDC-like). Every field of
 *  the common field list is present; override any of them. */
export function defaultCtValues(overrides: FieldValues = {}): FieldValues {
  const base: FieldValues = {
    SpecificCharacterSet: 'ISO_IR 100',
    ImageType: ['ORIGINAL', 'PRIMARY', 'AXIAL'],
    SOPClassUID: CT_IMAGE_STORAGE,
    SOPInstanceUID: '2.25.100000000000000000000000000001',
    StudyDate: '20000101',
    SeriesDate: '20000101',
    AcquisitionDate: '20000101',
    ContentDate: '20000101',
    StudyTime: '101500',
    SeriesTime: '102030',
    AcquisitionTime: '102045.125',
    ContentTime: '102045.125',
    AccessionNumber: '4711',
    Modality: 'CT',
    Manufacturer: 'GE MEDICAL SYSTEMS',
    InstitutionName: 'SYNTHETIC',
    ReferringPhysicianName: '',
    StationName: 'CT01',
    StudyDescription: 'CT CHEST WO CONTRAST',
    SeriesDescription: 'LUNG 1.25MM',
    ManufacturerModelName: 'LightSpeed16',
    PatientName: 'Doe^John',
    PatientID: 'TEST-0001',
    PatientBirthDate: '',
    PatientSex: 'M',
    PatientAge: '063Y',
    PatientIdentityRemoved: 'YES',
    DeidentificationMethod: 'SYNTHETIC DATA',
    BodyPartExamined: 'CHEST',
    SliceThickness: 1.25,
    KVP: 120,
    SpacingBetweenSlices: 1.25,
    DataCollectionDiameter: 500,
    SoftwareVersions: 'SYNTH_1.0',
    ReconstructionDiameter: 360,
    GantryDetectorTilt: 0,
    TableHeight: 140,
    RotationDirection: 'CW',
    ExposureTime: 500,
    XRayTubeCurrent: 200,
    Exposure: 100,
    ConvolutionKernel: 'LUNG',
    PatientPosition: 'FFS',
    StudyInstanceUID: '2.25.100000000000000000000000000002',
    SeriesInstanceUID: '2.25.100000000000000000000000000003',
    StudyID: '1',
    SeriesNumber: 3,
    AcquisitionNumber: 1,
    InstanceNumber: 1,
    ImagePositionPatient: [-180, -180, -42.5],
    ImageOrientationPatient: [1, 0, 0, 0, 1, 0],
    FrameOfReferenceUID: '2.25.100000000000000000000000000004',
    PositionReferenceIndicator: 'SN',
    SliceLocation: -42.5,
    SamplesPerPixel: 1,
    PhotometricInterpretation: 'MONOCHROME2',
    Rows: 16,
    Columns: 16,
    PixelSpacing: [0.703125, 0.703125],
    BitsAllocated: 16,
    BitsStored: 12,
    HighBit: 11,
    PixelRepresentation: 1,
    WindowCenter: -600,
    WindowWidth: 1600,
    RescaleIntercept: -1024,
    RescaleSlope: 1,
    RescaleType: 'HU',
  };
  return { ...base, ...overrides };
}

/** Keywords of the common CT header field list (the fields of defaultCtValues). */
export const CT_KEYWORDS: readonly string[] = Object.keys(defaultCtValues());
