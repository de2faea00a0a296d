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

/** What a dataset name (`--dataset`) and a schema name may be: a lower-case SQL name. */
export const DATASET_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * `--dataset NAME` names the schema: the URL gets `?schema=NAME` (one schema per dataset, so every
 * machine that gives the same name writes the same index, whatever path it mounts the data at). A
 * URL that names another schema already is a contradiction: refused.
 */
export function withDatasetSchema(raw: string, dataset: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return raw; // parsePgUrl says what is wrong with it
  }
  const given = url.searchParams.get('schema');
  if (given !== null && given !== dataset) throw new PgUrlError(`--dataset ${dataset} names the schema '${dataset}', but the URL names the schema '${given}': give one of them`);
  url.searchParams.set('schema', dataset);
  return url.toString();
}

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
  if (!DATASET_NAME.test(schema)) throw new PgUrlError(`schema '${schema}' must be a lower-case SQL name (letters, digits, _; at most 63)`);
  url.searchParams.delete('schema');
  const display = new URL(url.toString());
  display.password = '';
  return { connectionString: url.toString(), schema, display: `${display.toString().replace(/\/$/, '')}${schema === DEFAULT_PG_SCHEMA ? '' : `?schema=${schema}`}`.replace(/\?$/, '') };
}

/** Any text with the password of a postgres URL in it taken out. */
export function redact(text: string): string {
  return text.replace(/(postgres(?:ql)?:\/\/[^:/@\s]*):[^@\s]*@/gi, '$1@');
}

/** The URL with this password in it (for the connection only: never shown, never logged). */
export function withPassword(raw: string, password: string): string {
  const url = new URL(raw);
  url.password = password;
  return url.toString();
}

/** Does the URL itself carry a password? */
export const hasPassword = (raw: string): boolean => {
  try {
    return new URL(raw).password !== '';
  } catch {
    return false;
  }
};
