/**
 * The QueryStore of a PostgreSQL index (through `pg`): one connection per store, rows as arrays, `?`
 * placeholders rewritten to `$1…`, 64-bit integers and COUNTs as JavaScript numbers, the dataset's
 * schema on the search path. Created on first use; a schema of another program is refused.
 */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Client, types } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import Cursor from 'pg-cursor';
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

/** One value in COPY's text format: \N for NULL; backslash, tab, newline and carriage return escaped. */
function copyField(v: SqlParam): string {
  if (v === null) return '\\N';
  if (typeof v === 'number') return String(v);
  return v.replace(/[\\\t\n\r]/g, (c) => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r'));
}

/** Rows per FETCH of `each`. */
const EACH_FETCH = 5000;

/** How long a connection attempt may take (ms). */
const CONNECT_TIMEOUT_MS = 30_000;

/**
 * How long a session may sit idle inside one of this store's transactions before the server ends it,
 * so that a writer stuck there (a process stopped, a client that hangs) gives up its locks and the
 * other writers of the index never wait for it forever. Every transaction here sends its statements
 * one after another with only computation between them (milliseconds): five minutes idle means the
 * client is gone. Set per transaction (SET LOCAL), not as a start-up parameter, which poolers such as
 * PgBouncer refuse and which would replace a stricter limit of the server's.
 */
const IDLE_IN_TRANSACTION = '5min';

export class PostgresStoreError extends Error {
  /** PostgreSQL's SQLSTATE, when the server sent one. */
  code?: string;
  /** The server asked for a password that was missing or wrong. */
  auth?: boolean;
}

/** A failure of `pg` as this store's error: its message without a password, its SQLSTATE kept. */
function storeError(e: unknown): PostgresStoreError {
  const err = e as Error & { code?: string };
  return Object.assign(new PostgresStoreError(redact(err.message)), { code: err.code });
}

/** 28P01 invalid_password, or pg's own "no password given". */
function isAuthFailure(e: Error & { code?: string }): boolean {
  return e.code === '28P01' || /password must be a string|no password supplied|password authentication failed/i.test(e.message);
}

export class PostgresStore implements QueryStore {
  readonly dialect = 'postgresql' as const;
  private depth = 0;

  private constructor(
    private readonly client: Client,
    readonly target: PgTarget,
  ) {}

  /** Connects and puts the dataset's schema first on the search path (creating the schema when `create`). */
  static async connect(target: PgTarget, opts: { create?: boolean } = {}): Promise<PostgresStore> {
    const client = new Client({
      connectionString: target.connectionString,
      types: TYPES,
      application_name: 'dicom-workspace-index',
      // A server that takes the connection but never answers is an error, not a wait without end.
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
      // A server gone without a word (a machine off the network) is found within minutes, not hours.
      keepAlive: true,
      keepAliveInitialDelayMillis: 60_000,
    });
    // A connection lost later (server down) must not crash the process: the query in flight fails instead.
    client.on('error', () => undefined);
    try {
      await client.connect();
    } catch (e) {
      const err = e as Error & { code?: string };
      throw Object.assign(new PostgresStoreError(`cannot connect to ${target.display}: ${redact(err.message)}`), { code: err.code, auth: isAuthFailure(err) });
    }
    const store = new PostgresStore(client, target);
    try {
      if (opts.create) await store.createSchema();
      await store.run(`SET search_path TO "${target.schema}"`);
    } catch (e) {
      // The connection is not left open behind a failure (an open socket would keep the process alive).
      await store.close();
      throw e;
    }
    return store;
  }

  /**
   * CREATE SCHEMA IF NOT EXISTS is not safe against itself: two sessions creating one new schema at
   * once fail one of them with 23505 on pg_namespace (seen here in 225 of 300 tries). Under a
   * transaction-scoped advisory lock of the schema's name, the second waits and then finds it made.
   * A schema that exists is not created again (CREATE SCHEMA needs the right to create in the
   * database even when the schema is there: a role given only a schema an administrator made).
   */
  private async createSchema(): Promise<void> {
    await this.transaction(async () => {
      await this.lock('create-schema');
      const there = await this.rows('SELECT 1 FROM pg_namespace WHERE nspname = ?', [this.target.schema]);
      // Quoted: a dataset's name may be a reserved word (user, order).
      if (!there.length) await this.run(`CREATE SCHEMA "${this.target.schema}"`);
    });
  }

  async rows(sql: string, params: readonly SqlParam[] = []): Promise<SqlRow[]> {
    const r = await this.query(sql, params);
    return r.rows as SqlRow[];
  }

  /** Through a cursor (pg-cursor), EACH_FETCH rows at a time: a 244,000-row result never sits in memory whole. */
  async each(sql: string, params: readonly SqlParam[], fn: (row: SqlRow) => void): Promise<void> {
    const cursor = this.client.query(new Cursor<SqlRow>(toPgPlaceholders(sql), params as unknown[], { rowMode: 'array', types: TYPES }));
    let failed = false;
    try {
      for (;;) {
        let part: SqlRow[];
        try {
          part = await cursor.read(EACH_FETCH);
        } catch (e) {
          failed = true;
          throw storeError(e);
        }
        for (const row of part) fn(row);
        if (part.length < EACH_FETCH) break;
      }
    } finally {
      // Not after the cursor's query failed: pg-cursor's close() then never settles (brianc/node-postgres#2588),
      // and the server has already ended that query.
      if (!failed) await cursor.close().catch(() => undefined);
    }
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
      throw storeError(e);
    }
  }

  async transaction<T>(fn: () => Promise<T>): Promise<T> {
    if (this.depth > 0) return fn();
    await this.client.query(`BEGIN; SET LOCAL idle_in_transaction_session_timeout = '${IDLE_IN_TRANSACTION}'`);
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

  /**
   * Appends rows to a table with COPY … FROM STDIN (text format): for bulk rows that need nothing back,
   * several times faster than INSERT with bound parameters. Inside the current transaction.
   */
  async copyRows(table: string, columns: readonly string[], rows: readonly SqlParam[][]): Promise<void> {
    if (!rows.length) return;
    let text = '';
    for (const r of rows) text += r.map(copyField).join('\t') + '\n';
    try {
      await pipeline(Readable.from([text]), this.client.query(copyFrom(`COPY ${table}(${columns.join(', ')}) FROM STDIN`)));
    } catch (e) {
      throw storeError(e);
    }
  }

  async close(): Promise<void> {
    await this.client.end().catch(() => undefined);
  }

  private async query(sql: string, params: readonly SqlParam[]) {
    try {
      return await this.client.query({ text: toPgPlaceholders(sql), values: params as unknown[], rowMode: 'array' });
    } catch (e) {
      throw storeError(e);
    }
  }
}
