/**
 * How a file's bytes are laid out (Part 10, file meta without preamble, a bare data set, or not
 * DICOM), and what a parse of them amounts to: ok, partial, error or not DICOM.
 */
import type * as dicomParser from 'dicom-parser';
import { markerWithoutElements, noMarkerNoElements, noReadableElement, tooFewElements, tooShort, blank } from './problems';
import { EXPLICIT_BE, EXPLICIT_LE, IMPLICIT_LE } from './transferSyntaxes';
import type { ParseResult, Problem } from './types';
import { isVr } from './vr';

export type Layout =
  | { kind: 'part10' }
  | { kind: 'meta-without-preamble' }
  | { kind: 'raw'; transferSyntax: string }
  | { kind: 'not_dicom'; problem: Problem };

const FIRST_GROUPS = new Set([0x0000, 0x0002, 0x0004, 0x0008, 0x0010, 0x0018, 0x0020, 0x0028]);

/** Decides how the bytes are laid out: Part 10, file meta without preamble, a bare data set, or not DICOM. */
export function sniffLayout(b: Uint8Array): Layout {
  if (b.length >= 132 && b[128] === 0x44 && b[129] === 0x49 && b[130] === 0x43 && b[131] === 0x4d) {
    // DICM: but is anything readable after it?
    if (b.length < 140 || !isVr(b[136], b[137])) return { kind: 'not_dicom', problem: markerWithoutElements() };
    return { kind: 'part10' };
  }
  if (b.length < 8) return { kind: 'not_dicom', problem: tooShort(b.length) };
  const groupLE = b[0] | (b[1] << 8);
  const groupBE = (b[0] << 8) | b[1];
  const explicitVR = isVr(b[4], b[5]);
  if (groupLE === 0x0002 && explicitVR) return { kind: 'meta-without-preamble' };
  if (FIRST_GROUPS.has(groupLE) && groupLE !== 0) return { kind: 'raw', transferSyntax: explicitVR ? EXPLICIT_LE : IMPLICIT_LE };
  if (FIRST_GROUPS.has(groupBE) && groupBE !== 0 && explicitVR) return { kind: 'raw', transferSyntax: EXPLICIT_BE };
  return { kind: 'not_dicom', problem: noMarkerNoElements() };
}

/** The status of a parse: what was read, and the failure that stopped it, if one did. */
export function classify(dataSet: dicomParser.DataSet | null, ts: string | null, part10: boolean, failure: Problem | null, layout: Layout['kind']): ParseResult {
  const result = (status: ParseResult['status'], ds: dicomParser.DataSet | null, p: Problem | null): ParseResult => ({
    status,
    error: p?.reason ?? null,
    errorKind: p?.kind ?? null,
    dataSet: ds,
    transferSyntax: ts,
    part10,
    pixelData: null,
  });
  if (layout !== 'raw' && dataSet && !hasReadableElement(dataSet)) {
    // A valid-looking meta over bytes that hold no element whose value fits in the file: noise.
    return result('error', null, failure ?? noReadableElement());
  }
  if (layout !== 'raw' && failure === null) return result('ok', dataSet, null);
  const dataElements = dataSet ? countDataElements(dataSet) : 0;
  if (layout === 'raw' && dataElements < 3) return blank('not_dicom', tooFewElements());
  if (failure === null) return result('ok', dataSet, null);
  if (dataSet && dataElements > 0) return result('partial', dataSet, failure);
  return result('error', null, failure);
}

/** Public elements in groups 0008-0028: what makes a data set more than noise. */
export function countDataElements(ds: dicomParser.DataSet): number {
  let n = 0;
  for (const tag in ds.elements) {
    const group = parseInt(tag.slice(1, 5), 16);
    if (group >= 0x0008 && group <= 0x0028 && group % 2 === 0) n++;
  }
  return n;
}

/** Is there one element outside the file meta whose value lies inside the bytes? */
function hasReadableElement(ds: dicomParser.DataSet): boolean {
  for (const tag in ds.elements) {
    if (tag.startsWith('x0002')) continue;
    const el = ds.elements[tag];
    if (el.length === 0xffffffff || el.hadUndefinedLength || el.dataOffset + el.length <= ds.byteArray.length) return true;
  }
  return false;
}
