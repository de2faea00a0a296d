/**
 * Data safety, through the bundled CLI as users run it: a database or export path that names
 * something the tool did not write is refused (exit 2, a clear message) and left exactly as it was;
 * only an index of ours is rebuilt or moved aside. Foreign SQLite files are written by Python's
 * sqlite3 module (an independent writer).
 */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DatabaseRefusedError, IndexDatabase } from '../../src/core/db/database';
import * as fx from '../fixtures/dicomFiles';
import { makeTempDir, removeTempDir } from '../fixtures/tmp';
import { CLI, skipUnlessCliBuilt } from '../fixtures/builtCli';


function cli(args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** Every entry below `p` (or `p` itself): name, type, size, mtime and a hash of the bytes. */
function snapshot(p: string): string[] {
  const out: string[] = [];
  const visit = (q: string, rel: string) => {
    const st = fs.lstatSync(q);
    if (st.isDirectory()) {
      out.push(`${rel}/ d ${st.mtimeMs}`);
      for (const n of fs.readdirSync(q).sort()) visit(path.join(q, n), `${rel}/${n}`);
    } else if (st.isSymbolicLink()) {
      out.push(`${rel} -> ${fs.readlinkSync(q)}`);
    } else {
      out.push(`${rel} ${st.size} ${st.mtimeMs} ${crypto.createHash('sha256').update(fs.readFileSync(q)).digest('hex')}`);
    }
  };
  visit(p, '.');
  return out;
}

function pythonSqlite(file: string, sql: string): void {
  const r = spawnSync('python3', ['-c', 'import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.executescript(sys.argv[2]); c.commit(); c.close()', file, sql], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
}

describe('data safety: paths that are not ours are refused and left as they were', function () {
  this.timeout(120_000);
  let base: string;
  let data: string;

  before(function () {
    skipUnlessCliBuilt(this);
    base = makeTempDir('dwi-safety-');
    data = path.join(base, 'data');
    fx.writeSeries(path.join(data, 'P1', 'study', 'series'), { count: 3, sliceThickness: 1.25, patientId: 'P1', patientName: 'Doe^Jane' });
  });
  after(() => base && removeTempDir(base));

  /** Runs `args`, expects exit 2 and a refusal naming `refused`, and nothing changed under `base`. */
  function expectRefused(args: string[], refused: string, reason: RegExp) {
    const before = snapshot(base);
    const r = cli(args);
    assert.equal(r.code, 2, `exit code; stderr: ${r.err}`);
    assert.match(r.err, /Refused to/);
    assert.ok(r.err.includes(refused), `the message names the path: ${r.err}`);
    assert.match(r.err, reason);
    assert.deepEqual(snapshot(base), before, 'nothing under the temp folder changed (bytes, listing, mtimes)');
  }

  it('--db naming a folder: refused, the folder and its contents untouched, no .corrupt or .lock beside it', () => {
    const folder = path.join(base, 'some', 'folder');
    fs.mkdirSync(folder, { recursive: true });
    fs.writeFileSync(path.join(folder, 'keep.txt'), 'mine');
    expectRefused(['index', data, '--db', folder], folder, /is a folder/);
  });

  it('--db naming the data folder itself: refused', () => {
    expectRefused(['index', data, '--db', data], data, /is the data folder itself/);
  });

  it('--db naming a CSV, an empty file, a DICOM file: refused (not SQLite)', () => {
    const csv = path.join(base, 'metadata.csv');
    fs.writeFileSync(csv, 'path,status\r\na.dcm,ok\r\n');
    expectRefused(['index', data, '--db', csv], csv, /is not an SQLite database/);
    const empty = path.join(base, 'empty.sqlite');
    fs.writeFileSync(empty, '');
    expectRefused(['index', data, '--db', empty], empty, /empty file/);
    const dcm = path.join(data, 'P1', 'study', 'series', fs.readdirSync(path.join(data, 'P1', 'study', 'series'))[0]);
    expectRefused(['index', data, '--db', dcm], dcm, /is not an SQLite database/);
  });

  it("--db naming another program's SQLite database: refused, for index, stats and export alike", () => {
    const other = path.join(base, 'other.sqlite');
    pythonSqlite(other, 'CREATE TABLE notes(id INTEGER PRIMARY KEY, body TEXT); INSERT INTO notes(body) VALUES (\'precious\');');
    expectRefused(['index', data, '--db', other], other, /another program's SQLite database/);
    expectRefused(['index', data, '--db', other, '--rebuild'], other, /another program's SQLite database/);
    expectRefused(['stats', other], other, /another program's SQLite database/);
    expectRefused(['export', other, '--csv', path.join(base, 'out.csv')], other, /another program's SQLite database/);
    // Even one that has a table called meta, as ours does.
    const lookalike = path.join(base, 'lookalike.sqlite');
    pythonSqlite(lookalike, "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT); INSERT INTO meta VALUES ('schema_version', '4');");
    expectRefused(['index', data, '--db', lookalike], lookalike, /another program's SQLite database/);
  });

  it("a file beside the path named <db>.lock that is not ours (Cargo.lock…): refused, never taken over or removed", () => {
    const proj = path.join(base, 'proj');
    fs.mkdirSync(proj);
    fs.writeFileSync(path.join(proj, 'Cargo.lock'), '# This file is automatically @generated by Cargo.\nversion = 3\n');
    const old = new Date(Date.now() - 3600_000);
    fs.utimesSync(path.join(proj, 'Cargo.lock'), old, old);
    expectRefused(['index', data, '--db', path.join(proj, 'Cargo')], path.join(proj, 'Cargo'), /Cargo\.lock, a file this tool did not write/);
  });

  it("another program's SQLite database that shares some of our column text or table names: refused (with --rebuild too)", () => {
    const catalog = path.join(base, 'catalog.db');
    pythonSqlite(
      catalog,
      "CREATE TABLE dirs(id INTEGER PRIMARY KEY, path TEXT); CREATE TABLE files(id INTEGER PRIMARY KEY, dir_id INTEGER NOT NULL REFERENCES dirs(id), name TEXT); INSERT INTO dirs(path) VALUES ('x');",
    );
    expectRefused(['index', data, '--db', catalog], catalog, /another program's SQLite database/);
    expectRefused(['index', data, '--db', catalog, '--rebuild'], catalog, /another program's SQLite database/);
    const notes = path.join(base, 'notes.db');
    pythonSqlite(notes, "CREATE TABLE notes(t TEXT); INSERT INTO notes VALUES ('my schema: dir_id INTEGER NOT NULL REFERENCES dirs(id)');");
    expectRefused(['index', data, '--db', notes], notes, /another program's SQLite database/);
  });

  it('a .dicom folder that is a symbolic link, or a .gitignore there that is one: nothing is written through them', () => {
    const d5 = path.join(base, 'd5');
    fx.writeSeries(path.join(d5, 'S'), { count: 2, sliceThickness: 1 });
    const elsewhere = path.join(base, 'elsewhere');
    fs.mkdirSync(elsewhere);
    fs.symlinkSync(elsewhere, path.join(d5, '.dicom'));
    expectRefused(['index', d5], path.join(d5, '.dicom', 'index.sqlite'), /symbolic link/);
    assert.deepEqual(fs.readdirSync(elsewhere), []);
    fs.rmSync(path.join(d5, '.dicom'));
    fs.mkdirSync(path.join(d5, '.dicom'));
    fs.symlinkSync(path.join(elsewhere, 'created-by-tool'), path.join(d5, '.dicom', '.gitignore'));
    assert.equal(cli(['index', d5]).code, 0);
    assert.ok(!fs.existsSync(path.join(elsewhere, 'created-by-tool')), 'the dangling link was not followed');
    assert.ok(fs.existsSync(path.join(d5, '.dicom', 'index.sqlite')));
  });

  it('--db in a folder that does not exist: refused, no folder created', () => {
    const deep = path.join(base, 'no', 'such', 'dir', 'x.sqlite');
    expectRefused(['index', data, '--db', deep], deep, /does not exist/);
    assert.ok(!fs.existsSync(path.join(base, 'no')));
  });

  it('--db naming a symbolic link: refused, the link and its target untouched', () => {
    const target = path.join(base, 'target.txt');
    fs.writeFileSync(target, 'target');
    const link = path.join(base, 'link.sqlite');
    fs.symlinkSync(target, link);
    expectRefused(['index', data, '--db', link], link, /symbolic link/);
  });

  it('the default .dicom folder is created with its .gitignore; a damaged index of ours is kept aside and rebuilt', () => {
    const r = cli(['index', data]);
    assert.equal(r.code, 0, r.err);
    const db = path.join(data, '.dicom', 'index.sqlite');
    assert.ok(fs.existsSync(db));
    assert.match(fs.readFileSync(path.join(data, '.dicom', '.gitignore'), 'utf8'), /^\*$/m);
    // Truncate it: still recognisably ours (application id in the header), so rebuilt with a warning.
    const bytes = fs.readFileSync(db);
    fs.writeFileSync(db, bytes.subarray(0, bytes.length - 1000));
    const again = cli(['index', data]);
    assert.equal(again.code, 0, again.err);
    assert.match(again.err, /damaged.*kept it as index\.sqlite\.corrupt-/);
    assert.equal(fs.readdirSync(path.join(data, '.dicom')).filter((n) => n.includes('.corrupt-')).length, 1);
    assert.equal(JSON.parse(cli(['stats', db, '--json']).out).instances, 3);
  });

  it('an index of ours with another schema version is rebuilt (not refused)', () => {
    const db = path.join(base, 'old.sqlite');
    assert.equal(cli(['index', data, '--db', db]).code, 0);
    pythonSqlite(db, "UPDATE meta SET value = '1' WHERE key = 'schema_version';");
    const r = cli(['index', data, '--db', db]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.err, /schema version 1.*rebuilt/);
    assert.equal(JSON.parse(cli(['stats', db, '--json']).out).instances, 3);
  });

  it('export onto the index, the data folder, a folder, a DICOM file, or into a missing folder: refused', () => {
    const db = path.join(data, '.dicom', 'index.sqlite');
    if (!fs.existsSync(db)) assert.equal(cli(['index', data]).code, 0);
    expectRefused(['export', db, '--csv', db], db, /is the index database/);
    expectRefused(['export', db, '--xlsx', db], db, /is the index database/);
    expectRefused(['export', db, '--csv', `${db}.lock`], `${db}.lock`, /index's own files/);
    expectRefused(['export', db, '--csv', data], data, /is the data folder/);
    const folder = path.join(base, 'exports');
    fs.mkdirSync(folder, { recursive: true });
    expectRefused(['export', db, '--csv', folder], folder, /is a folder/);
    const dcm = path.join(data, 'P1', 'study', 'series', fs.readdirSync(path.join(data, 'P1', 'study', 'series'))[0]);
    expectRefused(['export', db, '--csv', dcm], dcm, /indexed data files/);
    const gitignore = path.join(data, '.dicom', '.gitignore');
    expectRefused(['export', db, '--csv', gitignore], gitignore, /index's own \.dicom folder/);
    const copy = path.join(folder, 'copy.dcm');
    fs.writeFileSync(copy, 'a DICOM file without a preamble, say');
    expectRefused(['export', db, '--csv', copy], copy, /DICOM file/);
    const missing = path.join(base, 'nowhere', 'out.csv');
    expectRefused(['export', db, '--csv', missing], missing, /not an existing folder/);
    // A new file in an existing folder is fine, and so is replacing the export it wrote.
    const out = path.join(folder, 'metadata.csv');
    assert.equal(cli(['export', db, '--csv', out]).code, 0);
    assert.equal(cli(['export', db, '--csv', out]).code, 0);
  });

  it("a database inside the data tree: its own folder's DICOM files are indexed like any others", () => {
    const d4 = path.join(base, 'd4');
    fx.writeSeries(path.join(d4, 'sub'), { count: 3, sliceThickness: 1 });
    fx.writeSeries(path.join(d4, 'other'), { count: 2, sliceThickness: 1 });
    const r = cli(['index', d4, '--db', path.join(d4, 'sub', 'my.sqlite'), '--json']);
    assert.equal(r.code, 0, r.err);
    assert.equal(JSON.parse(r.out).candidates, 5);
  });

  it("an open index whose file another program replaced meanwhile: neither save nor background save writes over it", async () => {
    const d5 = path.join(base, 'd5');
    fx.writeSeries(path.join(d5, 'series'), { count: 2, sliceThickness: 1 });
    assert.equal(cli(['index', d5]).code, 0);
    const file = path.join(d5, '.dicom', 'index.sqlite');
    const idx = await IndexDatabase.open(file, { dataRoot: d5 });
    try {
      idx.setMeta('note', 'changed while open');
      // A background save is queued while the file is still ours; before its write starts, another
      // program's database takes the path (synchronously, so before the queued write runs).
      const queued = idx.saveAsync();
      fs.rmSync(file);
      pythonSqlite(file, "CREATE TABLE notes(id INTEGER PRIMARY KEY, body TEXT); INSERT INTO notes(body) VALUES ('precious');");
      const theirs = fs.readFileSync(file);
      await assert.rejects(queued, DatabaseRefusedError);
      // Saves started now are refused at once.
      assert.throws(() => idx.save(), DatabaseRefusedError);
      assert.throws(() => idx.saveAsync(), DatabaseRefusedError);
      await idx.whenWritten();
      assert.deepEqual(fs.readFileSync(file), theirs);
      assert.deepEqual(fs.readdirSync(path.dirname(file)).sort(), ['.gitignore', 'index.sqlite']);
    } finally {
      idx.close();
    }
  });

  it('a folder with no DICOM files gets no index (no .dicom folder, a message saying so)', () => {
    const emptyData = path.join(base, 'nothing-here');
    fs.mkdirSync(emptyData);
    fs.writeFileSync(path.join(emptyData, 'readme.txt'), 'no images');
    const r = cli(['index', emptyData]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /No DICOM files found .*no index written/);
    assert.deepEqual(fs.readdirSync(emptyData), ['readme.txt']);
  });
});
