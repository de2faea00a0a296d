/**
 * `dicom-index watch <folder>`: index, then keep the index current until SIGTERM/SIGINT (the batch in
 * hand finishes and is saved; exit 0), with the metrics and logs of `index`. The loop itself is the
 * core's (src/core/watch/watchLoop.ts); this is its face: options, store, signals, what it says.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DatabaseRefusedError } from '../core/db/database';
import { goneFileFilter, fileFilter } from '../core/scan/scanner';
import { PgSchemaRefusedError } from '../core/store/postgresSchema';
import { PgUrlError } from '../core/store/postgresUrl';
import { DEFAULT_POLL_MS, DEFAULT_RESCAN_MS, WatchLoop, type WatchMode } from '../core/watch/watchLoop';
import { checkedFolder, onePositional, parse, UsageError } from './args';
import { formatIndexSummary } from './format';
import { INDEX_OPTIONS, indexTarget } from './indexRun';
import { errorText, log, say } from './log';
import { OBSERVE_OPTIONS, startObserving } from './observe';

/** The bounds of --poll-interval (s), besides 0: a day at most (setTimeout's limit is 2,147,483 s). */
const MIN_POLL_S = 1;
const MAX_POLL_S = 86_400;

/** statfs magic numbers of network and FUSE file systems, whose changes made elsewhere send no events here. */
const NO_EVENTS_FS = new Map<number, string>([
  [0x6969, 'NFS'],
  [0x517b, 'SMB'],
  [0xfe534d42, 'SMB2'],
  [0xff534d42, 'CIFS'],
  [0x65735546, 'FUSE'],
  [0x47504653, 'GPFS'],
  [0x0bd00bd0, 'Lustre'],
  [0x00c36400, 'CephFS'],
]);

function fileSystemWithoutEvents(root: string): string | null {
  try {
    return NO_EVENTS_FS.get(Number(fs.statfsSync(root).type)) ?? null;
  } catch {
    return null;
  }
}

export async function cmdWatch(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, {
    ...INDEX_OPTIONS,
    ...OBSERVE_OPTIONS,
    poll: { type: 'boolean' },
    'poll-interval': { type: 'string' },
    quiet: { type: 'boolean', short: 'q' },
  });
  if (values.pushgateway) throw new UsageError('--pushgateway is for one-shot runs (dicom-index index); a watch serves its metrics with --metrics-port');
  const root = checkedFolder(onePositional(positionals, 'folder'));
  const target = indexTarget(root, values);
  const interval = values['poll-interval'];
  if (interval !== undefined && !/^\d+(\.\d+)?$/.test(interval)) throw new UsageError(`--poll-interval must be a number of seconds, not ${interval}`);
  // Beyond setTimeout's range (2,147,483 s) a timer fires after 1 ms, a busy loop; below a second, rescans would hardly stop.
  if (interval !== undefined && Number(interval) !== 0 && !(Number(interval) >= MIN_POLL_S && Number(interval) <= MAX_POLL_S))
    throw new UsageError(`--poll-interval must be 0 (no rescans) or from ${MIN_POLL_S} to ${MAX_POLL_S} seconds, not ${interval}`);
  const noEvents = values.poll ? null : fileSystemWithoutEvents(root);
  const mode: WatchMode = values.poll || noEvents ? 'poll' : 'events';
  const pollIntervalMs = interval !== undefined ? Number(interval) * 1000 : mode === 'poll' ? DEFAULT_POLL_MS : DEFAULT_RESCAN_MS;
  if (mode === 'poll' && pollIntervalMs <= 0) throw new UsageError('--poll-interval must be more than 0 with --poll (rescans are the only way changes are found)');
  const observing = await startObserving(values);
  const isFatal = (e: unknown) => e instanceof DatabaseRefusedError || e instanceof PgSchemaRefusedError || e instanceof PgUrlError || e instanceof UsageError;
  const loop = new WatchLoop({
    root,
    mode,
    pollIntervalMs,
    isCandidate: fileFilter(target),
    mayHaveBeenCandidate: goneFileFilter(target),
    ignore: indexFilesIn(root, target.dbFile),
    pathRuns: target.store === 'sqlite',
    isFatal,
    run: async (req) => {
      try {
        const result = await target.run({ signal: req.signal, only: req.only, gone: req.gone, observer: observing.observer, rebuild: req.first ? undefined : false });
        for (const w of result.warnings) log('warn', 'warning', { message: w }, `warning: ${w}`);
        if (!values.quiet && (req.first || result.read || result.removed || result.cancelled)) say(`${new Date().toISOString()} ${formatIndexSummary(result)}`);
        return result;
      } catch (e) {
        observing.metrics?.runFailed();
        throw e;
      }
    },
    reporter: {
      started: (i) =>
        log('info', 'watch-started', { folder: root, store: target.store, database: target.display, mode: i.mode, pollIntervalS: i.pollIntervalMs / 1000, fileSystem: noEvents }, values.quiet ? null : watchingText(root, i.mode, i.pollIntervalMs, noEvents)),
      batch: (i) => log('info', 'batch-started', { paths: i.paths, full: i.full, reason: i.reason }, null),
      // A raw file-system error is told by its code: its message names a path, maybe below the folder.
      unreachable: (e, i) => {
        const message = errorText(e);
        log('warn', 'store-unreachable', { message, retryInS: i.retryInMs / 1000, pending: i.pending, attempt: i.attempt }, `${new Date().toISOString()} the index could not be written (${message}); trying again in ${i.retryInMs / 1000} s, ${i.pending} change${i.pending === 1 ? '' : 's'} kept`);
      },
      recovered: (i) => log('info', 'store-back', { downMs: i.downMs, attempts: i.attempts }, `${new Date().toISOString()} the index is written again (after ${(i.downMs / 1000).toFixed(1)} s, ${i.attempts} failed attempt${i.attempts === 1 ? '' : 's'})`),
      pending: (n) => observing.metrics?.setWatchPending(n),
      folderScanFailed: (code) => log('warn', 'folder-scan-failed', { code }, `warning: a new folder could not be scanned (${code}); a full rescan will find its files`),
    },
  });
  // The watcher library reports its own troubles with console.error, naming paths: here they become
  // log events with the error code only (no path below the folder in the log, JSON lines stay JSON).
  const consoleError = console.error;
  console.error = (...args: unknown[]) => {
    const code = /\b(E[A-Z]{2,})\b/.exec(args.map(String).join(' '))?.[1] ?? 'unknown';
    log('warn', 'watcher-problem', { code }, `warning: the file-system watcher reported ${code} for a folder (it is polled or left out; the rescans still see it)`);
  };
  let signals = 0;
  const onSignal = (sig: NodeJS.Signals) => {
    if (++signals > 1) process.exit(130);
    log('info', 'stopping', { signal: sig }, values.quiet ? null : `${new Date().toISOString()} ${sig}: finishing the batch in hand and saving (again to quit at once)`);
    loop.stop();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    await loop.run();
    log('info', 'stopped', {}, values.quiet ? null : `${new Date().toISOString()} stopped; the index is saved`);
    return 0;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    console.error = consoleError;
    await observing.finish();
  }
}

/** The index file, its lock and its temporary files, where the index is inside the tree (not in the skipped `.dicom`). */
function indexFilesIn(root: string, dbFile: string | null): ((rel: string) => boolean) | undefined {
  if (!dbFile) return undefined;
  const rel = path.relative(root, dbFile).split(path.sep).join('/');
  if (rel.startsWith('../') || path.isAbsolute(rel)) return undefined;
  const dir = rel.includes('/') ? rel.slice(0, rel.lastIndexOf('/') + 1) : '';
  const tmp = `${dir}.${path.basename(dbFile)}.tmp-`;
  return (p) => p === rel || p === `${rel}.lock` || p.startsWith(tmp);
}

function watchingText(root: string, mode: WatchMode, pollMs: number, fsName: string | null): string {
  if (mode === 'poll') return `Watching ${root}: rescanning every ${pollMs / 1000} s${fsName ? ` (${fsName}: no file-system events for changes made elsewhere)` : ''}. Stop with Ctrl-C or SIGTERM.`;
  return `Watching ${root} for changes${pollMs ? ` (and rescanning every ${pollMs / 1000} s)` : ''}. Stop with Ctrl-C or SIGTERM.`;
}
