/**
 * A candidate file that cannot be examined (its `stat` fails) is one file's problem, never the run's:
 * `dicom-index index` warns with the error code and indexes the rest (exit 0), `watch` goes on (a folder
 * moved in that holds such a file included), and neither names a path below the data folder. And a run
 * that fails on a raw file-system error logs its code, never the path the error message holds.
 *
 * Tests run as root, where permissions deny nothing: the file's stat fails with ENAMETOOLONG (its
 * folder's path is shorter than PATH_MAX, so the folder is listed and the file found; the file's own
 * path is longer). All paths are real, the DICOM files written by dcmjs (test/fixtures).
 */
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { scanFolder } from '../../src/core/scan/scanner';
import * as fx from '../fixtures/dicomFiles';
import { makeTempDir, removeTempDir } from '../fixtures/tmp';
import { cli, indexedFiles, until, WatchProcess } from './watchHarness';
import { skipUnlessCliBuilt } from '../fixtures/builtCli';

/** A folder below the data folder named as LIDC-IDRI names them: after the PatientID. */
const PID = 'PAT-DEEP-4242';
const PID_SAVE = 'PAT-SAVE-5151';
const COMPONENT = 'd'.repeat(200);
const NAME = `${'x'.repeat(251)}.dcm`;

/**
 * Writes (a copy of the DICOM file `from`) into `<under>/<top>/ddd…/ddd…/xxx….dcm`, a path longer than
 * PATH_MAX whose folder's path is not: listed by readdir as a regular file, its stat fails
 * (ENAMETOOLONG). Returns the folder that holds it.
 */
function writeUnstatable(under: string, top: string, from: string): string {
  let dir = path.join(under, top);
  while (dir.length <= 3850) dir = path.join(dir, COMPONENT);
  assert.ok(dir.length < 4090 && dir.length + 1 + NAME.length > 4096, `${dir.length}`);
  fs.mkdirSync(dir, { recursive: true });
  // Written from inside its folder (a relative name), since its full path is too long to open.
  execFileSync('cp', [from, NAME], { cwd: dir });
  assert.throws(() => fs.statSync(path.join(dir, NAME)), /ENAMETOOLONG/);
  return dir;
}

/** Removes a tree holding such a file (rm walks with relative names; fs.rmSync cannot reach it). */
function removeDeep(dir: string): void {
  execFileSync('rm', ['-rf', '--', dir]);
}

/** Nothing printed names a folder or file below the data folder. */
function assertNoPathBelow(text: string): void {
  for (const s of [PID, PID_SAVE, COMPONENT.slice(0, 40), 'x'.repeat(40)]) assert.ok(!text.includes(s), `'${s.slice(0, 20)}…' is in the output:\n${text.slice(0, 2000)}`);
}

describe('a file that cannot be examined, and raw file-system errors', function () {
  this.timeout(180_000);
  let tmp: string;
  before(function () {
    skipUnlessCliBuilt(this);
  });
  beforeEach(() => (tmp = makeTempDir('dwi-unstat-')));
  afterEach(() => {
    if (!tmp) return;
    removeDeep(tmp);
    removeTempDir(tmp);
  });

  it('the scan: such a file is reported with its code (no candidate, no exception), the other files found', async () => {
    const root = path.join(tmp, 'data');
    const a = fx.writeSeries(path.join(root, 'a'), { count: 2, sliceThickness: 1.25 });
    writeUnstatable(root, PID, a.paths[0]);
    const scan = await scanFolder(root);
    assert.deepEqual(scan.candidates.map((c) => c.relPath).sort(), ['a/1-001.dcm', 'a/1-002.dcm']);
    assert.equal(scan.unreadableFiles.length, 1);
    assert.equal(scan.unreadableFiles[0].reason, 'ENAMETOOLONG');
    assert.ok(scan.unreadableFiles[0].relPath.startsWith(`${PID}/`));
    assert.deepEqual(scan.unreadableDirs, []);
  });

  it('index: exit 0, the other files indexed, a warning with the code and no path below the folder', async () => {
    const root = path.join(tmp, 'data');
    const a = fx.writeSeries(path.join(root, 'a'), { count: 3, sliceThickness: 1.25 });
    writeUnstatable(root, PID, a.paths[0]);
    const r = cli(['index', root, '--json', '--log-format', 'json']);
    assert.equal(r.code, 0, r.err);
    const result = JSON.parse(r.out);
    assert.equal(result.read, 3);
    assert.equal(result.candidates, 3);
    const warnings = r.err.trim().split('\n').map((l) => JSON.parse(l)).filter((l) => l.event === 'warning');
    assert.equal(warnings.length, 1, r.err);
    assert.match(warnings[0].message, /a file could not be examined \(ENAMETOOLONG\)/);
    assert.deepEqual(result.warnings, [warnings[0].message]);
    assertNoPathBelow(r.out + r.err);
    assert.equal((await indexedFiles(path.join(root, '.dicom', 'index.sqlite'))).size, 3);
    // In text too.
    const t = cli(['index', root]);
    assert.equal(t.code, 0, t.err);
    assert.match(t.err, /warning: a file could not be examined \(ENAMETOOLONG\)/);
    assertNoPathBelow(t.out + t.err);
  });

  it('watch: a folder moved in that holds such a file, and a start with one, do not stop it; the rest is indexed', async () => {
    const root = path.join(tmp, 'data');
    const db = path.join(root, '.dicom', 'index.sqlite');
    const a = fx.writeSeries(path.join(root, 'a'), { count: 2, sliceThickness: 1.25 });
    // Staged beside the data folder (same path length), then moved in at once.
    const stage = path.join(tmp, 'stag');
    fx.writeSeries(path.join(stage, 'm', 'b'), { count: 2, sliceThickness: 2.5 });
    writeUnstatable(path.join(stage, 'm'), PID, a.paths[0]);
    const w = new WatchProcess([root]);
    try {
      await w.waitFor('run-finished');
      assert.equal((await indexedFiles(db)).size, 2);
      fs.renameSync(path.join(stage, 'm'), path.join(root, 'm'));
      await until('the moved-in folder indexed', async () => (await indexedFiles(db)).size === 4 || w.proc.exitCode !== null, 30_000);
      assert.equal(w.proc.exitCode, null, `the watch ended: ${w.stderr}`);
      assert.deepEqual([...(await indexedFiles(db)).keys()].sort(), ['a/1-001.dcm', 'a/1-002.dcm', 'm/b/1-001.dcm', 'm/b/1-002.dcm']);
      // It still follows changes.
      fx.writeSeries(path.join(root, 'c'), { count: 1, sliceThickness: 3 });
      await until('a later change indexed', async () => (await indexedFiles(db)).size === 5 || w.proc.exitCode !== null, 30_000);
      assert.equal(w.proc.exitCode, null, `the watch ended: ${w.stderr}`);
      assert.equal(await w.stop(), 0, w.stderr);
    } finally {
      await w.stop('SIGKILL');
    }
    assert.deepEqual(w.notJson, [], 'every stderr line is JSON');
    assertNoPathBelow(w.stderr + w.stdout);

    // Started again: its first (full) run meets the file, warns with the code, and indexes the rest.
    const w2 = new WatchProcess([root]);
    try {
      const warning = await w2.waitFor('warning');
      assert.match(String(warning.message), /a file could not be examined \(ENAMETOOLONG\)/);
      const done = await w2.waitFor('run-finished');
      assert.equal(done.candidates, 5);
      assert.equal(await w2.stop(), 0, w2.stderr);
    } finally {
      await w2.stop('SIGKILL');
    }
    assert.deepEqual(w2.notJson, []);
    assertNoPathBelow(w2.stderr + w2.stdout);
  });

  it('a run failing on a raw file-system error (the index cannot be saved) logs the code, not the path: index (failed) and watch (store-unreachable)', async () => {
    const root = path.join(tmp, 'data');
    fx.writeSeries(path.join(root, 'a'), { count: 2, sliceThickness: 1.25 });
    // An index in a folder below the data folder, with a name so long that its temporary file's
    // (`.<name>.tmp-<pid>-<time>`) is too long: the save fails with ENAMETOOLONG, naming that path.
    fs.mkdirSync(path.join(root, PID_SAVE));
    const db = path.join(root, PID_SAVE, `${'i'.repeat(236)}.sqlite`);
    const r = cli(['index', root, '--db', db, '--log-format', 'json']);
    assert.equal(r.code, 1, r.err);
    const failed = r.err.trim().split('\n').map((l) => JSON.parse(l)).find((l) => l.event === 'failed');
    assert.ok(failed, r.err);
    assert.match(failed.message, /ENAMETOOLONG/);
    assert.ok(!failed.message.includes(root), failed.message);
    assertNoPathBelow(r.err);
    const t = cli(['index', root, '--db', db]);
    assert.equal(t.code, 1);
    assert.match(t.err, /^dicom-index: .*ENAMETOOLONG/);
    assertNoPathBelow(t.err);

    const w = new WatchProcess([root, '--db', db]);
    try {
      const down = await w.waitFor('store-unreachable');
      assert.match(String(down.message), /ENAMETOOLONG/);
      assert.ok(!String(down.message).includes(root), String(down.message));
      assert.equal(await w.stop(), 0, w.stderr);
    } finally {
      await w.stop('SIGKILL');
    }
    assert.deepEqual(w.notJson, []);
    // The database is named once, in watch-started, as the user gave it; nothing else names it.
    assertNoPathBelow(w.lines.filter((l) => l.event !== 'watch-started').map((l) => JSON.stringify(l)).join('\n') + w.stdout);
  });
});
