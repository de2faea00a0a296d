/**
 * The reading of one file's header as a process independent of how bytes are read: it yields read
 * requests and receives the number of bytes read, so a synchronous driver (fastest with a warm page
 * cache) and an asynchronous one (overlaps I/O with parsing on a cold cache) share every decision.
 */
import { ParseClock } from './budget';
import { countDataElements } from './layout';
import { parseBytes } from './parse';
import { emptyFile, failure, headerTooLarge } from './problems';
import type { HeaderRead, ReadLimits } from './types';

/** A read the header process asks for: fill `buf` from `offset` with `length` bytes of the file. */
export interface ReadRequest {
  buf: Buffer;
  offset: number;
  length: number;
}

/**
 * A small first read (into `scratch` when it is large enough), then larger reads only while the
 * header goes on past what was read, up to `limits.maxHeaderBytes`.
 */
export function* headerProcess(size: number, mtimeMs: number, limits: ReadLimits, scratch?: Buffer): Generator<ReadRequest, HeaderRead, number> {
  if (size === 0) return failure('not_dicom', emptyFile(), 0, mtimeMs);
  // The time budget counts parsing only, over all attempts (not the waits for reads).
  const clock = new ParseClock();
  const want = Math.min(size, limits.firstRead);
  let buf = scratch && scratch.length >= want ? scratch : Buffer.allocUnsafe(want);
  let have = yield { buf, offset: 0, length: want };
  for (;;) {
    const attempt = parseBytes(buf.subarray(0, have), have < want ? have : size, limits, {}, clock);
    if (attempt.kind === 'done') return { ...attempt.result, size: have < want ? have : size, mtimeMs, bytesRead: have };
    // The header goes on past what we read: read up to what the parser says it needs.
    const next = Math.min(size, Math.max(attempt.need, have * 2));
    if (have >= size || next <= have || next > limits.maxHeaderBytes) {
      const r = attempt.fallback;
      if (next > limits.maxHeaderBytes && have < size) {
        const p = headerTooLarge(limits.maxHeaderBytes);
        r.status = r.dataSet && countDataElements(r.dataSet) > 0 ? 'partial' : 'error';
        r.error = p.reason;
        r.errorKind = p.kind;
      }
      return { ...r, size, mtimeMs, bytesRead: have };
    }
    const bigger = Buffer.allocUnsafe(next);
    buf.copy(bigger, 0, 0, have);
    buf = bigger;
    const got = yield { buf, offset: have, length: next - have };
    have += got;
    if (have < next) {
      // The file shrank under us (rewritten between scan and read): parse what there is.
      const attemptShort = parseBytes(buf.subarray(0, have), have, limits, {}, clock);
      const r = attemptShort.kind === 'done' ? attemptShort.result : attemptShort.fallback;
      return { ...r, size: have, mtimeMs, bytesRead: have };
    }
  }
}
