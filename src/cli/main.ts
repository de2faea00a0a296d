/**
 * dicom-index: the headless face of the core, for pipelines and big datasets.
 *   dicom-index index <folder> [--db FILE] [--pixel-stats] [--include GLOB]... [--exclude GLOB]...
 *   dicom-index stats <db> [--json]
 *   dicom-index export <db> --csv FILE | --xlsx FILE
 *   dicom-index tags <file> [--json]
 *   dicom-index check <db> [--json] [--fail-on error|warning|info]
 *   dicom-index cohort <db> [filters...] [--out FILE.csv|.json|.parquet]
 *   dicom-index render <file> [--frame N] [--window C/W|preset|file] [--size PX] --out FILE.png
 * Never prints patient data, except the tags of a file the user asked to see.
 */
import * as path from 'node:path';
import type { IndexProgress } from '../core/indexer';
import { DatabaseRefusedError, DatabaseUnusableError } from '../core/db/database';
import { checkedFolder, existingFile, onePositional, openIndexStore, parse, UsageError } from './args';
import { cmdCheck } from './check';
import { cmdCohort } from './cohort';
import { cmdMerge } from './merge';
import { MergeRefusedError } from '../core/db/merge';
import { cmdRender, RENDER_HELP, RENDER_USAGE } from './render';
import { PgSchemaRefusedError } from '../core/store/postgresSchema';
import { PgUrlError } from '../core/store/postgresUrl';
import { ExportRefusedError } from '../core/export/target';
import { progressText } from '../core/progressText';
import { version as VERSION } from '../../package.json';
import { computeStats } from '../core/stats';
import { readFileTags } from '../core/tags';
import { IndexBusyError } from '../core/lock';
import { tuneProcessForIndexing } from '../core/runtime';
import { formatStatsTable, formatTagsTable, formatIndexSummary } from './format';
import { formatCount } from '../shared/format';
import { INDEX_OPTIONS, indexTarget } from './indexRun';
import { errorText, log, logFailure, logFormat, logFormatFromArgv, setLogFormat } from './log';
import { OBSERVE_OPTIONS, startObserving } from './observe';
import { cmdWatch } from './watch';

const USAGE = `dicom-index ${VERSION}: index a folder of DICOM files into SQLite

Usage:
  dicom-index index <folder> [--db FILE] [--pixel-stats] [--include GLOB]... [--exclude GLOB]...
                             [--no-sniff] [--rebuild] [--no-patient-identity] [--json]
                             [--jobs N|auto] [--shard K/N] [--dataset NAME]
  dicom-index index <folder> --db postgresql://USER@HOST:PORT/DB[?schema=NAME] [--dataset-root DIR]
                             [--dataset NAME] [--shard K/N] [--jobs N|auto]
  dicom-index merge <out.sqlite> <in.sqlite> <in.sqlite>...
  dicom-index watch <folder> [the options of index] [--poll] [--poll-interval SECONDS]
  (index and watch) [--metrics-port PORT [--metrics-host HOST]] [--log-format text|json]
  (index) [--pushgateway URL]
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
${RENDER_USAGE}

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
         --jobs N reads and parses headers on N reader threads while one thread writes the
         index; 1: no reader thread; auto (default): on 2–3 cores one reader thread for runs of
         10,000 files or more, on 4 or more cores cores − 2 (at most 8) for runs of 5,000 or
         more, else none (measured: see the README).
         --shard K/N indexes only the series folders (a file's folder, relative to the dataset
         root) that a stable hash gives to shard K (0 ≤ K < N); its re-runs read and forget only
         in them. N runs fill one PostgreSQL index together, or N SQLite files to merge.
         --dataset NAME names the dataset: the PostgreSQL schema NAME (same as ?schema=NAME),
         and the name kept in a SQLite index (merge joins only files of one dataset).
merge    Merge the SQLite indexes of shards (or of disjoint parts) into one new index <out.sqlite>
         (a new file, or an index this tool wrote). A file found in two inputs is refused.
watch    Index, then keep the index current until SIGTERM or Ctrl-C (the batch in hand is
         finished and saved; exit 0): file-system events, batched (0.7 s after the last change,
         at most 5 s after the first), or with --poll (automatic on NFS, SMB/CIFS, FUSE) a rescan
         every --poll-interval seconds (default 60, from 1 to 86400; with events, a rescan every
         1800 s as a net, 0: none).
         A store briefly unreachable (the index locked by another run, the server down) is
         retried with back-off; no change is lost.
metrics  --metrics-port PORT serves Prometheus metrics at http://127.0.0.1:PORT/metrics (--metrics-host
         to listen elsewhere; port 0: any free port, said in the log). --pushgateway URL pushes a
         one-shot run's metrics to a Prometheus Pushgateway when it ends (job dicom_index).
         --log-format json: one JSON object per line on stderr (time, level, event, counts and
         durations; never tag values or paths below the folder).
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
${RENDER_HELP}

Exit status: 0 when the run completed (unreadable files are counted, not fatal); 1 on a failure
while running (tags: the file is not DICOM; render: the frame cannot be decoded; check --fail-on: such a finding exists); 2 on a bad argument (a missing file or folder, a
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
  // Before the options are parsed, so that a bad option is reported in the format asked for.
  setLogFormat(logFormatFromArgv(rest));
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
      case 'merge':
        return await cmdMerge(rest);
      case 'watch':
        return await cmdWatch(rest);
      case 'render':
        return await cmdRender(rest);
      default:
        throw new UsageError(`unknown command '${command}'`);
    }
  } catch (e) {
    if (e instanceof UsageError || (e as NodeJS.ErrnoException).code?.startsWith?.('ERR_PARSE_ARGS')) {
      logFailure(`${(e as Error).message}${logFormat() === 'text' ? "\nRun 'dicom-index --help' for usage." : ''}`);
      return 2;
    }
    if (e instanceof DatabaseRefusedError || e instanceof MergeRefusedError || e instanceof ExportRefusedError || e instanceof PgSchemaRefusedError || e instanceof PgUrlError) {
      logFailure(e.message);
      return 2;
    }
    // An index given (merge's inputs) that is damaged or of another schema: a bad argument.
    if (e instanceof DatabaseUnusableError) {
      logFailure(`${e.message}: not a usable index database; nothing was changed`);
      return 2;
    }
    if (e instanceof IndexBusyError) {
      logFailure(`${e.message}; try again when it has finished.`);
      return 1;
    }
    logFailure(errorText(e));
    return 1;
  }
}

async function cmdIndex(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, {
    ...INDEX_OPTIONS,
    ...OBSERVE_OPTIONS,
    json: { type: 'boolean' },
    quiet: { type: 'boolean', short: 'q' },
  });
  const root = checkedFolder(onePositional(positionals, 'folder'));
  const target = indexTarget(root, values);
  const observing = await startObserving(values);
  const controller = new AbortController();
  const onSignal = () => {
    if (controller.signal.aborted) process.exit(130);
    log('warn', 'interrupted', {}, '\ninterrupted: saving what was read (press Ctrl-C again to quit at once)');
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const tty = process.stderr.isTTY && !values.quiet && logFormat() === 'text';
  const progress = tty ? (p: IndexProgress) => process.stderr.write(`\r\x1b[K${progressText(p)}`) : undefined;
  try {
    const result = await target.run({ signal: controller.signal, onProgress: progress, observer: observing.observer }).catch((e: unknown) => {
      observing.metrics?.runFailed();
      throw e;
    });
    if (tty) process.stderr.write('\r\x1b[K');
    for (const w of result.warnings) log('warn', 'warning', { message: w }, `warning: ${w}`);
    process.stdout.write((values.json ? JSON.stringify(result) : formatIndexSummary(result)) + '\n');
    return result.cancelled ? 130 : 0;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await observing.finish();
  }
}

async function cmdStats(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, { json: { type: 'boolean' } });
  const index = await openIndexStore(onePositional(positionals, 'database file'));
  try {
    const stats = await computeStats(index.store);
    process.stdout.write((values.json ? JSON.stringify(stats) : formatStatsTable(stats)) + '\n');
    if (!values.json && stats.incomplete) process.stderr.write("note: the last index run did not finish (it was interrupted); run 'dicom-index index' again to complete it.\n");
    return 0;
  } finally {
    await index.close();
  }
}

async function cmdExport(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, { csv: { type: 'string' }, xlsx: { type: 'string' } });
  const dbFile = onePositional(positionals, 'database file');
  if (!values.csv === !values.xlsx) throw new UsageError('give exactly one of --csv FILE or --xlsx FILE');
  const index = await openIndexStore(dbFile);
  try {
    const exporter = await import('../core/export');
    const out = path.resolve((values.csv ?? values.xlsx) as string);
    const t0 = Date.now();
    const r = values.csv ? await exporter.exportCsv(index.source, out) : await exporter.exportXlsx(index.source, out);
    process.stdout.write(`Wrote ${formatCount(r.rows)} rows to ${out} in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
    return 0;
  } finally {
    await index.close();
  }
}

async function cmdTags(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, { json: { type: 'boolean' }, full: { type: 'boolean' } });
  const file = existingFile(onePositional(positionals, 'file'));
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

/**
 * How long (ms) the process may stay after its command has finished (its output written, the store
 * closed) before it exits anyway, saying what kept it: a connection or timer left open must never
 * leave a pipeline's step running without end.
 */
const EXIT_GRACE_MS = 10_000;

function exitWhenDone(code: number): void {
  process.exitCode = code;
  // Counted from when stdout and stderr have taken everything written (a slow reader of a pipe,
  // `less`, ssh, is waited for as long as it takes: no output is ever cut short).
  const graced = () =>
    setTimeout(() => {
      const kept = process.getActiveResourcesInfo().filter((r) => r !== 'TTYWrap' && r !== 'Timeout');
      process.stderr.write(`dicom-index: exiting ${EXIT_GRACE_MS / 1000} s after the command finished; still open: ${kept.join(', ') || 'nothing named'}\n`);
      process.exit(code);
    }, EXIT_GRACE_MS).unref();
  process.stdout.write('', () => process.stderr.write('', graced));
}

if (require.main === module) {
  tuneProcessForIndexing();
  main(process.argv.slice(2)).then(exitWhenDone, (e) => {
    process.stderr.write(`dicom-index: ${errorText(e)}\n`);
    exitWhenDone(1);
  });
}
