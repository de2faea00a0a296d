/** Turns a parsed header into the index's field values (by DICOM keyword). */
import type { DataSet, Element } from 'dicom-parser';
import { parseCharset, CharsetInfo } from './charset';
import { FIELD_BY_KEYWORD, FIELDS, FieldDef, FieldValues } from './fields';
import { numberCount, parseSingleInt, parseSingleNumber, readNumber, readNumbers, readString, STRING_VRS } from './values';

const PER_FRAME = 'x52009230';
const SHARED = 'x52009229';
/** The longest text value the index keeps (characters). */
export const MAX_TEXT_CHARS = 4096;
const cap = (s: string) => (s.length > MAX_TEXT_CHARS ? `${s.slice(0, MAX_TEXT_CHARS)}…` : s);

/**
 * Attributes that enhanced multi-frame objects keep in functional-group macros instead of the top
 * level: keyword → the macro's sequence tag.
 */
const FUNCTIONAL_GROUP: Record<string, string> = {
  SliceThickness: 'x00289110', // Pixel Measures
  SpacingBetweenSlices: 'x00289110',
  PixelSpacing: 'x00289110',
  VOILUTFunction: 'x00289132', // Frame VOI LUT
  WindowCenter: 'x00289132',
  WindowWidth: 'x00289132',
  RescaleSlope: 'x00289145', // Pixel Value Transformation
  RescaleIntercept: 'x00289145',
  ImagePositionPatient: 'x00209113', // Plane Position (Patient)
  ImageOrientationPatient: 'x00209116', // Plane Orientation (Patient)
};

export interface Extracted {
  values: FieldValues;
  /** The raw SliceThickness text when present but not one positive finite number. */
  sliceThicknessInvalid: string | null;
  /** Character set terms we could not map (decoded best effort). */
  unknownCharsets: string[];
  /** Enhanced multi-frame objects: each frame's own geometry, from its functional groups; else null. */
  frames: FrameValues[] | null;
}

/** One frame's geometry, as the index stores it (the `frame` table). */
export interface FrameValues {
  position: string | null;
  orientation: string | null;
  pixelSpacing: string | null;
  thickness: number | null;
}

/** More frames than this keep only the file's values (a bound for hostile files). */
export const MAX_FRAMES = 65_536;

/** Every field, null: the shape each file's values start from (one hidden class for all of them). */
const EMPTY_VALUES: FieldValues = Object.fromEntries(FIELDS.map((d) => [d.keyword, null]));

export function extractFields(ds: DataSet, transferSyntax: string | null): Extracted {
  const elements = ds.elements;
  const csEl = elements.x00080005;
  const csRaw = csEl ? readString(ds, csEl, 'CS', parseCharset(undefined)) : undefined;
  const cs = parseCharset(csRaw);
  const values: FieldValues = { ...EMPTY_VALUES };
  let sliceThicknessInvalid: string | null = null;
  // Enhanced multi-frame objects: the first frame's per-frame and the shared functional group items.
  const groupItems = functionalGroups(elements, 0);
  for (const def of FIELDS) {
    if (def.keyword === 'TransferSyntaxUID') {
      values.TransferSyntaxUID = transferSyntax;
      continue;
    }
    let set = ds;
    let el = elements[def.tag];
    const macro = groupItems.length ? FUNCTIONAL_GROUP[def.keyword] : undefined;
    if (macro) {
      // Per-frame functional groups, then shared, then the top level.
      for (const item of groupItems) {
        const inner = firstItem(item.elements[macro]);
        const found = inner?.elements[def.tag];
        if (inner && found) {
          set = inner;
          el = found;
          break;
        }
      }
    }
    if (!el) continue;
    const v = convert(set, el, def, cs);
    values[def.keyword] = v.value;
    if (def.keyword === 'SliceThickness' && v.raw !== null && v.raw !== '') {
      if (v.value === null || (v.value as number) <= 0) {
        sliceThicknessInvalid = v.raw;
        values.SliceThickness = null;
      }
    }
  }
  return { values, sliceThicknessInvalid, unknownCharsets: cs.unknown, frames: frameGeometry(elements, cs) };
}

/**
 * Each frame's position, orientation, pixel spacing and thickness: from its per-frame functional
 * group item, else from the shared group (PS3.3 C.7.6.16). Null for an object without per-frame groups.
 */
function frameGeometry(elements: DataSet['elements'], cs: CharsetInfo): FrameValues[] | null {
  const items = elements[PER_FRAME]?.items;
  if (!items?.length || items.length > MAX_FRAMES) return null;
  const value = (groups: DataSet[], keyword: string): string | number | null => {
    const def = FIELD_BY_KEYWORD.get(keyword)!;
    for (const group of groups) {
      const inner = firstItem(group.elements[FUNCTIONAL_GROUP[keyword]]);
      const el = inner?.elements[def.tag];
      if (inner && el) return convert(inner, el, def, cs).value;
    }
    return null;
  };
  return items.map((_, f) => {
    const groups = functionalGroups(elements, f);
    const thickness = value(groups, 'SliceThickness');
    return {
      position: value(groups, 'ImagePositionPatient') as string | null,
      orientation: value(groups, 'ImageOrientationPatient') as string | null,
      pixelSpacing: value(groups, 'PixelSpacing') as string | null,
      thickness: typeof thickness === 'number' && thickness > 0 ? thickness : null,
    };
  });
}

/**
 * Frame `index`'s functional-group items in an enhanced multi-frame object (PS3.3 C.7.6.16): its
 * item of the Per-frame Functional Groups, then the Shared Functional Groups' item, those present
 * (none for other objects). A macro is looked for in them in this order.
 */
export function functionalGroups(elements: DataSet['elements'], index: number): DataSet[] {
  return [elements[PER_FRAME]?.items?.[index]?.dataSet, firstItem(elements[SHARED])].filter((g): g is DataSet => g !== undefined);
}

/** The first item of a sequence element. */
export function firstItem(el: Element | undefined): DataSet | undefined {
  return el?.items?.[0]?.dataSet;
}

function convert(ds: DataSet, el: Element, def: FieldDef, cs: CharsetInfo): { value: string | number | null; raw: string | null } {
  // Trust the file's VR when it has one (explicit VR), else the dictionary's.
  const vr = el.vr && el.vr !== 'UN' ? el.vr : def.vr;
  if (STRING_VRS.has(vr) || vr === 'UN') {
    const full = readString(ds, el, STRING_VRS.has(vr) ? vr : def.vr, cs);
    // The index holds short values (LO 64, PN 3×64, UI 64 chars…): a value of megabytes (implicit VR
    // allows one) is cut, so that it cannot swell the database, the tree or an export.
    const raw = cap(full);
    if (def.type === 'real') return { value: parseSingleNumber(raw), raw };
    if (def.type === 'int') return { value: parseSingleInt(raw), raw };
    return { value: raw, raw };
  }
  const count = numberCount(ds, el, vr);
  if (count === 1) {
    // One value (Rows, Columns, Bits…): no list, no join.
    const n = readNumber(ds, el, vr, 0);
    if (def.type !== 'text') return { value: Number.isFinite(n) ? n : null, raw: String(n) };
  }
  const nums = readNumbers(ds, el, vr, MAX_TEXT_CHARS);
  const joined = cap(nums.join('\\'));
  if (def.type === 'text') return { value: joined, raw: joined };
  return { value: null, raw: joined };
}
