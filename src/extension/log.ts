/**
 * The "DICOM Index" log output channel. Only counts, timings, folder names and error kinds go
 * here: never tag values, patient data or file paths inside the workspace. The last lines are kept
 * in memory so the integration tests can check exactly that.
 */
import * as vscode from 'vscode';

export interface Log {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
  /** The most recent lines (tests). */
  recent(): string[];
}

const KEEP = 500;

export function createLog(): Log & vscode.Disposable {
  const channel = vscode.window.createOutputChannel('DICOM Index', { log: true });
  const lines: string[] = [];
  const keep = (level: string, m: string) => {
    lines.push(`${level} ${m}`);
    if (lines.length > KEEP) lines.splice(0, lines.length - KEEP);
  };
  return {
    info: (m) => (keep('info', m), channel.info(m)),
    warn: (m) => (keep('warn', m), channel.warn(m)),
    error: (m) => (keep('error', m), channel.error(m)),
    recent: () => [...lines],
    dispose: () => channel.dispose(),
  };
}

/** The first line of an error's message, for the log and notifications. */
export function errorText(e: unknown): string {
  const m = e instanceof Error ? e.message : String(e);
  return m.split('\n')[0].slice(0, 300);
}
