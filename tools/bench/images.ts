/**
 * The benchmark's image tasks (child processes, see child.ts), on a folder of CT slices:
 *   thumbnail <file>        a hover thumbnail: made with a fresh cache (the first hover; median of
 *                           5), then from the cache (median of 50)
 *   viewer-rate <root> <db> the series viewer's host side for the largest series: every slice read,
 *                           decoded and made into its message (the stored values copied into a buffer
 *                           of their own, then serialised as an IPC channel would: v8.serialize)
 *   viewer-memory <root> <db> scrolling the largest series end to end, the slices kept as the webview
 *                           keeps them (its LRU, VIEWER_CACHE_BYTES): peak RSS and what the cache holds
 *                           (host and webview in one process here: an upper bound of each)
 * Each prints one JSON line.
 */
import * as path from 'node:path';
import { serialize } from 'node:v8';
import { LRUCache } from 'lru-cache';
import { median } from '../../src/core/checks/geometry';
import { IndexDatabase } from '../../src/core/db/database';
import { seriesSlices } from '../../src/core/queries/seriesSlices';
import { sqliteStore } from '../../src/core/store/sqliteStore';
import { ThumbnailCache } from '../../src/extension/tree/thumbnails';
import { readSlice } from '../../src/extension/viewer/slicePixels';
import { VIEWER_CACHE_BYTES } from '../../src/shared/viewerMessages';

const rssMb = () => Math.round(process.resourceUsage().maxRSS / 1024);

async function largestSeries(root: string, db: string) {
  const idx = await IndexDatabase.open(db, { readOnly: true });
  try {
    const uid = String(idx.scalar("SELECT SeriesInstanceUID FROM series_key se JOIN instance i ON i.series_id = se.id WHERE se.SeriesInstanceUID <> '' GROUP BY se.id ORDER BY COUNT(*) DESC LIMIT 1"));
    const s = await seriesSlices(sqliteStore(idx), uid);
    if (!s) throw new Error('no series in the index');
    return s.slices.map((x) => ({ file: path.join(root, ...x.path.split('/')), frame: x.frame }));
  } finally {
    idx.close();
  }
}

export async function imageTask(task: string, a: string, b: string): Promise<object | undefined> {
  if (task === 'thumbnail') {
    const first: number[] = [];
    for (let i = 0; i < 5; i++) {
      const cache = new ThumbnailCache();
      const t0 = performance.now();
      const t = await cache.get(a);
      if (!t.ok) throw new Error(`no thumbnail: ${t.reason}`);
      first.push(performance.now() - t0);
      if (i === 4) {
        const cached: number[] = [];
        for (let k = 0; k < 50; k++) {
          const t1 = performance.now();
          await cache.get(a);
          cached.push(performance.now() - t1);
        }
        return { firstMs: median(first), firstRunsMs: first, cachedMs: median(cached), pngBytes: t.dataUri.length, width: t.width, height: t.height, maxRssMb: rssMb() };
      }
    }
  }
  if (task === 'viewer-rate') {
    const slices = (await largestSeries(a, b)).slice(0, 300);
    const t0 = performance.now();
    let bytes = 0;
    for (const [i, s] of slices.entries()) {
      const r = await readSlice(s.file, s.frame, i);
      if (!r.ok) throw new Error(r.reason);
      bytes += serialize({ type: 'slice', ...r.pixels }).length;
    }
    const ms = performance.now() - t0;
    return { slices: slices.length, ms, slicesPerS: (slices.length / ms) * 1000, mibPerS: bytes / 2 ** 20 / (ms / 1000), maxRssMb: rssMb() };
  }
  if (task === 'viewer-memory') {
    const slices = await largestSeries(a, b);
    const cache = new LRUCache<number, ArrayBuffer>({ maxSize: VIEWER_CACHE_BYTES, sizeCalculation: (x) => Math.max(1, x.byteLength) });
    const rss: number[] = [];
    const t0 = performance.now();
    for (const [i, s] of slices.entries()) {
      const r = await readSlice(s.file, s.frame, i);
      if (!r.ok) throw new Error(r.reason);
      cache.set(i, r.pixels.data);
      if (i % 50 === 0) rss.push(Math.round(process.memoryUsage().rss / 2 ** 20));
    }
    return {
      slices: slices.length,
      ms: performance.now() - t0,
      cacheSlices: cache.size,
      cacheMiB: cache.calculatedSize / 2 ** 20,
      rssSamplesMb: rss,
      maxRssMb: rssMb(),
    };
  }
  return undefined;
}
