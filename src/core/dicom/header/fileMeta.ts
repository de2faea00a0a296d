/** The file meta information group (0002) of a Part 10 file, as dicom-parser reads it. */
import * as dicomParser from 'dicom-parser';
import { metaUnreadable } from './problems';
import type { Problem } from './types';

/**
 * The file meta group (0002) of a Part 10 file: its elements, where the data set starts and the
 * transfer syntax it names; or the problem, with what dicom-parser read before it.
 */
export function readFileMeta(input: Uint8Array):
  | { elements: Record<string, dicomParser.Element>; end: number; transferSyntax: string | null }
  | { problem: Problem; partial: dicomParser.DataSet | null } {
  let meta: dicomParser.DataSet;
  try {
    meta = dicomParser.readPart10Header(input);
  } catch (e) {
    // dicom-parser throws { exception, dataSet } here: the cause and the elements read before it.
    const thrown = e as { dataSet?: dicomParser.DataSet; exception?: unknown } | undefined;
    return { problem: metaUnreadable(thrown?.exception ?? e), partial: thrown?.dataSet ?? null };
  }
  // The meta is group 0002 only: dicom-parser also swallows elements of groups below 0002
  // (a string compare of tags), so the data set starts where the last group-0002 value ends.
  const elements: Record<string, dicomParser.Element> = {};
  let end = 132;
  for (const [tag, el] of Object.entries(meta.elements)) {
    if (!tag.startsWith('x0002')) continue;
    elements[tag] = el;
    end = Math.max(end, el.dataOffset + el.length);
  }
  const tsEl = meta.elements.x00020010;
  return { elements, end, transferSyntax: tsEl ? readAscii(input, tsEl.dataOffset, tsEl.length) : null };
}

function readAscii(arr: Uint8Array, offset: number, length: number): string {
  let s = '';
  for (let i = offset; i < Math.min(arr.length, offset + length); i++) s += String.fromCharCode(arr[i]);
  return s.replace(/[\0 ]+$/, '').trim();
}
