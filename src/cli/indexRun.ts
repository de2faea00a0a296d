/**
 * One index run of the CLI, into the SQLite file or a PostgreSQL index, from the options `index` and
 * `watch` share: the one place that maps those options to the core's runs.
 */
import * as path from 'node:path';
import { defaultDbPath, indexFolder, type IndexProgress, type IndexResult } from '../core/indexer';
import { indexIntoPostgres } from '../core/indexPostgres';
import type { RunObserver, StoreKind } from '../core/run/events';
import { DATASET_NAME, isPostgresUrl, parsePgUrl, withDatasetSchema } from '../core/store/postgresUrl';
import { MAX_JOBS, parseJobs } from '../core/read/jobs';
import { parseShard } from '../core/scan/shard';
import { UsageError } from './args';

/** The options of `index` and `watch` that say what to index and where (node:util parseArgs spec). */
export const INDEX_OPTIONS = {
  db: { type: 'string' },
  'pixel-stats': { type: 'boolean' },
  include: { type: 'string', multiple: true },
  exclude: { type: 'string', multiple: true },
  'no-sniff': { type: 'boolean' },
  rebuild: { type: 'boolean' },
  'no-patient-identity': { type: 'boolean' },
  'dataset-root': { type: 'string' },
  dataset: { type: 'string' },
  jobs: { type: 'string' },
  shard: { type: 'string' },
} as const;

type Values = { [K in keyof typeof INDEX_OPTIONS]?: (typeof INDEX_OPTIONS)[K] extends { multiple: true } ? string[] : (typeof INDEX_OPTIONS)[K]['type'] extends 'string' ? string : boolean };

export interface RunExtras {
  signal: AbortSignal;
  onProgress?: (p: IndexProgress) => void;
  observer?: RunObserver;
  /** Only these paths (relative to the folder): re-read them, forget the missing ones (SQLite only). */
  only?: string[];
  /** With `only`: deleted paths that may have been folders (the indexer's `gone`). */
  gone?: string[];
  /** Throw the index away first (the first run only). */
  rebuild?: boolean;
}

export interface IndexTarget {
  store: StoreKind;
  /** The database file, or the URL without its password. */
  display: string;
  /** The SQLite file (null for PostgreSQL). */
  dbFile: string | null;
  include?: string[];
  exclude?: string[];
  sniffExtensionless: boolean;
  run(extras: RunExtras): Promise<IndexResult>;
}

export function indexTarget(root: string, values: Values): IndexTarget {
  const jobs = values.jobs === undefined ? 'auto' : parseJobs(values.jobs);
  if (jobs === null) throw new UsageError(`--jobs takes a number of reader threads from 1 to ${MAX_JOBS}, or auto; not '${values.jobs}'`);
  const shard = values.shard === undefined ? undefined : parseShard(values.shard);
  if (typeof shard === 'string') throw new UsageError(shard);
  const dataset = values.dataset;
  if (dataset !== undefined && !DATASET_NAME.test(dataset)) throw new UsageError(`--dataset '${dataset}': a dataset name is a lower-case SQL name (letters, digits, _; at most 63), as it names the PostgreSQL schema`);
  let db = values.db;
  if (db && isPostgresUrl(db) && dataset !== undefined) db = withDatasetSchema(db, dataset);
  const common = {
    include: values.include,
    exclude: values.exclude,
    sniffExtensionless: !values['no-sniff'],
    storePatientIdentity: !values['no-patient-identity'],
    jobs,
    shard,
    dataset,
  };
  if (db && isPostgresUrl(db)) {
    const url = db;
    const datasetRoot = values['dataset-root'] ? path.resolve(values['dataset-root']) : undefined;
    return {
      store: 'postgresql',
      display: parsePgUrl(db).display,
      dbFile: null,
      ...common,
      run: (x) => indexIntoPostgres(root, url, { ...common, datasetRoot, signal: x.signal, onProgress: x.onProgress, observer: x.observer }),
    };
  }
  if (values['dataset-root']) throw new UsageError('--dataset-root is for a postgresql:// index (--db postgresql://…)');
  const dbPath = db ? path.resolve(db) : defaultDbPath(root);
  return {
    store: 'sqlite',
    display: dbPath,
    dbFile: dbPath,
    ...common,
    run: (x) =>
      indexFolder(root, { ...common, dbPath, pixelStats: !!values['pixel-stats'], rebuild: x.rebuild ?? !!values.rebuild, only: x.only, gone: x.gone, signal: x.signal, onProgress: x.onProgress, observer: x.observer }),
  };
}
