/** Every tag of one file, for `dicom-index tags`, the hover and the Show Tags document. */
import { readHeader } from './dicom/header/read';
import type { FileStatus } from './dicom/header/types';
import { dumpDataSet, TagRow, DumpOptions } from './dicom/dump';

export interface FileTags {
  status: FileStatus;
  error: string | null;
  transferSyntax: string | null;
  size: number;
  rows: TagRow[];
}

export async function readFileTags(file: string, opts?: DumpOptions): Promise<FileTags> {
  const h = await readHeader(file);
  return {
    status: h.status,
    error: h.error,
    transferSyntax: h.transferSyntax,
    size: h.size,
    rows: h.dataSet ? dumpDataSet(h.dataSet, opts) : [],
  };
}
