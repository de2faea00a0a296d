/** A cohort's series rows as a typed Parquet file (hyparquet-writer, see src/core/export/parquet.ts). */
import { ParquetColumn, ParquetType, writeParquet } from '../export/parquet';
import { CohortColumn, CohortSeriesRow } from './query';

/** Each column's Parquet type; `findings` is a list of the check names that fired. */
const TYPES: Record<CohortColumn, ParquetType> = {
  PatientID: 'string',
  StudyInstanceUID: 'string',
  SeriesInstanceUID: 'string',
  Modality: 'string',
  SeriesNumber: 'int',
  SeriesDescription: 'string',
  BodyPartExamined: 'string',
  Manufacturer: 'string',
  ManufacturerModelName: 'string',
  ConvolutionKernel: 'string',
  SliceThickness: 'double',
  step: 'double',
  step_min: 'double',
  step_max: 'double',
  images: 'int',
  files: 'int',
  Rows: 'int',
  Columns: 'int',
  PixelSpacing: 'string',
  volume: 'boolean',
  original: 'boolean',
  worst_severity: 'string',
  findings: 'string_list',
  folder: 'string',
};

/** Writes the rows (at least one) atomically; returns the file's size in bytes. */
export async function writeCohortParquet(file: string, rows: readonly CohortSeriesRow[]): Promise<number> {
  const columns: ParquetColumn[] = (Object.keys(TYPES) as CohortColumn[]).map((name) => ({
    name,
    type: TYPES[name],
    values: rows.map((r) => (name === 'findings' ? (r.findings ? r.findings.split('; ').map((f) => f.replace(/ \(\d+\)$/, '')) : []) : r[name])),
  }));
  return (await writeParquet(file, columns)).bytes;
}
