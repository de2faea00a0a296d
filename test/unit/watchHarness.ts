/**
 * Runs `dicom-index watch` (the bundled dist/cli.js) as a service runs it, with `--log-format json`:
 * every stderr line is parsed (a line that is not JSON is kept as a failure for the test to assert),
 * and tests wait for events and poll the index with generous timeouts.
 */
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import * as http from 'node:http';
import { IndexDatabase } from '../../src/core/db/database';
import { CLI } from '../fixtures/builtCli';

export { CLI };

export type LogLine = { time: string; level: string; event: string } & Record<string, unknown>;

export function cli(args: string[], env: NodeJS.ProcessEnv = {}) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 120_000, env: { ...process.env, ...env } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `fn` until it returns true; the time it took (ms), or throws after `timeoutMs`. */
export async function until(what: string, fn: () => boolean | Promise<boolean>, timeoutMs = 30_000, stepMs = 50): Promise<number> {
  const t0 = Date.now();
  for (;;) {
    if (await fn()) return Date.now() - t0;
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(stepMs);
  }
}

export class WatchProcess {
  readonly proc: ChildProcess;
  readonly lines: LogLine[] = [];
  readonly notJson: string[] = [];
  stderr = '';
  stdout = '';
  private exited: Promise<number | null>;

  constructor(args: string[], env: NodeJS.ProcessEnv = {}) {
    this.proc = spawn(process.execPath, [CLI, 'watch', ...args, '--log-format', 'json'], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    let buf = '';
    this.proc.stderr!.on('data', (d: Buffer) => {
      this.stderr += d;
      buf += d;
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        try {
          this.lines.push(JSON.parse(line) as LogLine);
        } catch {
          this.notJson.push(line);
        }
      }
    });
    this.proc.stdout!.on('data', (d: Buffer) => (this.stdout += d));
    this.exited = new Promise((resolve) => this.proc.on('exit', (code) => resolve(code)));
  }

  events(name: string): LogLine[] {
    return this.lines.filter((l) => l.event === name);
  }

  /** Waits for the `n`-th event of that name (1-based), counting from the start. */
  async waitFor(name: string, n = 1, timeoutMs = 60_000): Promise<LogLine> {
    await until(`event ${name} #${n} (log so far: ${this.lines.map((l) => l.event).join(', ')})`, () => this.events(name).length >= n || this.proc.exitCode !== null, timeoutMs, 20);
    const e = this.events(name)[n - 1];
    if (!e) throw new Error(`the watch exited (${this.proc.exitCode}) before event ${name}: ${this.stderr}`);
    return e;
  }

  /** The metrics URL it serves (after `metrics-listening`). */
  async metricsUrl(): Promise<string> {
    return String((await this.waitFor('metrics-listening')).url);
  }

  stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    if (this.proc.exitCode === null) this.proc.kill(signal);
    return this.exited;
  }

  exit(): Promise<number | null> {
    return this.exited;
  }
}

/** The indexed files of a SQLite index: path → [status, SeriesInstanceUID]. */
export async function indexedFiles(dbFile: string): Promise<Map<string, [string, string | null]>> {
  const idx = await IndexDatabase.open(dbFile, { readOnly: true });
  try {
    const out = new Map<string, [string, string | null]>();
    idx.each('SELECT path, status, SeriesInstanceUID FROM file_rows', [], (r) => out.set(String(r[0]), [String(r[1]), r[2] === null ? null : String(r[2])]));
    return out;
  } finally {
    idx.close();
  }
}

export function httpGet(url: string): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type'] ?? ''), body }));
      })
      .on('error', reject);
  });
}

/** One sample's value from Prometheus text: `name{labels}` with the labels given (others ignored). */
export function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][\w:]*)(\{([^}]*)\})?\s+(\S+)/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = Object.fromEntries([...(m[3] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) return Number(m[4]);
  }
  return undefined;
}
