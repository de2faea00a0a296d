/** Locating ../shared/corpus (real DICOM files written by others, with an oracle of expected values). */
import * as fs from 'node:fs';
import * as path from 'node:path';

export function corpusDir(): string | null {
  const candidates = [process.env.DICOM_CORPUS, path.resolve(__dirname, '../../../../shared/corpus'), path.resolve(__dirname, '../../../shared/corpus')];
  for (const c of candidates) if (c && fs.existsSync(path.join(c, 'oracle.jsonl')) && fs.existsSync(path.join(c, 'real'))) return c;
  return null;
}

export interface OracleRow {
  path: string;
  status: 'ok' | 'partial' | 'error' | 'not_dicom';
  ext_dcm: boolean;
  has_dicm_magic: boolean;
  [key: string]: unknown;
}

export function loadOracle(dir: string): OracleRow[] {
  return fs
    .readFileSync(path.join(dir, 'oracle.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as OracleRow);
}
