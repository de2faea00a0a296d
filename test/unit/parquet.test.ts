/**
 * The Parquet writer (src/core/export/parquet.ts, encoding by hyparquet-writer) read back by
 * another implementation: parquet-wasm, the Rust arrow-rs `parquet` crate compiled to WebAssembly,
 * with apache-arrow for the Arrow tables it returns.
 *
 * Our files carry no ARROW:schema footer entry, so arrow-rs derives each Arrow type from the
 * Parquet schema alone, and the Arrow types asserted here pin the Parquet types: Utf8 only for
 * BYTE_ARRAY with the UTF8/STRING annotation (Binary without it), Int64 only for INT64 (INT32 gives
 * Int32), Float64 for DOUBLE, Bool for BOOLEAN, List<Utf8> for a LIST-annotated group; `nullable`
 * is the OPTIONAL/REQUIRED repetition.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as arrow from 'apache-arrow';
import * as pw from 'parquet-wasm/node';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { PARQUET_CREATED_BY, ParquetColumn, writeParquet } from '../../src/core/export/parquet';
import { makeTempDir, removeTempDir } from '../fixtures/tmp';

interface ReadBack {
  table: arrow.Table;
  createdBy: string | undefined;
  keyValue: Map<unknown, unknown>;
  numRows: number;
  rowGroups: number[];
  codecs: Set<string>;
}

async function readBack(file: string): Promise<ReadBack> {
  const bytes = new Uint8Array(fs.readFileSync(file));
  const table = arrow.tableFromIPC(pw.readParquet(bytes).intoIPCStream());
  const pf = await pw.ParquetFile.fromFile(new Blob([bytes]));
  try {
    const md = pf.metadata();
    const fm = md.fileMetadata();
    return {
      table,
      createdBy: fm.createdBy(),
      keyValue: fm.keyValueMetadata(),
      numRows: fm.numRows(),
      rowGroups: md.rowGroups().map((g) => g.numRows()),
      codecs: new Set(md.rowGroups().flatMap((g) => g.columns().map((c) => pw.Compression[c.compression()]))),
    };
  } finally {
    pf.free();
  }
}

/** A column's values as plain JavaScript: null, string, bigint, number, boolean, string[]. */
function valuesOf(t: arrow.Table, name: string): unknown[] {
  const v = t.getChild(name);
  assert.ok(v, `column ${name} read back`);
  const out: unknown[] = [];
  for (let i = 0; i < v.length; i++) {
    const x: unknown = v.get(i);
    out.push(x instanceof arrow.Vector ? [...x] : x);
  }
  return out;
}

/** What each of our values reads back as (an int as a bigint: INT64). */
function expected(c: ParquetColumn): unknown[] {
  return c.values.map((x) => (x === null ? null : c.type === 'int' ? BigInt(x as number) : x));
}

/** Field name -> [Arrow type, nullable, and for a list: element type and nullability]. */
function schemaOf(t: arrow.Table): Record<string, unknown[]> {
  return Object.fromEntries(
    t.schema.fields.map((f) => {
      const child = (f.type as arrow.DataType).children?.[0];
      return [f.name, child ? [String(f.type), f.nullable, String(child.type), child.nullable] : [String(f.type), f.nullable]];
    }),
  );
}

const ARROW_TYPES: Record<string, unknown[]> = {
  uid: ['Utf8', true],
  count: ['Int64', true],
  thickness: ['Float64', true],
  contrast: ['Bool', true],
  tags: ['List<Utf8>', true, 'Utf8', false],
};

function everyType(values: { uid: (string | null)[]; count: (number | null)[]; thickness: (number | null)[]; contrast: (boolean | null)[]; tags: (string[] | null)[] }): ParquetColumn[] {
  return [
    { name: 'uid', type: 'string', values: values.uid },
    { name: 'count', type: 'int', values: values.count },
    { name: 'thickness', type: 'double', values: values.thickness },
    { name: 'contrast', type: 'boolean', values: values.contrast },
    { name: 'tags', type: 'string_list', values: values.tags },
  ];
}

describe('Parquet export writer (read back with parquet-wasm / arrow-rs)', () => {
  let dir: string;
  beforeEach(() => (dir = makeTempDir('dwi-parquet-')));
  afterEach(() => removeTempDir(dir));

  it('every type, nulls, unicode, edge values: types, values, row count and footer as another reader sees them', async () => {
    const columns = everyType({
      uid: ['1.2.840.10008.1', null, '', 'Ünïcødé 日本語 🩻 \u0000 "q" , \r\n', 'x'.repeat(5000)],
      count: [0, null, -1, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER],
      thickness: [0.625, null, -2.5e-300, Number.MAX_VALUE, 1 / 3],
      contrast: [true, null, false, true, false],
      tags: [['CHEST', 'LUNG'], null, [], ['tête', '頭部', ''], ['one']],
    });
    const file = path.join(dir, 'cohort.parquet');
    const result = await writeParquet(file, columns);
    assert.deepEqual(result, { rows: 5, bytes: fs.statSync(file).size });
    const head = Buffer.alloc(4);
    const fd = fs.openSync(file, 'r');
    fs.readSync(fd, head, 0, 4, 0);
    fs.closeSync(fd);
    assert.equal(head.toString('latin1'), 'PAR1');

    const rb = await readBack(file);
    assert.equal(rb.numRows, 5);
    assert.equal(rb.table.numRows, 5);
    assert.deepEqual(schemaOf(rb.table), ARROW_TYPES);
    for (const c of columns) assert.deepEqual(valuesOf(rb.table, c.name), expected(c), c.name);
    assert.equal(rb.createdBy, PARQUET_CREATED_BY);
    assert.equal(rb.keyValue.size, 0, 'no key-value metadata');
    assert.deepEqual([...rb.codecs], ['SNAPPY']);
    assert.deepEqual(fs.readdirSync(dir), ['cohort.parquet'], 'no temporary file left');
  });

  it('zero rows: refused, nothing written', async () => {
    const file = path.join(dir, 'empty.parquet');
    await assert.rejects(writeParquet(file, everyType({ uid: [], count: [], thickness: [], contrast: [], tags: [] })), /at least one row; nothing was written/);
    assert.deepEqual(fs.readdirSync(dir), []);
  });

  // Why zero rows are refused. When this fails, hyparquet-writer's file of no rows has become
  // readable by arrow-rs: let writeParquet write such files, and test them like the others.
  it("hyparquet-writer's file of no rows (empty row-group list, Thrift element type 0) is refused by arrow-rs", () => {
    const bytes = new Uint8Array(
      parquetWriteBuffer({
        columnData: [{ name: 'n', data: [] }],
        schema: [
          { name: 'schema', num_children: 1 },
          { name: 'n', type: 'INT64', repetition_type: 'OPTIONAL' },
        ],
      }),
    );
    assert.throws(() => pw.readParquet(bytes), /Expected list element type of Struct/);
  });

  it('a column of nulls only', async () => {
    const file = path.join(dir, 'nulls.parquet');
    const n = [null, null, null];
    await writeParquet(file, everyType({ uid: n, count: n, thickness: n, contrast: n, tags: n }));
    const rb = await readBack(file);
    assert.deepEqual(schemaOf(rb.table), ARROW_TYPES);
    for (const name of Object.keys(ARROW_TYPES)) assert.deepEqual(valuesOf(rb.table, name), n, name);
  });

  it('10,000 rows over several row groups: every value back in order', async () => {
    const N = 10_000;
    const uid: (string | null)[] = [];
    const count: (number | null)[] = [];
    const thickness: (number | null)[] = [];
    const contrast: (boolean | null)[] = [];
    const tags: (string[] | null)[] = [];
    for (let i = 0; i < N; i++) {
      uid.push(i % 97 === 0 ? null : `1.3.6.1.4.1.14519.5.2.1.${i}.${(i * 7919) % 10007}`);
      count.push(i % 89 === 0 ? null : i * 1_000_003 - 5_000_000_000);
      thickness.push(i % 83 === 0 ? null : (i % 50) * 0.125 + i / 1e6);
      contrast.push(i % 79 === 0 ? null : i % 3 === 0);
      tags.push(i % 73 === 0 ? null : Array.from({ length: i % 4 }, (_, j) => (j === 1 ? `série ${i}` : `T${j}`)));
    }
    const columns = everyType({ uid, count, thickness, contrast, tags });
    const file = path.join(dir, 'big.parquet');
    const result = await writeParquet(file, columns);
    assert.equal(result.rows, N);
    const rb = await readBack(file);
    assert.equal(rb.numRows, N);
    assert.equal(rb.table.numRows, N);
    assert.ok(rb.rowGroups.length > 1, `row groups: ${rb.rowGroups.join(', ')}`);
    assert.equal(
      rb.rowGroups.reduce((a, b) => a + b, 0),
      N,
    );
    assert.deepEqual(schemaOf(rb.table), ARROW_TYPES);
    for (const c of columns) assert.deepEqual(valuesOf(rb.table, c.name), expected(c), c.name);
  });

  it('columns of different lengths: throws, and writes nothing (a new file is not created, an old one is kept)', async () => {
    const columns: ParquetColumn[] = [
      { name: 'a', type: 'string', values: ['x', 'y'] },
      { name: 'b', type: 'int', values: [1] },
    ];
    const fresh = path.join(dir, 'fresh.parquet');
    await assert.rejects(writeParquet(fresh, columns), /same length.*"a" has 2 values, "b" 1/);
    assert.equal(fs.existsSync(fresh), false);
    const old = path.join(dir, 'old.parquet');
    fs.writeFileSync(old, 'the previous export');
    await assert.rejects(writeParquet(old, columns), /same length/);
    assert.equal(fs.readFileSync(old, 'utf8'), 'the previous export');
    assert.deepEqual(fs.readdirSync(dir), ['old.parquet'], 'no temporary file left');
  });

  it('a value of the wrong type, no columns or a repeated name: throws, writes nothing', async () => {
    const file = path.join(dir, 'bad.parquet');
    const bad: [ParquetColumn[], RegExp][] = [
      [[{ name: 'n', type: 'int', values: [1, 1.5] }], /"n" \(int\), row 1: number 1\.5 is not a safe integer/],
      [[{ name: 'n', type: 'int', values: [2 ** 53] }], /row 0: number 9007199254740992 is not a safe integer/],
      [[{ name: 's', type: 'string', values: ['a', 3] }], /"s" \(string\), row 1: number 3 is not a string/],
      [[{ name: 'd', type: 'double', values: ['1'] }], /row 0: the string "1" is not a number/],
      [[{ name: 'b', type: 'boolean', values: [0] }], /row 0: number 0 is not a boolean/],
      [[{ name: 'l', type: 'string_list', values: ['a'] }], /"l" \(string_list\), row 0: the string "a" is not an array of strings/],
      [[{ name: 'l', type: 'string_list', values: [['a', null as unknown as string]] }], /an array \(string, null\) is not an array of strings/],
      [[{ name: 'u', type: 'string', values: [undefined as unknown as null] }], /undefined is not a string or null/],
      [[], /at least one column/],
      [
        [
          { name: 'x', type: 'int', values: [] },
          { name: 'x', type: 'double', values: [] },
        ],
        /Two Parquet columns are named "x"/,
      ],
      [[{ name: '', type: 'int', values: [] }], /non-empty name/],
    ];
    for (const [columns, message] of bad) {
      await assert.rejects(writeParquet(file, columns), message);
      assert.deepEqual(fs.readdirSync(dir), [], String(message));
    }
  });
});
