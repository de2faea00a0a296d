/**
 * Parquet export: a table of typed, nullable columns written as one Apache Parquet file, for
 * pandas, polars, DuckDB and Spark. The encoding is done by hyparquet-writer (pure JavaScript, no
 * WebAssembly or native module); this module only maps our column types to a Parquet schema,
 * checks the values, and puts the file in place atomically.
 *
 * Types: 'string' is BYTE_ARRAY annotated UTF8, 'int' INT64 (a JavaScript safe integer), 'double'
 * DOUBLE, 'boolean' BOOLEAN, 'string_list' the standard three-level LIST of UTF8 strings (a row's
 * list may be empty or null; its elements are never null). Every column is OPTIONAL: null is a
 * missing value. Pages are Snappy-compressed. The footer names this program in created_by and
 * carries no other key-value metadata.
 *
 * A file of no rows is refused: hyparquet-writer (0.17.0) writes the footer's empty row-group list
 * with Thrift element type 0, which the Thrift compact protocol does not allow, and arrow-rs (the
 * Rust Parquet reader behind DataFusion, delta-rs and parquet-wasm) refuses such a file. The test
 * "hyparquet-writer's file of no rows" in test/unit/parquet.test.ts shows when that is fixed.
 */
import { parquetWriteBuffer } from 'hyparquet-writer';
import type { ColumnSource, SchemaElement } from 'hyparquet-writer';
import { writeFileAtomic } from '../atomicFile';

export type ParquetType = 'string' | 'int' | 'double' | 'boolean' | 'string_list';

export interface ParquetColumn {
  name: string;
  type: ParquetType;
  values: ReadonlyArray<string | number | boolean | null | string[]>;
}

/** The FileMetaData.created_by of every file written here. */
export const PARQUET_CREATED_BY = 'dicom-workspace-index';

/**
 * Writes `columns` to `file` as Parquet: the whole file is encoded in memory, then written beside
 * the target and renamed over it. The columns are checked first (at least one, unique non-empty
 * names, all the same length, at least one row, every value of its column's type or null): on any
 * error nothing is written. Returns the row count and the file's size in bytes.
 */
export async function writeParquet(file: string, columns: readonly ParquetColumn[]): Promise<{ rows: number; bytes: number }> {
  const rows = checkShape(columns);
  const schema: SchemaElement[] = [{ name: 'schema', num_children: columns.length }];
  const columnData: ColumnSource[] = [];
  for (const c of columns) {
    schema.push(...schemaOf(c));
    columnData.push({ name: c.name, data: dataOf(c) });
  }
  const bytes = new Uint8Array(parquetWriteBuffer({ columnData, schema, codec: 'SNAPPY', createdBy: PARQUET_CREATED_BY }));
  writeFileAtomic(file, bytes);
  return { rows, bytes: bytes.byteLength };
}

function checkShape(columns: readonly ParquetColumn[]): number {
  if (columns.length === 0) throw new Error('A Parquet file needs at least one column.');
  const names = new Set<string>();
  for (const c of columns) {
    if (typeof c.name !== 'string' || c.name === '') throw new Error('Every Parquet column needs a non-empty name.');
    if (names.has(c.name)) throw new Error(`Two Parquet columns are named ${JSON.stringify(c.name)}.`);
    names.add(c.name);
  }
  const rows = columns[0].values.length;
  for (const c of columns)
    if (c.values.length !== rows)
      throw new Error(`Parquet columns must all have the same length: ${JSON.stringify(columns[0].name)} has ${rows} values, ${JSON.stringify(c.name)} ${c.values.length}.`);
  if (rows === 0) throw new Error('A Parquet export needs at least one row; nothing was written.');
  return rows;
}

function schemaOf(c: ParquetColumn): SchemaElement[] {
  const name = c.name;
  const repetition_type = 'OPTIONAL';
  switch (c.type) {
    case 'string':
      return [{ name, type: 'BYTE_ARRAY', converted_type: 'UTF8', logical_type: { type: 'STRING' }, repetition_type }];
    case 'int':
      return [{ name, type: 'INT64', repetition_type }];
    case 'double':
      return [{ name, type: 'DOUBLE', repetition_type }];
    case 'boolean':
      return [{ name, type: 'BOOLEAN', repetition_type }];
    case 'string_list':
      return [
        { name, converted_type: 'LIST', logical_type: { type: 'LIST' }, repetition_type, num_children: 1 },
        { name: 'list', repetition_type: 'REPEATED', num_children: 1 },
        { name: 'element', type: 'BYTE_ARRAY', converted_type: 'UTF8', logical_type: { type: 'STRING' }, repetition_type: 'REQUIRED' },
      ];
    default:
      throw new Error(`Parquet column ${JSON.stringify(name)} has an unknown type ${JSON.stringify(c.type as string)}.`);
  }
}

/** The column's values in the form hyparquet-writer takes; throws on a value of the wrong type. */
function dataOf(c: ParquetColumn): unknown[] {
  const bad = (row: number, v: unknown, want: string) =>
    new TypeError(`Parquet column ${JSON.stringify(c.name)} (${c.type}), row ${row}: ${describe(v)} is not ${want}.`);
  const out = new Array<unknown>(c.values.length);
  c.values.forEach((v, row) => {
    if (v === null) {
      out[row] = null;
      return;
    }
    switch (c.type) {
      case 'string':
        if (typeof v !== 'string') throw bad(row, v, 'a string or null');
        out[row] = v;
        return;
      case 'int':
        if (typeof v !== 'number' || !Number.isSafeInteger(v)) throw bad(row, v, 'a safe integer or null');
        out[row] = BigInt(v);
        return;
      case 'double':
        if (typeof v !== 'number') throw bad(row, v, 'a number or null');
        out[row] = v;
        return;
      case 'boolean':
        if (typeof v !== 'boolean') throw bad(row, v, 'a boolean or null');
        out[row] = v;
        return;
      case 'string_list':
        if (!Array.isArray(v) || !v.every((e) => typeof e === 'string')) throw bad(row, v, 'an array of strings or null');
        out[row] = v.slice();
        return;
    }
  });
  return out;
}

function describe(v: unknown): string {
  if (v === undefined) return 'undefined';
  if (Array.isArray(v)) return `an array (${v.map((e) => (e === null ? 'null' : typeof e)).join(', ')})`;
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)}`;
  return `${typeof v} ${String(v)}`;
}
