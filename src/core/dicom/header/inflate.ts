/** Inflating a deflated data set (transfer syntax 1.2.840.10008.1.2.1.99), within a size limit. */
import * as zlib from 'node:zlib';
import { deflateDamaged, inflatesTooLarge, ReadProblem } from './problems';

/** The meta as it is, then the inflated data set; a ReadProblem past `max` bytes or for a damaged stream. */
export function inflate(arr: Uint8Array, position: number, max: number): Uint8Array {
  let inflated: Buffer;
  try {
    inflated = zlib.inflateRawSync(arr.subarray(position), { maxOutputLength: max, finishFlush: zlib.constants.Z_SYNC_FLUSH });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ERR_BUFFER_TOO_LARGE' || /too large|maxOutputLength/i.test(String(e))) throw new ReadProblem(inflatesTooLarge(max));
    throw new ReadProblem(deflateDamaged());
  }
  const out = Buffer.allocUnsafe(position + inflated.length);
  out.set(arr.subarray(0, position), 0);
  out.set(inflated, position);
  return out;
}
