/**
 * The DICOM attributes the index extracts, named by their standard keywords (PS3.6), in the order
 * they appear as columns of the `instances` view and of the exports.
 */
export type FieldType = 'text' | 'int' | 'real';

export interface FieldDef {
  /** DICOM keyword, also the column name. */
  readonly keyword: string;
  /** dicom-parser tag key, `xggggeeee`. */
  readonly tag: string;
  /** The standard VR, used where the file does not say (implicit VR). */
  readonly vr: string;
  /** How the value is stored in SQLite. */
  readonly type: FieldType;
  /** Which normalised table holds it. */
  readonly level: 'patient' | 'study' | 'series' | 'instance';
  /** Identifies a person: withheld when patient identity is not stored. */
  readonly identity?: boolean;
}

const f = (keyword: string, tag: string, vr: string, type: FieldType, level: FieldDef['level'], identity = false): FieldDef => ({
  keyword,
  tag: 'x' + tag.toLowerCase(),
  vr,
  type,
  level,
  ...(identity ? { identity } : {}),
});

export const FIELDS: readonly FieldDef[] = [
  f('PatientID', '00100020', 'LO', 'text', 'patient', true),
  f('PatientName', '00100010', 'PN', 'text', 'patient', true),
  f('PatientBirthDate', '00100030', 'DA', 'text', 'patient', true),
  f('PatientSex', '00100040', 'CS', 'text', 'patient'),
  // Age at the time of the study (PS3.3 Patient Study module): a study attribute, not the patient's.
  f('PatientAge', '00101010', 'AS', 'text', 'study'),
  f('StudyInstanceUID', '0020000D', 'UI', 'text', 'study'),
  f('StudyDate', '00080020', 'DA', 'text', 'study'),
  f('StudyDescription', '00081030', 'LO', 'text', 'study'),
  f('AccessionNumber', '00080050', 'SH', 'text', 'study'),
  f('SeriesInstanceUID', '0020000E', 'UI', 'text', 'series'),
  f('SeriesNumber', '00200011', 'IS', 'int', 'series'),
  f('SeriesDescription', '0008103E', 'LO', 'text', 'series'),
  f('Modality', '00080060', 'CS', 'text', 'series'),
  f('BodyPartExamined', '00180015', 'CS', 'text', 'series'),
  f('Manufacturer', '00080070', 'LO', 'text', 'series'),
  f('ManufacturerModelName', '00081090', 'LO', 'text', 'series'),
  f('SOPInstanceUID', '00080018', 'UI', 'text', 'instance'),
  f('SOPClassUID', '00080016', 'UI', 'text', 'instance'),
  f('InstanceNumber', '00200013', 'IS', 'int', 'instance'),
  f('ImageType', '00080008', 'CS', 'text', 'instance'),
  f('SliceThickness', '00180050', 'DS', 'real', 'instance'),
  f('SpacingBetweenSlices', '00180088', 'DS', 'real', 'instance'),
  f('SliceLocation', '00201041', 'DS', 'real', 'instance'),
  f('ImagePositionPatient', '00200032', 'DS', 'text', 'instance'),
  f('ImageOrientationPatient', '00200037', 'DS', 'text', 'instance'),
  f('PixelSpacing', '00280030', 'DS', 'text', 'instance'),
  f('Rows', '00280010', 'US', 'int', 'instance'),
  f('Columns', '00280011', 'US', 'int', 'instance'),
  f('NumberOfFrames', '00280008', 'IS', 'int', 'instance'),
  f('BitsAllocated', '00280100', 'US', 'int', 'instance'),
  f('BitsStored', '00280101', 'US', 'int', 'instance'),
  f('PixelRepresentation', '00280103', 'US', 'int', 'instance'),
  f('SamplesPerPixel', '00280002', 'US', 'int', 'instance'),
  f('PhotometricInterpretation', '00280004', 'CS', 'text', 'instance'),
  f('RescaleSlope', '00281053', 'DS', 'real', 'instance'),
  f('RescaleIntercept', '00281052', 'DS', 'real', 'instance'),
  f('WindowCenter', '00281050', 'DS', 'text', 'instance'),
  f('WindowWidth', '00281051', 'DS', 'text', 'instance'),
  f('VOILUTFunction', '00281056', 'CS', 'text', 'instance'),
  f('KVP', '00180060', 'DS', 'real', 'instance'),
  f('ConvolutionKernel', '00181210', 'SH', 'text', 'instance'),
  f('TransferSyntaxUID', '00020010', 'UI', 'text', 'instance'),
  f('SpecificCharacterSet', '00080005', 'CS', 'text', 'instance'),
];

/** Pixel summary columns, filled only when pixel statistics are asked for. */
export const PIXEL_FIELDS = ['PixelDataType', 'PixelMean', 'PixelSummary'] as const;

export const FIELD_BY_KEYWORD: ReadonlyMap<string, FieldDef> = new Map(FIELDS.map((d) => [d.keyword, d]));

export type FieldValue = string | number | null;
/** One DICOM file's extracted values, by keyword. Absent attributes are null; present but empty are ''. */
export type FieldValues = Record<string, FieldValue>;
