/**
 * The element loop's fast path: an explicit VR little endian element of defined length that is not
 * a sequence (most of a header), read as dicom-parser's readDicomElementExplicit makes it, without
 * its per-byte reader calls. A differential test (test/unit/fastPath.test.ts) holds the two equal.
 */
import type * as dicomParser from 'dicom-parser';
import { DP_LONG_VRS, DP_MISREAD_VRS, VRS } from './vr';

/** VR strings by their two bytes (first byte × 256 + second), as dicom-parser reads them. */
const VR_BY_CODE = new Map<number, string>(VRS.map((vr) => [vr.charCodeAt(0) * 256 + vr.charCodeAt(1), vr]));
/** dicom-parser's tag keys (`xggggeeee`), made once per tag number. Bounded: hostile files may hold any tags. */
const TAG_KEYS = new Map<number, string>();
const MAX_TAG_KEYS = 65536;

/** dicom-parser's key for a tag number: `x` and eight lowercase hex digits. */
function tagKey(tag: number): string {
  let key = TAG_KEYS.get(tag);
  if (key === undefined) {
    key = 'x' + tag.toString(16).padStart(8, '0');
    if (TAG_KEYS.size < MAX_TAG_KEYS) TAG_KEYS.set(tag, key);
  }
  return key;
}

/**
 * The element at `pos` when it is an explicit VR little endian element that dicom-parser would read
 * without looking further (a known VR other than SQ, a defined length, its header inside the bytes),
 * as dicom-parser's readDicomElementExplicit makes it; null for anything else.
 */
export function readSimpleExplicitLE(b: Uint8Array, pos: number, end: number): dicomParser.Element | null {
  if (pos + 8 > end) return null;
  const vr = VR_BY_CODE.get(b[pos + 4] * 256 + b[pos + 5]);
  if (vr === undefined || vr === 'SQ' || DP_MISREAD_VRS.has(vr)) return null;
  const tag = tagKey((b[pos] | (b[pos + 1] << 8)) * 65536 + (b[pos + 2] | (b[pos + 3] << 8)));
  if (DP_LONG_VRS.has(vr)) {
    if (pos + 12 > end) return null;
    const length = (b[pos + 8] | (b[pos + 9] << 8) | (b[pos + 10] << 16)) + b[pos + 11] * 16777216;
    if (length === 0xffffffff) return null;
    return { tag, vr, length, dataOffset: pos + 12 };
  }
  return { tag, vr, length: b[pos + 6] | (b[pos + 7] << 8), dataOffset: pos + 8 };
}

/** What dicom-parser's reader charges the budget for a simple element: two reads for the tag, a third for a 2-byte length. */
export const fastPathCost = (el: dicomParser.Element): number => (DP_LONG_VRS.has(el.vr!) ? 2 : 3);
