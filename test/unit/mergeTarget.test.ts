/**
 * `dicom-index merge OUT IN…` replaces only its own output: an index run into a merge's output makes
 * it a run's index (merge then refuses it, the file unchanged). Bad arguments exit 2 with a clear
 * message and write nothing: OUT in a folder that does not exist, an input that is damaged.
 * Run as users run it: the bundled dist/cli.js, on DICOM files written by dcmjs (test/fixtures).
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { IndexDatabase } from '../../src/core/db/database';
import * as fx from '../fixtures/dicomFiles';
import { makeTempDir, removeTempDir } from '../fixtures/tmp';
import { cli } from './watchHarness';
import { skipUnlessCliBuilt } from '../fixtures/builtCli';

const ok = (r: { code: number | null; err: string }, what: string) => assert.equal(r.code, 0, `${what}: ${r.err}`);

describe('merge: its own output only, and bad arguments', function () {
  this.timeout(120_000);
  let tmp: string;
  let shards: string[];
  before(function () {
    skipUnlessCliBuilt(this);
    tmp = makeTempDir('dwi-merge-');
    const data = path.join(tmp, 'data');
    for (const s of ['a', 'b', 'c', 'd']) fx.writeSeries(path.join(data, s), { count: 2, sliceThickness: 1.25 });
    shards = [0, 1].map((k) => path.join(tmp, `s${k}.sqlite`));
    shards.forEach((p, k) => ok(cli(['index', data, '--db', p, '--shard', `${k}/2`, '-q']), `shard ${k}`));
  });
  after(() => tmp && removeTempDir(tmp));

  it('an index run into a merge’s output makes it a run’s index: a second merge is refused (exit 2), the file unchanged', async () => {
    const all = path.join(tmp, 'all.sqlite');
    ok(cli(['merge', all, ...shards]), 'merge');
    // Merge may replace its own output.
    ok(cli(['merge', all, ...shards]), 'merge again');
    const data2 = path.join(tmp, 'data2');
    fx.writeSeries(path.join(data2, 'e'), { count: 3, sliceThickness: 2.5 });
    ok(cli(['index', data2, '--db', all, '-q']), 'index into it');
    const idx = await IndexDatabase.open(all, { readOnly: true });
    try {
      assert.equal(idx.getMeta('merged'), undefined, 'the index run cleared merged');
    } finally {
      idx.close();
    }
    const before = fs.readFileSync(all);
    const r = cli(['merge', all, ...shards]);
    assert.equal(r.code, 2, r.err);
    assert.match(r.err, /is the index of an index run, not one that merge wrote/);
    assert.doesNotMatch(r.err, /\n\s+at /, 'no stack trace');
    assert.deepEqual(fs.readFileSync(all), before, 'the run’s index is unchanged');
    assert.equal(JSON.parse(cli(['stats', all, '--json']).out).files.total, 3);
  });

  it('OUT in a folder that does not exist: exit 2, a clear message, nothing created', () => {
    const missing = path.join(tmp, 'nonexist', 'dir');
    const r = cli(['merge', path.join(missing, 'o.sqlite'), ...shards]);
    assert.equal(r.code, 2, r.err);
    assert.match(r.err, /does not exist/);
    assert.doesNotMatch(r.err, /ENOENT|\.lock/);
    assert.doesNotMatch(r.err, /\n\s+at /, 'no stack trace');
    assert.ok(!fs.existsSync(path.join(tmp, 'nonexist')));
    // In JSON, a `failed` event.
    const j = cli(['merge', path.join(missing, 'o.sqlite'), ...shards, '--log-format', 'json']);
    assert.equal(j.code, 2);
    assert.equal(JSON.parse(j.err.trim()).event, 'failed');
  });

  it('a damaged input: exit 2, a clear message, the input left as it is and nothing written', () => {
    const damaged = path.join(tmp, 'damaged.sqlite');
    const whole = fs.readFileSync(shards[1]);
    fs.writeFileSync(damaged, whole.subarray(0, Math.floor(whole.length / 2)));
    const bytes = fs.readFileSync(damaged);
    const out = path.join(tmp, 'from-damaged.sqlite');
    const r = cli(['merge', out, shards[0], damaged]);
    assert.equal(r.code, 2, r.err);
    assert.match(r.err, /damaged\.sqlite is damaged/);
    assert.doesNotMatch(r.err, /\n\s+at /, 'no stack trace');
    assert.deepEqual(fs.readFileSync(damaged), bytes, 'the input is left as it is');
    assert.ok(!fs.existsSync(out), 'nothing written');
    assert.deepEqual(fs.readdirSync(tmp).filter((f) => f.includes('corrupt')), [], 'nothing moved aside');
  });
});
