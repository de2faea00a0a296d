/**
 * Bad files through the core: each one gets a status and a one-line reason, none stops the run or
 * takes long, the rest is indexed. The files come from test/fixtures/hostile.ts (raw bytes and
 * dcmjs), never from the code under test.
 */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readHeader, readHeaderSync } from '../../src/core/dicom/header/read';
import type { HeaderRead } from '../../src/core/dicom/header/types';
import { extractFields } from '../../src/core/dicom/extract';
import { dumpDataSet } from '../../src/core/dicom/dump';
import { pixelSummary } from '../../src/core/dicom/pixelStats';
import { indexFolder } from '../../src/core/indexer';
import { IndexDatabase } from '../../src/core/db/database';
import { computeStats, Stats } from '../../src/core/stats';
import * as hx from '../fixtures/hostile';
import * as fx from '../fixtures/dicomFiles';
import { makeTempDir, removeTempDir } from '../fixtures/tmp';
import { CLI } from '../fixtures/builtCli';

/** A hang, not a performance target: the slowest hostile file reads in well under a second here. */
const PER_FILE_BUDGET_MS = 5000;

type Row = Record<string, string | number | null>;

async function rowsOf(dbPath: string, sql = 'SELECT * FROM file_rows'): Promise<Row[]> {
  const idx = await IndexDatabase.open(dbPath, { readOnly: true });
  try {
    return idx.all<Row>(sql);
  } finally {
    idx.close();
  }
}

async function statsOf(dbPath: string): Promise<Stats> {
  const idx = await IndexDatabase.open(dbPath, { readOnly: true });
  try {
    return await computeStats(idx);
  } finally {
    idx.close();
  }
}

function assertReason(name: string, status: string, error: string | null, c?: hx.HostileCase) {
  if (status === 'ok') {
    assert.equal(error, null, `${name}: ok but reason ${error}`);
    return;
  }
  assert.ok(error && error.trim().length > 0, `${name}: ${status} without a reason`);
  assert.ok(!/[\r\n]/.test(error), `${name}: reason is not one line: ${JSON.stringify(error)}`);
  assert.ok(error.length <= 300, `${name}: reason of ${error.length} chars`);
  if (c?.reason) assert.match(error, c.reason, name);
}

/** Same value for the index: absent and empty are one (null / ''). */
function sameValue(got: unknown, want: unknown): boolean {
  if (want === null) return got === null || got === '';
  if (typeof want === 'number') return typeof got === 'number' && Math.abs(got - want) < 1e-9;
  return got === want;
}

describe('hostile files', function () {
  this.timeout(120_000);
  let dir: string;
  let manifest: hx.HostileManifest;
  const rejections: unknown[] = [];
  const onRejection = (e: unknown) => rejections.push(e);

  before(() => {
    process.on('unhandledRejection', onRejection);
    dir = makeTempDir('dwi-hostile-');
    manifest = hx.writeHostileCases(path.join(dir, 'cases'));
  });
  after(() => {
    process.off('unhandledRejection', onRejection);
    if (dir) {
      hx.restorePermissions(path.join(dir, 'cases'));
      removeTempDir(dir);
    }
  });
  afterEach(() => assert.deepEqual(rejections, [], 'unhandled promise rejections'));

  it('the generator covers every case of the hardening issue', () => {
    const names = Object.keys(manifest);
    assert.ok(names.length >= 90, `${names.length} cases`);
    for (const must of ['trunc-in-preamble', 'trunc-after-dicm', 'trunc-in-meta', 'trunc-in-element-header', 'trunc-in-value', 'trunc-in-pixels', 'empty', 'jpeg', 'text', 'html', 'random', 'dicm-garbage', 'gzip', 'directory', 'nested-defined', 'nested-undefined', 'length-fffffff0', 'meta-explicit-data-implicit', 'unknown-ts', 'deflate-corrupt', 'deflate-bomb', 'private-tags', 'big-value', 'rows-65535', 'same-tag-twice', 'latin1', 'utf8', 'iso2022-japanese', 'iso2022-korean', 'gb18030', 'unknown-term', 'invalid-utf8', 'control-bytes', 'duplicate SOP a', 'uid padded with space', 'unreadable', '40 folders deep']) {
      assert.ok(must in manifest, must);
    }
    for (const [name, c] of Object.entries(manifest)) {
      assert.ok(fs.lstatSync(path.join(dir, 'cases', c.relPath), { throwIfNoEntry: false }), `${name}: ${c.relPath} not written`);
      assert.ok(c.note.length > 0);
    }
  });

  it('each case: both readers give the expected status and a one-line reason, fields extract, within the per-file budget', async () => {
    const timings: [string, number][] = [];
    const wrong: string[] = [];
    for (const [name, c] of Object.entries(manifest)) {
      const abs = path.join(dir, 'cases', c.relPath);
      const t0 = performance.now();
      const sync = readHeaderSync(abs);
      const ms = performance.now() - t0;
      timings.push([name, ms]);
      const asyncRead: HeaderRead = await readHeader(abs);
      assert.equal(asyncRead.status, sync.status, `${name}: async ${asyncRead.status} (${asyncRead.error}) vs sync ${sync.status} (${sync.error})`);
      assert.equal(asyncRead.errorKind, sync.errorKind, name);
      // Which of our limits stops a parse first (the element count or the time) depends on the
      // machine's speed at that moment; any other reason must be the same.
      if (sync.errorKind !== 'limit') assert.equal(asyncRead.error, sync.error, name);
      if (!hx.statusesOf(c).includes(sync.status)) wrong.push(`${name}: ${sync.status} (${sync.error}), expected ${hx.statusesOf(c).join('|')}`);
      assertReason(name, sync.status, sync.error, c);
      if (sync.status === 'ok') assert.equal(sync.errorKind, null, name);
      else {
        assert.ok(sync.errorKind, `${name}: ${sync.status} without an error kind`);
        if (c.kind) assert.equal(sync.errorKind, c.kind, `${name}: kind`);
      }
      if (sync.dataSet && (sync.status === 'ok' || sync.status === 'partial')) {
        const ex = extractFields(sync.dataSet, sync.transferSyntax);
        for (const [k, want] of Object.entries(c.expect ?? {})) assert.ok(sameValue(ex.values[k], want), `${name} ${k}: ${JSON.stringify(ex.values[k])} vs ${JSON.stringify(want)}`);
        for (const v of Object.values(ex.values)) if (typeof v === 'string') assert.ok(v.length <= 4097, `${name}: a value of ${v.length} chars`);
        const rows = dumpDataSet(sync.dataSet);
        assert.ok(rows.length > 0 && rows.length <= 5000, `${name}: ${rows.length} tag rows`);
        for (const r of rows) assert.ok(![...r.value].some((ch) => ch.charCodeAt(0) < 0x20), `${name}: control character in a displayed tag value`);
        await pixelSummary(abs, sync, ex.values); // must not throw, whatever the header claims
      } else {
        assert.equal(sync.dataSet, null, `${name}: a data set with status ${sync.status}`);
      }
    }
    assert.deepEqual(wrong, []);
    timings.sort((a, b) => b[1] - a[1]);
    assert.ok(timings[0][1] < PER_FILE_BUDGET_MS, `slowest: ${timings[0][0]} ${timings[0][1].toFixed(0)} ms`);
  });

  it('sequences nested thousands deep end as "nested too deep", not a stack overflow', () => {
    for (const name of ['nested-defined', 'nested-undefined', 'nested-implicit-defined', 'nested-implicit-undefined']) {
      const h = readHeaderSync(path.join(dir, 'cases', manifest[name].relPath));
      assert.ok(h.status === 'partial' || h.status === 'error', `${name}: ${h.status}`);
      assert.match(h.error ?? '', /nested too deep/, name);
    }
  });

  it('a deflate bomb stops at the inflate limit, a smaller limit stops it sooner', () => {
    const file = path.join(dir, 'cases', manifest['deflate-bomb'].relPath);
    assert.ok(fs.statSync(file).size < 2 * 1024 * 1024);
    const h = readHeaderSync(file);
    assert.equal(h.status, 'error');
    assert.match(h.error!, /expands beyond the 256 MiB limit/);
    assert.equal(h.errorKind, 'limit');
    const small = readHeaderSync(file, { firstRead: 16384, maxHeaderBytes: 64 << 20, maxInflatedBytes: 1 << 20 });
    assert.match(small.error!, /expands beyond the 1 MiB limit/);
  });

  it('an index run over every case: each file a row with its status and reason, links and folders not rows, nothing thrown', async () => {
    const root = path.join(dir, 'cases');
    const logs: string[] = [];
    const result = await indexFolder(root, { pixelStats: true, log: (m) => logs.push(m) });
    const db = result.dbPath;
    const rows = await rowsOf(db);
    const byPath = new Map(rows.map((r) => [r.path as string, r]));
    const problems: string[] = [];
    for (const [name, c] of Object.entries(manifest)) {
      const row = byPath.get(c.relPath);
      if (c.indexed === false) {
        if (row) problems.push(`${name}: indexed as ${row.status}, should not be listed`);
        continue;
      }
      if (!row) {
        problems.push(`${name}: no files row for ${c.relPath}`);
        continue;
      }
      if (!hx.statusesOf(c).includes(row.status as hx.HostileStatus)) problems.push(`${name}: ${row.status} (${row.error})`);
      assertReason(name, row.status as string, row.error as string | null, c);
      for (const [k, want] of Object.entries(c.expect ?? {})) if (!sameValue(row[k], want)) problems.push(`${name} ${k}: ${JSON.stringify(row[k])} vs ${JSON.stringify(want)}`);
    }
    assert.deepEqual(problems, []);
    const expectedRows = Object.values(manifest).filter((c) => c.indexed !== false).length;
    assert.equal(rows.length, expectedRows, `rows: ${rows.map((r) => r.path).join(', ')}`);
    assert.equal(result.counts.ok + result.counts.partial + result.counts.error + result.counts.not_dicom, expectedRows);
    // A second run reads nothing again (the bad files are remembered, not retried).
    const again = await indexFolder(root, { pixelStats: true });
    assert.equal(again.read, 0);
    assert.equal(again.unchanged, expectedRows);
  });

  it('a file that cannot be read is an error row (skipped as root: permissions do not stop root)', async function () {
    if (hx.RUNNING_AS_ROOT) {
      console.log('      (skipped: the tests run as root, whom chmod 000 does not stop; the file is read like any other)');
      this.skip();
    }
    const h = readHeaderSync(path.join(dir, 'cases', manifest.unreadable.relPath));
    assert.equal(h.status, 'error');
    assert.equal(h.error, 'cannot be read: permission denied');
    assert.equal(h.errorKind, 'io');
  });

  it('a file deleted, truncated or replaced by a folder between scan and read is reported, the rest indexed', async () => {
    const root = makeTempDir('dwi-hostile-race-');
    try {
      const s = fx.writeSeries(root, { count: 6, sliceThickness: 2, fileNamePrefix: 'f' });
      let done = false;
      const r = await indexFolder(root, {
        // One file at a time, so that the others are changed before they are read (with reads in
        // flight all six are opened before the first progress report).
        ioMode: 'sync',
        onProgress: (p) => {
          if (p.phase !== 'read' || done) return;
          done = true;
          // The scan has listed every file; the first has been read. Change the others under the reader.
          fs.rmSync(s.paths[3]);
          fs.truncateSync(s.paths[4], 200);
          fs.rmSync(s.paths[5]);
          fs.mkdirSync(s.paths[5]);
        },
      });
      assert.ok(done, 'the read phase reported progress');
      const rows = new Map((await rowsOf(r.dbPath)).map((x) => [x.path as string, x]));
      assert.equal(rows.get('f001.dcm')?.status, 'ok');
      assert.equal(rows.get('f003.dcm')?.status, 'ok');
      const gone = rows.get('f004.dcm')!;
      assert.equal(gone.status, 'error');
      assert.match(gone.error as string, /disappeared/);
      const cut = rows.get('f005.dcm')!;
      assert.ok(cut.status === 'partial' || cut.status === 'error', `truncated: ${cut.status}`);
      assertReason('truncated under the reader', cut.status as string, cut.error as string);
      const folder = rows.get('f006.dcm')!;
      assert.equal(folder.status, 'not_dicom');
      assertReason('replaced by a folder', folder.status as string, folder.error as string);
      // The next run forgets the deleted file and re-reads the changed ones.
      const again = await indexFolder(root);
      assert.ok(again.removed >= 1);
      const after = new Map((await rowsOf(r.dbPath)).map((x) => [x.path as string, x]));
      assert.ok(!after.has('f004.dcm'));
    } finally {
      removeTempDir(root);
    }
  });

  it('SliceThickness: four spellings of 1.25 are one histogram bin; the rest no number, counted missing or invalid', async () => {
    const root = makeTempDir('dwi-hostile-thick-');
    try {
      hx.writeSliceThicknessCases(root);
      const r = await indexFolder(root);
      assert.equal(r.counts.ok, 13);
      const s = await statsOf(r.dbPath);
      assert.deepEqual(s.sliceThickness.histogram, { '1.25': 4 });
      assert.equal(s.sliceThickness.min, 1.25);
      assert.equal(s.sliceThickness.max, 1.25);
      // 7 invalid values, an empty one and an absent one: 9 without a thickness, 7 of them invalid.
      assert.equal(s.sliceThickness.missing, hx.INVALID_THICKNESS.length + 2);
      assert.equal(s.sliceThickness.invalid, hx.INVALID_THICKNESS.length);
      const invalid = (await rowsOf(r.dbPath, 'SELECT SliceThicknessInvalid AS v FROM file_rows WHERE SliceThicknessInvalid IS NOT NULL')).map((x) => x.v);
      assert.deepEqual(new Set(invalid), new Set(hx.INVALID_THICKNESS));
    } finally {
      removeTempDir(root);
    }
  });

  it('keys: missing and empty keys still indexed and counted; a duplicated SOPInstanceUID keeps both files; NUL and space padding are one UID', async () => {
    const root = makeTempDir('dwi-hostile-keys-');
    try {
      const m = hx.writeKeyCases(root);
      const r = await indexFolder(root);
      const n = Object.keys(m).length;
      assert.deepEqual(r.counts, { ok: n, partial: 0, error: 0, not_dicom: 0 });
      const s = await statsOf(r.dbPath);
      assert.equal(s.instances, n);
      // Each missing/empty key: 2 files (missing + empty) per key.
      assert.deepEqual(s.missingKeys, { PatientID: 2, StudyInstanceUID: 2, SeriesInstanceUID: 2, SOPInstanceUID: 2 });
      assert.equal(s.duplicateSopInstances, 1);
      // n files, 2 without a SOPInstanceUID, two sharing one.
      assert.equal(s.distinctSopInstances, n - 2 - 1);
      const rows = await rowsOf(r.dbPath);
      const pad = rows.filter((x) => /pad-/.test(x.path as string));
      assert.equal(pad.length, 2);
      assert.equal(pad[0].series_id, pad[1].series_id, 'NUL- and space-padded UIDs: one series');
      assert.equal(pad[0].study_id, pad[1].study_id, 'one study');
      assert.equal(new Set(pad.map((x) => x.StudyInstanceUID)).size, 1);
      const dups = rows.filter((x) => /dup-sop/.test(x.path as string));
      assert.equal(dups.length, 2);
      assert.equal(dups[0].SOPInstanceUID, dups[1].SOPInstanceUID);
      // Patients/studies/series count non-empty keys only: every file but the PatientID ones is
      // patient KEYS-PATIENT or KEYS-PAD; studies: a fresh UID per file except the padded pair and
      // the files without one.
      assert.equal(s.patients, 2);
      const studies = new Set(rows.map((x) => x.StudyInstanceUID).filter((u) => u));
      assert.equal(s.studies, studies.size);
      const series = new Set(rows.map((x) => x.SeriesInstanceUID).filter((u) => u));
      assert.equal(s.series, series.size);
    } finally {
      removeTempDir(root);
    }
  });

  it('privacy: the log of an index run and the CLI output carry no patient data', async function () {
    const root = makeTempDir('dwi-hostile-privacy-');
    try {
      const secrets = {
        PatientName: 'Zyxwvut^Qqqrrrsss',
        PatientID: 'PIDSECRET4242',
        StudyDate: '19310217',
        AccessionNumber: 'ACCSECRET77',
        StudyDescription: 'DESCSECRETXYZ',
        SeriesDescription: 'SERDESCSECRET',
        PatientBirthDate: '19290101',
      };
      fx.writeSeries(path.join(root, 'a', 'b'), { count: 3, sliceThickness: 1.25, patientId: secrets.PatientID, patientName: secrets.PatientName, seriesDescription: secrets.SeriesDescription, overrides: { StudyDate: secrets.StudyDate, AccessionNumber: secrets.AccessionNumber, StudyDescription: secrets.StudyDescription, PatientBirthDate: secrets.PatientBirthDate } });
      // Bad files too: their reasons must not quote values either.
      const bad = fx.buildCt('explicitLittle', { overrides: { PatientID: secrets.PatientID, PatientName: secrets.PatientName, StudyDate: secrets.StudyDate, AccessionNumber: secrets.AccessionNumber } }).buffer;
      fs.writeFileSync(path.join(root, 'a', 'cut.dcm'), bad.subarray(0, Math.floor(bad.length * 0.6)));
      fs.writeFileSync(path.join(root, 'a', 'x1.dcm'), bad.subarray(0, 700));
      const logs: string[] = [];
      const r = await indexFolder(root, { log: (m) => logs.push(m), onProgress: (p) => logs.push(JSON.stringify(p)) });
      const text = logs.join('\n') + JSON.stringify(r);
      for (const [k, v] of Object.entries(secrets)) for (const part of v.split('^')) assert.ok(!text.includes(part), `log shows ${k}`);
      const errors = (await rowsOf(r.dbPath, 'SELECT error FROM files WHERE error IS NOT NULL')).map((x) => String(x.error)).join('\n');
      for (const [k, v] of Object.entries(secrets)) for (const part of v.split('^')) assert.ok(!errors.includes(part), `a reason quotes ${k}`);
      if (!fs.existsSync(CLI)) {
        console.log('      (CLI part skipped: dist/cli.js is not built; run `npm run build`)');
        return;
      }
      for (const args of [['index', root, '--rebuild'], ['index', root, '--json'], ['stats', r.dbPath], ['stats', r.dbPath, '--json']]) {
        const c = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 60_000 });
        assert.equal(c.status, 0, c.stderr);
        for (const [k, v] of Object.entries(secrets)) for (const part of v.split('^')) assert.ok(!c.stdout.includes(part) && !c.stderr.includes(part), `dicom-index ${args[0]} prints ${k}`);
      }
    } finally {
      removeTempDir(root);
    }
  });
});
