/**
 * `postgresql://user@host:port/db?schema=NAME`: where a PostgreSQL index lives. The password comes from
 * the standard PGPASSWORD / ~/.pgpass / PG* environment (libpq's rules, which `pg` follows), or from
 * the URL; it is never shown: `displayUrl` is the form for messages and logs.
 */
export const DEFAULT_PG_SCHEMA = 'dicom_index';

export interface PgTarget {
  /** The connection string given to `pg`, without our `schema` parameter. */
  connectionString: string;
  /** The PostgreSQL schema that holds this dataset's index (one schema per dataset). */
  schema: string;
  /** The URL without its password, for people. */
  display: string;
}

export class PgUrlError extends Error {}

export const isPostgresUrl = (s: string): boolean => /^postgres(ql)?:\/\//i.test(s);

export function parsePgUrl(raw: string): PgTarget {
  if (!isPostgresUrl(raw)) throw new PgUrlError(`not a postgresql:// URL`);
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new PgUrlError(`${redact(raw)} is not a valid URL`);
  }
  const schema = url.searchParams.get('schema') ?? DEFAULT_PG_SCHEMA;
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) throw new PgUrlError(`schema '${schema}' must be a lower-case SQL name (letters, digits, _; at most 63)`);
  url.searchParams.delete('schema');
  const display = new URL(url.toString());
  display.password = '';
  return { connectionString: url.toString(), schema, display: `${display.toString().replace(/\/$/, '')}${schema === DEFAULT_PG_SCHEMA ? '' : `?schema=${schema}`}`.replace(/\?$/, '') };
}

/** Any text with the password of a postgres URL in it taken out. */
export function redact(text: string): string {
  return text.replace(/(postgres(?:ql)?:\/\/[^:/@\s]*):[^@\s]*@/gi, '$1@');
}
