/**
 * The store interface that queries are written against: the embedded SQLite file (sql.js) today,
 * PostgreSQL next (issue 14). One set of portable SQL for both, with `?` placeholders (a store that
 * needs `$1`… rewrites them) and rows as arrays in column order (column names differ in case
 * between the two engines; positions do not). Where the SQL cannot be portable, `dialect` says which
 * engine runs it; such places are few and say why.
 */
export type SqlParam = string | number | null;
export type SqlRow = SqlParam[];
export type Dialect = 'sqlite' | 'postgresql';

export interface QueryStore {
  readonly dialect: Dialect;
  /** Every row of a query, as arrays in column order. */
  rows(sql: string, params?: readonly SqlParam[]): Promise<SqlRow[]>;
  /** Calls `fn` for each row without keeping them (for large results). */
  each(sql: string, params: readonly SqlParam[], fn: (row: SqlRow) => void): Promise<void>;
  /** A statement without results. */
  run(sql: string, params?: readonly SqlParam[]): Promise<void>;
  /** Several statements without parameters (schema scripts). */
  exec(sql: string): Promise<void>;
  /**
   * Inside a transaction: waits until no other connection holds the lock `name`, and holds it until the
   * transaction ends (PostgreSQL's advisory locks). The SQLite file has one writer at a time already.
   */
  lock(name: string): Promise<void>;
  /** Runs `fn` in one transaction: committed when it returns, rolled back when it throws. */
  transaction<T>(fn: () => Promise<T>): Promise<T>;
}

/** `?, ?, ?` for n parameters. */
export const placeholders = (n: number): string => Array(n).fill('?').join(', ');

/**
 * The small dialect layer: the few places where one SQL text cannot serve both engines.
 * - A column named in double quotes: PostgreSQL folded the schema's unquoted names to lower case.
 * - Text ordered by its bytes (SQLite's BINARY collation; PostgreSQL's "C"), so both list rows in one order.
 * - The distinct values of a group joined by commas (GROUP_CONCAT / string_agg).
 */
export const quotedColumn = (d: Dialect, name: string): string => `"${d === 'postgresql' ? name.toLowerCase() : name}"`;
export const byteOrder = (d: Dialect, expr: string): string => (d === 'postgresql' ? `${expr} COLLATE "C"` : expr);
export const distinctList = (d: Dialect, expr: string): string => (d === 'postgresql' ? `string_agg(DISTINCT ${expr}, ',')` : `GROUP_CONCAT(DISTINCT ${expr})`);

/** Rows as objects: the query's columns named, in order, by `keys` (engines differ in the case of column names). */
export async function records<T>(store: QueryStore, sql: string, params: readonly SqlParam[], keys: readonly (keyof T & string)[]): Promise<T[]> {
  const out: T[] = [];
  await store.each(sql, params, (r) => {
    const o: Record<string, SqlParam> = {};
    for (let i = 0; i < keys.length; i++) o[keys[i]] = r[i];
    out.push(o as T);
  });
  return out;
}
