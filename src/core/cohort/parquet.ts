/** A cohort's series rows as a typed Parquet file. */
import type { CohortSeriesRow } from './query';

export async function writeCohortParquet(file: string, rows: readonly CohortSeriesRow[]): Promise<number> {
  void file;
  void rows;
  throw new Error('Parquet export is not available in this build');
}
