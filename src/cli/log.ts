/**
 * What dicom-index says on stderr, for people (text, the default) or machines (`--log-format json`:
 * one JSON object per line: `time`, `level`, `event`, then the event's counts and durations).
 * Never a tag value, and never a path below the data folder (folder names can be patient IDs, as in
 * LIDC-IDRI): the data folder and the database are named once, in `watch-started`, since the user
 * gave them; a problem file's path is in the index (`file_rows`), not in the log.
 */
import type { RunEvent, RunObserver } from '../core/run/events';
import { redact } from '../core/store/postgresUrl';

export type LogFormat = 'text' | 'json';
export type Level = 'info' | 'warn' | 'error';
type Fields = Record<string, string | number | boolean | null>;

let format: LogFormat = 'text';

export function setLogFormat(f: LogFormat): void {
  format = f;
}

export function logFormat(): LogFormat {
  return format;
}

export function parseLogFormat(v: string | undefined): LogFormat {
  if (v === undefined || v === 'text') return 'text';
  if (v === 'json') return 'json';
  throw new Error(`--log-format must be text or json, not ${v}`);
}

/**
 * One event: in JSON, an object on one line; in text, `text` (nothing when it is null: an event only
 * machines need). Messages pass through `redact` (no password of a PostgreSQL URL).
 */
export function log(level: Level, event: string, fields: Fields, text: string | null): void {
  if (format === 'json') {
    const safe: Fields = {};
    for (const [k, v] of Object.entries(fields)) safe[k] = typeof v === 'string' ? redact(v) : v;
    process.stderr.write(JSON.stringify({ time: new Date().toISOString(), level, event, ...safe }) + '\n');
  } else if (text !== null) {
    process.stderr.write(redact(text) + '\n');
  }
}

/** A line for people only (text format): in JSON the events say it (e.g. `run-finished`). */
export function say(text: string): void {
  if (format === 'text') process.stderr.write(redact(text) + '\n');
}

/** `--log-format json` (or `=json`) among raw arguments: known before the options are parsed. */
export function logFormatFromArgv(argv: readonly string[]): LogFormat {
  const i = argv.indexOf('--log-format');
  const v = i >= 0 ? argv[i + 1] : argv.find((a) => a.startsWith('--log-format='))?.slice('--log-format='.length);
  return v === 'json' ? 'json' : 'text';
}

/**
 * An error as a log may say it. A raw file-system error's message names its path (`ENOENT: no such
 * file or directory, open '/data/LIDC-IDRI-0001/…'`), which can be below the data folder: it is told
 * by its code and operation only. Node's system errors put a path in their message exactly when they
 * carry it as `.path` (or `.dest`); a socket's (`read ECONNRESET`, `connect ECONNREFUSED 127.0.0.1:5432`)
 * names none and is said as it is. Other messages pass through `redact`.
 */
export function errorText(e: unknown): string {
  const x = e as (Partial<NodeJS.ErrnoException> & { dest?: unknown }) | null | undefined;
  const code = x?.code;
  if (typeof code === 'string' && (typeof x?.path === 'string' || typeof x?.dest === 'string')) {
    return `a file operation failed (${code}${typeof x?.syscall === 'string' ? `, ${x.syscall}` : ''})`;
  }
  return redact(e instanceof Error ? e.message : String(e));
}

/** A failure that ends the command (`dicom-index: …` in text). */
export function logFailure(message: string): void {
  log('error', 'failed', { message }, `dicom-index: ${message}`);
}

/** The summary of a finished run, for machines (in text the command prints its own summary line). */
export function runFinishedFields(e: Extract<RunEvent, { type: 'finished' }>): Fields {
  return {
    store: e.store,
    cancelled: e.cancelled,
    candidates: e.candidates,
    read: e.read,
    unchanged: e.unchanged,
    removed: e.removed,
    ok: e.counts.ok,
    partial: e.counts.partial,
    error: e.counts.error,
    notDicom: e.counts.not_dicom,
    durationMs: e.ms,
  };
}

/**
 * The run's events worth a log line, for machines (in text the command's summary says it): the plan,
 * the finished run. Per-file events are for metrics, not logs.
 */
export function runLogger(): RunObserver {
  return {
    event(e) {
      if (e.type === 'planned') log('info', 'run-planned', { store: e.store, candidates: e.candidates, toRead: e.toRead, toForget: e.toForget, durationMs: e.ms }, null);
      else if (e.type === 'finished') log('info', 'run-finished', runFinishedFields(e), null);
    },
  };
}
