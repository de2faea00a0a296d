/** The dicom-index command line, run as users and scripts run it: the bundled dist/cli.js. */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as fx from '../fixtures/dicomFiles';
import { makeTempDir, removeTempDir } from '../fixtures/tmp';
import { CLI, skipUnlessCliBuilt } from '../fixtures/builtCli';


function cli(args: string[], opts: { cwd?: string } = {}) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', cwd: opts.cwd, timeout: 60_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('dicom-index CLI', function () {
  this.timeout(60_000);
  let root: string;
  before(function () {
    skipUnlessCliBuilt(this);
    root = makeTempDir('dwi-cli-');
    fx.writeSeries(path.join(root, 'LIDC-IDRI-0001', 'study', 'series'), { count: 3, sliceThickness: 1.25, patientId: 'LIDC-IDRI-0001', patientName: 'Doe^Jane' });
    fx.writeSeries(path.join(root, 'LIDC-IDRI-0002', 'study', 'series'), { count: 2, sliceThickness: 2.5, patientId: 'LIDC-IDRI-0002', patientName: 'Roe^Richard' });
    fx.writeNotDicom(root, 'notes.dcm');
    fx.writeTruncatedCt(root, { where: 'pixels' });
  });
  after(() => root && removeTempDir(root));

  it('index: prints a one-line summary without patient data and writes <folder>/.dicom/index.sqlite', () => {
    const r = cli(['index', root]);
    assert.equal(r.code, 0, r.err);
    const lines = r.out.trim().split('\n');
    assert.equal(lines.length, 1);
    assert.match(lines[0], /^Indexed 7 files in [\d.]+ s; 6 DICOM \(5 ok, 1 partial\), 0 unreadable, 1 not DICOM; 0 unchanged, 0 removed\. Index: /);
    for (const secret of ['Doe', 'Jane', 'Roe', 'Richard', 'LIDC-IDRI-0001']) assert.ok(!r.out.includes(secret) && !r.err.includes(secret), secret);
    assert.ok(fs.existsSync(path.join(root, '.dicom', 'index.sqlite')));
    const again = cli(['index', root]);
    assert.match(again.out, /^Up to date: 7 files unchanged \([\d.]+ s\)\. Index: /);
  });

  it('stats --json prints the documented shape', () => {
    const r = cli(['stats', path.join(root, '.dicom', 'index.sqlite'), '--json']);
    assert.equal(r.code, 0, r.err);
    const s = JSON.parse(r.out);
    assert.equal(s.patients, 3, JSON.stringify(s)); // two series patients + the truncated file's own patient
    assert.equal(s.instances, 6);
    assert.deepEqual(s.files, { total: 7, ok: 5, partial: 1, error: 0, notDicom: 1 });
    assert.deepEqual(Object.keys(s.instancesPerStudy), ['mean', 'min', 'max']);
    assert.equal(s.sliceThickness.histogram['1.25'], 4); // 3 in the series + the truncated fixture (1.25 mm too)
    assert.equal(s.sliceThickness.histogram['2.5'], 2);
    assert.equal(typeof s.sliceThickness.missing, 'number');
    assert.equal(s.modalities.CT, 6);
    for (const k of ['patients', 'studies', 'series', 'instances', 'distinctSopInstances', 'files', 'instancesPerStudy', 'sliceThickness', 'modalities']) assert.ok(k in s, k);
  });

  it('stats without --json prints a readable table', () => {
    const r = cli(['stats', path.join(root, '.dicom', 'index.sqlite')]);
    assert.equal(r.code, 0);
    assert.match(r.out, /^Patients\s+3$/m);
    assert.match(r.out, /Slice thickness histogram/);
  });

  it('export --csv and --xlsx write files', () => {
    const csv = path.join(root, 'out.csv');
    const xlsx = path.join(root, 'out.xlsx');
    assert.equal(cli(['export', path.join(root, '.dicom', 'index.sqlite'), '--csv', csv]).code, 0);
    assert.equal(cli(['export', path.join(root, '.dicom', 'index.sqlite'), '--xlsx', xlsx]).code, 0);
    const text = fs.readFileSync(csv, 'utf8').replace(/^\uFEFF/, '');
    assert.ok(text.startsWith('path,status,PatientID,'));
    assert.equal(text.trim().split(/\r\n/).length, 8);
    assert.equal(fs.readFileSync(xlsx).subarray(0, 2).toString('latin1'), 'PK');
  });

  it('tags prints every element of a file, and --json the same rows', () => {
    const file = path.join(root, 'LIDC-IDRI-0001', 'study', 'series', '1-001.dcm');
    const t = cli(['tags', file]);
    assert.equal(t.code, 0, t.err);
    assert.match(t.out, /^\(0008,0018\) UI SOPInstanceUID\s+\S+/m);
    assert.match(t.out, /^\(0018,0050\) DS SliceThickness\s+1\.25$/m);
    const j = JSON.parse(cli(['tags', file, '--json']).out);
    assert.equal(j.status, 'ok');
    assert.ok(j.rows.find((r: { keyword: string; value: string }) => r.keyword === 'PatientName').value === 'Doe^Jane');
  });

  it('exits 2 with a clear message for every bad argument (a missing folder or a refused file included)', () => {
    const bad = cli(['index']);
    assert.equal(bad.code, 2);
    assert.match(bad.err, /expected one folder/);
    assert.equal(cli(['frobnicate']).code, 2);
    assert.equal(cli(['index', root, '--no-such-flag']).code, 2);
    const missing = cli(['index', path.join(root, 'does-not-exist')]);
    assert.equal(missing.code, 2);
    assert.match(missing.err, /the folder .*does-not-exist does not exist/);
    const notDb = path.join(root, 'notes.dcm');
    const s = cli(['stats', notDb]);
    assert.equal(s.code, 2);
    assert.match(s.err, /not an SQLite database/);
    assert.equal(fs.readFileSync(notDb, 'utf8').startsWith('This is not'), true, 'stats never moves or rewrites the file');
    assert.equal(cli(['export', path.join(root, '.dicom', 'index.sqlite')]).code, 2);
  });

  it('stats and export take the data folder (its default index), or say which file they looked for', () => {
    const viaFolder = JSON.parse(cli(['stats', root, '--json']).out);
    const viaFile = JSON.parse(cli(['stats', path.join(root, '.dicom', 'index.sqlite'), '--json']).out);
    assert.deepEqual(viaFolder, viaFile);
    const bare = path.join(root, 'LIDC-IDRI-0001');
    const r = cli(['stats', bare]);
    assert.equal(r.code, 2);
    assert.ok(r.err.includes(path.join(bare, '.dicom', 'index.sqlite')), r.err);
    assert.equal(cli(['stats', path.join(root, 'nope.sqlite')]).code, 2);
  });

  it('tags: a missing file says it does not exist (2); a non-DICOM file says so (1)', () => {
    const missing = cli(['tags', path.join(root, 'missing.dcm')]);
    assert.equal(missing.code, 2);
    assert.match(missing.err, /missing\.dcm does not exist/);
    const text = cli(['tags', path.join(root, 'notes.dcm')]);
    assert.equal(text.code, 1);
    assert.match(text.err, /notes\.dcm: not a DICOM file \(no DICM marker/);
  });

  it('plain stats says when the last index run did not finish', () => {
    const db = path.join(root, 'interrupted.sqlite');
    assert.equal(cli(['index', root, '--db', db]).code, 0);
    assert.doesNotMatch(cli(['stats', db]).err, /did not finish/);
    const py = spawnSync('python3', ['-c', "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute(\"UPDATE meta SET value='true' WHERE key='incomplete'\"); c.commit()", db]);
    assert.equal(py.status, 0);
    const r = cli(['stats', db]);
    assert.equal(r.code, 0);
    assert.match(r.err, /the last index run did not finish/);
  });

  it('--version prints the version of package.json', () => {
    const pkg = JSON.parse(fs.readFileSync(path.resolve(__dirname, '../../../package.json'), 'utf8')) as { version: string };
    assert.equal(cli(['--version']).out.trim(), pkg.version);
  });

  it('--no-patient-identity keeps names out of the database', () => {
    const db = path.join(root, 'anon.sqlite');
    assert.equal(cli(['index', root, '--db', db, '--no-patient-identity']).code, 0);
    const bytes = fs.readFileSync(db).toString('latin1');
    // Names and the PatientID values are gone (folder names are paths, stored as they are).
    assert.ok(!bytes.includes('Doe^Jane') && !bytes.includes('Roe^Richard'));
    const j = JSON.parse(cli(['stats', db, '--json']).out);
    assert.equal(j.patients, 3, 'hashed IDs still group patients');
  });
});
