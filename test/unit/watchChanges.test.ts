/** The batching policy of the watchers (src/core/watch/changes.ts): when a batch is due, what it holds, and that a failed batch comes back whole. */
import * as assert from 'node:assert/strict';
import { MAX_WAIT_MS, PendingChanges, QUIET_MS } from '../../src/core/watch/changes';

describe('watch: pending changes', () => {
  it('is due a quiet moment after the last change, and never later than the max wait after the first', () => {
    const p = new PendingChanges();
    assert.equal(p.dueIn(0), null);
    p.note('a.dcm', 1000);
    assert.equal(p.dueIn(1000), QUIET_MS);
    p.note('b.dcm', 1500);
    assert.equal(p.dueIn(1500), QUIET_MS);
    // A steady stream: due at first + MAX_WAIT_MS whatever comes after.
    for (let t = 1500; t < 1000 + MAX_WAIT_MS; t += 100) p.note(`f${t}.dcm`, t);
    assert.equal(p.dueIn(1000 + MAX_WAIT_MS - 200), 200);
    assert.equal(p.dueIn(1000 + MAX_WAIT_MS), 0);
  });

  it('takes each path once, sorted; a full run is due at once; too many paths become a full run', () => {
    const p = new PendingChanges({ quietMs: 700, maxWaitMs: 5000, maxBatch: 3 });
    p.note('b.dcm', 0);
    p.note('a.dcm', 0);
    p.note('b.dcm', 10);
    assert.deepEqual(p.take(), { paths: ['a.dcm', 'b.dcm'], gone: [], full: false });
    assert.ok(p.empty);
    p.requestFull(100);
    assert.equal(p.dueIn(100), 0);
    assert.deepEqual(p.take(), { paths: [], gone: [], full: true });
    for (const f of ['1', '2', '3', '4']) p.note(f, 0);
    assert.deepEqual(p.take(), { paths: [], gone: [], full: true });
  });

  it('a batch whose run failed comes back with what was noted meanwhile', () => {
    const p = new PendingChanges();
    p.note('a.dcm', 0);
    const b = p.take();
    p.note('c.dcm', 10);
    p.restore(b, 20);
    assert.deepEqual(p.take(), { paths: ['a.dcm', 'c.dcm'], gone: [], full: false });
    p.requestFull(0);
    const full = p.take();
    p.restore(full, 30);
    assert.equal(p.take().full, true);
  });

  it('a deleted path that may have been a folder is kept as gone, for the run to resolve; a failed batch keeps it', () => {
    const p = new PendingChanges({ quietMs: 700, maxWaitMs: 5000, maxBatch: 4 });
    p.note('new/1.dcm', 0);
    p.noteGone('old', 0);
    p.noteGone('notes.txt', 10);
    assert.equal(p.size, 3);
    assert.equal(p.dueIn(10), 700, 'a change like any other: after the quiet moment');
    const b = p.take();
    assert.deepEqual(b, { paths: ['new/1.dcm'], gone: ['notes.txt', 'old'], full: false });
    p.restore(b, 20);
    assert.deepEqual(p.take().gone, ['notes.txt', 'old']);
    // More than a batch takes: one incremental run of the folder instead.
    for (const f of ['a', 'b', 'c', 'd', 'e']) p.noteGone(f, 30);
    assert.deepEqual(p.take(), { paths: [], gone: [], full: true });
  });

  it('a full run asked for as a change (a folder copied in) waits for the quiet moment; one asked for now does not', () => {
    const p = new PendingChanges({ quietMs: 700, maxWaitMs: 5000, maxBatch: 10 });
    p.requestFull(1000, false);
    assert.equal(p.dueIn(1000), 700);
    p.requestFull(1100);
    assert.equal(p.dueIn(1100), 0);
  });
});
