/** The encoding a data set really has, decided from its first element's bytes and the declared transfer syntax. */
import { isVr } from './vr';
import { EXPLICIT_BE, IMPLICIT_LE } from './transferSyntaxes';

export interface Encoding {
  explicitVr: boolean;
  bigEndian: boolean;
}

/**
 * How the data set that starts at `position` is encoded, where that differs from what the file
 * declares (`declared`: the meta's transfer syntax, or the one sniffed for a bare data set; null
 * when the meta names none). Like pydicom's `_is_implicit_vr` (and GDCM), it looks at the first data
 * element only, because files exist whose meta contradicts their data (a meta copied from another
 * file, a converter that re-encoded the data set but not the meta) and reading those as declared
 * gives nothing but garbage after the first element:
 *
 * - Explicit or implicit VR: in explicit VR, bytes 4–5 of an element are its VR (two upper-case
 *   letters such as `CS`); in implicit VR they are the upper half of a 4-byte length, which for a
 *   header's elements is 0 and never spells a VR. With the whole element head (8 bytes) to judge
 *   by, the bytes win over the declaration; with fewer, the declaration stands (and with no
 *   declaration, the bytes).
 * - Byte order: the first element of a data set is in group 0008 (or a nearby low group), so its
 *   first two bytes read `08 00` in little endian and `00 08` in big endian. A declared big-endian
 *   data set that starts `08 00` is read as little endian; a declared little-endian explicit VR
 *   one that starts `00 08` as big endian.
 */
export function detectEncoding(bytes: Uint8Array, position: number, declared: string | null): Encoding {
  const looksExplicit = position + 6 <= bytes.length && isVr(bytes[position + 4], bytes[position + 5]);
  let explicitVr = declared === null ? looksExplicit : declared !== IMPLICIT_LE;
  if (explicitVr !== looksExplicit && position + 8 <= bytes.length) explicitVr = looksExplicit;
  let bigEndian = declared === EXPLICIT_BE;
  if (bigEndian && bytes[position] === 0x08 && bytes[position + 1] === 0x00) bigEndian = false;
  if (!bigEndian && declared !== null && declared !== EXPLICIT_BE && bytes[position] === 0x00 && bytes[position + 1] === 0x08 && explicitVr) bigEndian = true;
  return { explicitVr, bigEndian };
}
