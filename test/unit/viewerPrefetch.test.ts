/**
 * What the series viewer asks for (src/shared/viewerMessages.ts prefetchOrder): the shown slice and
 * as many neighbours as fit in its cache. A window larger than the cache evicted slices the window
 * still wanted, which were asked for again without end (seen with 9.3 MiB slices: 10,000 decodes).
 * And where an indexed file is (src/core/indexedPath.ts): never outside the folder.
 */
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { LRUCache } from 'lru-cache';
import { indexedFile } from '../../src/core/indexedPath';
import { PREFETCH_AHEAD, PREFETCH_BEHIND, prefetchOrder, VIEWER_CACHE_BYTES } from '../../src/shared/viewerMessages';

const MiB = 1024 * 1024;

/** The webview's loop as it runs: ask for what is missing, store what comes, until nothing is asked. */
function decodesToSettle(sliceBytes: number, index: number, count: number): number {
  const cache = new LRUCache<number, number>({ maxSize: VIEWER_CACHE_BYTES, sizeCalculation: () => Math.max(1, Math.round(sliceBytes)) });
  let shown: number | undefined;
  let decodes = 0;
  for (;;) {
    const missing = prefetchOrder(index, 1, count, sliceBytes).filter((i) => i !== shown && !cache.has(i));
    if (!missing.length) return decodes;
    for (const i of missing) {
      decodes++;
      cache.set(i, i);
      if (i === index) shown = i;
    }
    if (decodes > 1000) return decodes;
  }
}

describe('the series viewer asks only for what its cache holds', () => {
  it('512×512 CT slices: the whole window, ahead in the scrolling direction and behind', () => {
    assert.deepEqual(prefetchOrder(10, 1, 100, 512 * 512 * 2), [10, 11, 12, 13, 14, 15, 16, 17, 18, 9, 8]);
    assert.deepEqual(prefetchOrder(10, -1, 100, 512 * 512 * 2), [10, 9, 8, 7, 6, 5, 4, 3, 2, 11, 12]);
    assert.deepEqual(prefetchOrder(0, 1, 3, 512 * 512 * 2), [0, 1, 2]);
    assert.equal(prefetchOrder(50, 1, 100, 0).length, 1 + PREFETCH_AHEAD + PREFETCH_BEHIND);
  });

  it('big slices get fewer neighbours, a slice larger than the cache none', () => {
    assert.deepEqual(prefetchOrder(10, 1, 100, 17 * MiB), [10, 11, 12, 13, 14]);
    assert.deepEqual(prefetchOrder(10, 1, 100, 60 * MiB), [10]);
    assert.deepEqual(prefetchOrder(10, 1, 100, 128 * MiB), [10]);
  });

  it('every slice size settles after at most one decode per wanted slice', () => {
    for (const mib of [0.5, 8, 9.3, 17, 50, 97, 128]) {
      const n = decodesToSettle(mib * MiB, 30, 100);
      assert.ok(n <= 1 + PREFETCH_AHEAD + PREFETCH_BEHIND, `${mib} MiB slices: ${n} decodes`);
    }
  });
});

describe('an indexed file is looked for only inside its folder', () => {
  it('a path of the index leading out of the folder is not followed', () => {
    const folder = path.resolve('/data/lidc');
    assert.equal(indexedFile(folder, 'LIDC-IDRI-0001/a/1.dcm'), path.join(folder, 'LIDC-IDRI-0001', 'a', '1.dcm'));
    assert.equal(indexedFile(folder, 'a/../b.dcm'), path.join(folder, 'b.dcm'));
    for (const bad of ['../etc/passwd', 'a/../../x.dcm', '/etc/passwd', '', '..']) assert.equal(indexedFile(folder, bad), undefined, bad);
  });
});
