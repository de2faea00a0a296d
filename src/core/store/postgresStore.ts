/**
 * The QueryStore of a PostgreSQL index (through `pg`): one connection per store, rows as arrays, `?`
 * placeholders rewritten to `$1…`, 64-bit integers and COUNTs as JavaScript numbers, the dataset's
 * schema on the search path. Created on first use; a schema of another program is refused.
 */
import { Client, types } from 'pg';
import type { QueryStore, SqlParam, SqlRow } from './queryStore';
import { PgTarget, redact } from './postgresUrl';

/** int8 (ids, COUNT) and numeric as numbers: every id and count of an index is far below 2^53. */
const TYPES = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === 20 || oid === 1700) return (v: string) => Number(v);
    return types.getTypeParser(oid, format);
  },
};

/** `?` outside string literals, quoted names and comments, as `$1`, `$2`, … */
export function toPgPlaceholders(sql: string): string {
  let out = '';
  let n = 0;
  for (let i = 0; i < sql.length; i++) {
    const ch = sql[i];
    if (ch === "'" || ch === '"') {
      const end = sql.indexOf(ch, i + 1);
      const stop = end < 0 ? sql.length : end;
      out += sql.slice(i, stop + 1);
      i = stop;
    } else if (ch === '?') out += `$${++n}`;
    else out += ch;
  }
  return out;
}

export class PostgresStoreError extends Error {}

export class PostgresStore implements QueryStore {
  readonly dialect = 'postgresql' as const;
  private depth = 0;

  private constructor(
    private readonly client: Client,
    readonly target: PgTarget,
  ) {}

  /** Connects and puts the dataset's schema first on the search path (creating the schema when `create`). */
  static async connect(target: PgTarget, opts: { create?: boolean } = {}): Promise<PostgresStore> {
    const client = new Client({ connectionString: target.connectionString, types: TYPES, application_name: 'dicom-workspace-index' });
    // A connection lost later (server down) must not crash the process: the query in flight fails instead.
    client.on('error', () => undefined);
    try {
      await client.connect();
    } catch (e) {
      throw new PostgresStoreError(`cannot connect to ${target.display}: ${redact((e as Error).message)}`);
    }
    const store = new PostgresStore(client, target);
    if (opts.create) await store.run(`CREATE SCHEMA IF NOT EXISTS ${target.schema}`);
    await store.run(`SET search_path TO ${target.schema}`);
    return store;
  }

  async rows(sql: string, params: readonly SqlParam[] = []): Promise<SqlRow[]> {
    const r = await this.query(sql, params);
    return r.rows as SqlRow[];
  }

  async each(sql: string, params: readonly SqlParam[], fn: (row: SqlRow) => void): Promise<void> {
    for (const row of await this.rows(sql, params)) fn(row);
  }

  async run(sql: string, params: readonly SqlParam[] = []): Promise<void> {
    await this.query(sql, params);
  }

  async lock(name: string): Promise<void> {
    await this.run('SELECT pg_advisory_xact_lock(hashtext(?))', [`dicom-workspace-index:${this.target.schema}:${name}`]);
  }

  async exec(sql: string): Promise<void> {
    try {
      await this.client.query(sql);
    } catch (e) {
      throw new PostgresStoreError(redact((e as Error).message));
    }
  }

  async transaction<T>(fn: () => Promise<T>): Promise<T> {
    if (this.depth > 0) return fn();
    await this.client.query('BEGIN');
    this.depth++;
    try {
      const out = await fn();
      await this.client.query('COMMIT');
      return out;
    } catch (e) {
      await this.client.query('ROLLBACK').catch(() => undefined);
      throw e;
    } finally {
      this.depth--;
    }
  }

  async close(): Promise<void> {
    await this.client.end().catch(() => undefined);
  }

  private async query(sql: string, params: readonly SqlParam[]) {
    try {
      return await this.client.query({ text: toPgPlaceholders(sql), values: params as unknown[], rowMode: 'array' });
    } catch (e) {
      const err = e as Error & { code?: string };
      throw Object.assign(new PostgresStoreError(redact(err.message)), { code: err.code });
    }
  }
}
