/**
 * dicom-index: the headless face of the core, for pipelines and big datasets.
 *   dicom-index index <folder> [--db FILE] [--pixel-stats] [--include GLOB]... [--exclude GLOB]...
 *   dicom-index stats <db> [--json]
 *   dicom-index export <db> --csv FILE | --xlsx FILE
 *   dicom-index tags <file> [--json]
 *   dicom-index check <db> [--json] [--fail-on error|warning|info]
 *   dicom-index cohort <db> [filters...] [--out FILE.csv|.json|.parquet]
 * Never prints patient data, except the tags of a file the user asked to see.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { indexFolder, defaultDbPath, IndexProgress } from '../core/indexer';
import { DatabaseRefusedError } from '../core/db/database';
import { onePositional, openExisting, parse, UsageError } from './args';
import { cmdCheck } from './check';
import { cmdCohort } from './cohort';
import { indexIntoPostgres } from '../core/indexPostgres';
import { PgSchemaRefusedError } from '../core/store/postgresSchema';
import { isPostgresUrl, PgUrlError, redact } from '../core/store/postgresUrl';
import { ExportRefusedError } from '../core/export/target';
import { progressText } from '../core/progressText';
import { version as VERSION } from '../../package.json';
import { computeStats } from '../core/stats';
import { readFileTags } from '../core/tags';
import { IndexBusyError } from '../core/lock';
import { tuneProcessForIndexing } from '../core/runtime';
import { formatStatsTable, formatTagsTable, formatIndexSummary } from './format';
import { formatCount } from '../shared/format';

const USAGE = `dicom-index ${VERSION}: index a folder of DICOM files into SQLite

Usage:
  dicom-index index <folder> [--db FILE] [--pixel-stats] [--include GLOB]... [--exclude GLOB]...
                             [--no-sniff] [--rebuild] [--no-patient-identity] [--json]
  dicom-index index <folder> --db postgresql://USER@HOST:PORT/DB[?schema=NAME] [--dataset-root DIR]
  dicom-index stats <db | folder> [--json]
  dicom-index export <db | folder> --csv FILE
  dicom-index export <db | folder> --xlsx FILE
  dicom-index tags <file> [--json]
  dicom-index check <db | folder> [--json] [--fail-on error|warning|info]
  dicom-index cohort <db | folder> [--modality M]... [--min-thickness MM] [--max-thickness MM]
                     [--min-step MM] [--max-step MM] [--min-images N] [--max-images N]
                     [--volumes-only] [--original-only] [--exclude-severity error|warning|info]
                     [--manufacturer S] [--kernel S] [--body-part S] [--where SQL]
                     [--out FILE.csv | FILE.json | FILE.parquet] [--json]

index    Index (incrementally) the .dcm files under <folder>, and extension-less files that
         carry the DICM marker (unless --no-sniff). Default database: <folder>/.dicom/index.sqlite.
         --pixel-stats reads the pixel data for a mean of the stored values (slow: every byte).
         --no-patient-identity stores no PatientName/BirthDate and a salted hash of PatientID.
         --db must be a new file in an existing folder or an index this tool wrote; anything
         else (a folder, another program's file) is refused and left as it is.
         --db postgresql://… indexes into a shared PostgreSQL index (one schema per dataset,
         the password from PGPASSWORD or ~/.pgpass); paths are stored relative to --dataset-root
         (default: <folder>), so several machines or subfolders fill one index together.
         check and cohort take the same URL in place of <db>.
stats    Summary statistics of an index (a table, or JSON with --json). Given the data folder,
         its default index (<folder>/.dicom/index.sqlite).
export   Every indexed file as CSV, or an Excel workbook (Instances, Series, Studies, Summary, Problems).
tags     Every element of one file's header.
check    Is each series a complete, regularly spaced volume? The dataset checks of every series
         (missing or duplicate slices, irregular spacing, mixed orientation/size/spacing, ...),
         from the index alone. --fail-on SEVERITY: exit 1 when a finding of it or worse exists.
cohort   Choose a training set: the series that match every filter given (thickness and step
         in mm; --where is an SQL condition over the columns of series_geometry). Prints the
         patients, studies, series and slices it holds; --out writes it: .csv (a row per series),
         .json (a manifest with each series' files in slice order), .parquet (typed rows).
         LUNA16's rule: --modality CT --max-thickness 2.5 --volumes-only

Exit status: 0 when the run completed (unreadable files are counted, not fatal); 1 on a failure
while running (tags: the file is not DICOM; check --fail-on: such a finding exists); 2 on a bad argument (a missing file or folder, a
refused database or export path); 130 when interrupted (the index is saved and consistent).`;

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(USAGE + '\n');
    return command ? 0 : 2;
  }
  if (command === '--version' || command === '-v') {
    process.stdout.write(VERSION + '\n');
    return 0;
  }
  try {
    switch (command) {
      case 'index':
        return await cmdIndex(rest);
      case 'stats':
        return await cmdStats(rest);
      case 'export':
        return await cmdExport(rest);
      case 'tags':
        return await cmdTags(rest);
      case 'check':
        return await cmdCheck(rest);
      case 'cohort':
        return await cmdCohort(rest);
      default:
        throw new UsageError(`unknown command '${command}'`);
    }
  } catch (e) {
    if (e instanceof UsageError || (e as NodeJS.ErrnoException).code?.startsWith?.('ERR_PARSE_ARGS')) {
      process.stderr.write(`dicom-index: ${(e as Error).message}\nRun 'dicom-index --help' for usage.\n`);
      return 2;
    }
    if (e instanceof DatabaseRefusedError || e instanceof ExportRefusedError || e instanceof PgSchemaRefusedError || e instanceof PgUrlError) {
      process.stderr.write(`dicom-index: ${e.message}\n`);
      return 2;
    }
    if (e instanceof IndexBusyError) {
      process.stderr.write(`dicom-index: ${e.message}; try again when it has finished.\n`);
      return 1;
    }
    process.stderr.write(`dicom-index: ${redact((e as Error).message)}\n`);
    return 1;
  }
}

async function cmdIndex(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, {
    db: { type: 'string' },
    'pixel-stats': { type: 'boolean' },
    include: { type: 'string', multiple: true },
    exclude: { type: 'string', multiple: true },
    'no-sniff': { type: 'boolean' },
    rebuild: { type: 'boolean' },
    'no-patient-identity': { type: 'boolean' },
    json: { type: 'boolean' },
    quiet: { type: 'boolean', short: 'q' },
    'dataset-root': { type: 'string' },
  });
  const root = path.resolve(onePositional(positionals, 'folder'));
  let st: fs.Stats;
  try {
    st = fs.statSync(root);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new UsageError(`the folder ${root} does not exist`);
    throw new Error(`cannot read folder ${root}: ${code ?? (e as Error).message}`, { cause: e });
  }
  if (!st.isDirectory()) throw new UsageError(`${root} is not a folder`);
  try {
    fs.readdirSync(root);
  } catch (e) {
    throw new Error(`cannot read folder ${root}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { cause: e });
  }
  const controller = new AbortController();
  const onSignal = () => {
    if (controller.signal.aborted) process.exit(130);
    process.stderr.write('\ninterrupted: saving what was read (press Ctrl-C again to quit at once)\n');
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const tty = process.stderr.isTTY && !values.quiet;
  const progress = tty ? (p: IndexProgress) => process.stderr.write(`\r\x1b[K${progressText(p)}`) : undefined;
  const db = values.db as string | undefined;
  if (values['dataset-root'] && !(db && isPostgresUrl(db))) throw new UsageError('--dataset-root is for a postgresql:// index (--db postgresql://…)');
  try {
    const result = db && isPostgresUrl(db)
      ? await indexIntoPostgres(root, db, {
          datasetRoot: values['dataset-root'] ? path.resolve(values['dataset-root'] as string) : undefined,
          include: values.include as string[] | undefined,
          exclude: values.exclude as string[] | undefined,
          sniffExtensionless: !values['no-sniff'],
          storePatientIdentity: !values['no-patient-identity'],
          signal: controller.signal,
          onProgress: progress,
        })
      : await indexFolder(root, {
      dbPath: db ? path.resolve(db) : defaultDbPath(root),
      pixelStats: !!values['pixel-stats'],
      include: values.include as string[] | undefined,
      exclude: values.exclude as string[] | undefined,
      sniffExtensionless: !values['no-sniff'],
      rebuild: !!values.rebuild,
      storePatientIdentity: !values['no-patient-identity'],
      signal: controller.signal,
      onProgress: progress,
    });
    if (tty) process.stderr.write('\r\x1b[K');
    for (const w of result.warnings) process.stderr.write(`warning: ${w}\n`);
    process.stdout.write((values.json ? JSON.stringify(result) : formatIndexSummary(result)) + '\n');
    return result.cancelled ? 130 : 0;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}


async function cmdStats(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, { json: { type: 'boolean' } });
  const idx = await openExisting(onePositional(positionals, 'database file'));
  try {
    const stats = computeStats(idx);
    process.stdout.write((values.json ? JSON.stringify(stats) : formatStatsTable(stats)) + '\n');
    if (!values.json && stats.incomplete) process.stderr.write("note: the last index run did not finish (it was interrupted); run 'dicom-index index' again to complete it.\n");
    return 0;
  } finally {
    idx.close();
  }
}

async function cmdExport(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, { csv: { type: 'string' }, xlsx: { type: 'string' } });
  const dbFile = onePositional(positionals, 'database file');
  if (!values.csv === !values.xlsx) throw new UsageError('give exactly one of --csv FILE or --xlsx FILE');
  const idx = await openExisting(dbFile);
  try {
    const exporter = await import('../core/export');
    const out = path.resolve((values.csv ?? values.xlsx) as string);
    const t0 = Date.now();
    const r = values.csv ? await exporter.exportCsv(idx, out) : await exporter.exportXlsx(idx, out);
    process.stdout.write(`Wrote ${formatCount(r.rows)} rows to ${out} in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
    return 0;
  } finally {
    idx.close();
  }
}

async function cmdTags(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, { json: { type: 'boolean' }, full: { type: 'boolean' } });
  const file = path.resolve(onePositional(positionals, 'file'));
  let st: fs.Stats;
  try {
    st = fs.statSync(file);
  } catch {
    throw new UsageError(`the file ${file} does not exist`);
  }
  if (st.isDirectory()) throw new UsageError(`${file} is a folder; give one file`);
  const tags = await readFileTags(file, values.full ? { maxValueLength: 10_000 } : undefined);
  if (tags.status === 'not_dicom' || tags.status === 'error') {
    if (values.json) process.stdout.write(JSON.stringify(tags) + '\n');
    process.stderr.write(`dicom-index: ${file}: ${tags.error ?? (tags.status === 'not_dicom' ? 'not a DICOM file' : 'could not be read as DICOM')}\n`);
    return 1;
  }
  if (values.json) {
    process.stdout.write(JSON.stringify(tags) + '\n');
  } else {
    if (tags.error) process.stderr.write(`${tags.status}: ${tags.error}\n`);
    process.stdout.write(formatTagsTable(tags.rows) + '\n');
  }
  return tags.status === 'ok' || tags.status === 'partial' ? 0 : 1;
}

if (require.main === module) {
  tuneProcessForIndexing();
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (e) => {
      process.stderr.write(`dicom-index: ${(e as Error).message}\n`);
      process.exitCode = 1;
    },
  );
}
