/**
 * Thumbnails for the hovers: one frame of a file decoded and rendered by the core (its own window,
 * the longer side THUMB_SIZE pixels), as a PNG data URI. Made on demand, kept in memory only
 * (never written to disk) in an LRU bounded by bytes, keyed by path, frame, size and the file's
 * mtime and size (a changed file gets a new one). A file that is not there, or cannot be decoded,
 * gives its reason instead, cached the same way. No `vscode` import (the benchmark measures it).
 */
import { promises as fsp } from 'node:fs';
import { LRUCache } from 'lru-cache';
import { decodeFrame, encodePng, renderFrame } from '../../core/pixels';
import { failureReason } from '../viewer/slicePixels';

/** The longer side of a hover thumbnail (pixels). */
export const THUMB_SIZE = 160;
/** The cache's bound: data URIs and reasons, by their length (bytes). */
export const THUMB_CACHE_BYTES = 16 * 1024 * 1024;

export type Thumbnail =
  | { ok: true; dataUri: string; width: number; height: number; ms: number; cached: boolean }
  | { ok: false; reason: string; missing: boolean; cached: boolean };

type Entry = { ok: true; dataUri: string; width: number; height: number; ms: number } | { ok: false; reason: string; missing: boolean };

export class ThumbnailCache {
  private readonly lru: LRUCache<string, Entry>;
  private readonly pending = new Map<string, Promise<Entry>>();

  constructor(maxBytes = THUMB_CACHE_BYTES) {
    this.lru = new LRUCache<string, Entry>({ maxSize: maxBytes, sizeCalculation: (e) => Math.max(1, e.ok ? e.dataUri.length : e.reason.length) });
  }

  get size(): number {
    return this.lru.size;
  }
  get bytes(): number {
    return this.lru.calculatedSize;
  }

  /** The thumbnail of one frame of `file` (absolute path). */
  async get(file: string, frame = 0, size = THUMB_SIZE): Promise<Thumbnail> {
    let stat: { mtimeMs: number; size: number };
    try {
      stat = await fsp.stat(file);
    } catch (e) {
      return { ok: false, reason: failureReason(e), missing: (e as NodeJS.ErrnoException).code === 'ENOENT', cached: false };
    }
    const key = `${file}\0${frame}\0${size}\0${stat.mtimeMs}\0${stat.size}`;
    const hit = this.lru.get(key);
    if (hit) return { ...hit, cached: true };
    let p = this.pending.get(key);
    if (!p) {
      p = make(file, frame, size).finally(() => this.pending.delete(key));
      this.pending.set(key, p);
    }
    const e = await p;
    this.lru.set(key, e);
    return { ...e, cached: false };
  }

  clear(): void {
    this.lru.clear();
  }
}

async function make(file: string, frame: number, size: number): Promise<Entry> {
  const t0 = performance.now();
  try {
    const decoded = await decodeFrame(file, frame);
    const img = renderFrame(decoded, { window: 'file', size });
    const png = encodePng(img);
    return { ok: true, dataUri: `data:image/png;base64,${Buffer.from(png).toString('base64')}`, width: img.width, height: img.height, ms: performance.now() - t0 };
  } catch (e) {
    return { ok: false, reason: failureReason(e), missing: (e as NodeJS.ErrnoException)?.code === 'ENOENT' };
  }
}
