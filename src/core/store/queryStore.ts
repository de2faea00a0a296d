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
