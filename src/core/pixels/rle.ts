/**
 * RLE Lossless (PS3.5 Annex G), written here: no kept npm package decodes DICOM RLE on its own
 * (cornerstone's loader has it inside a viewer). One frame = one fragment: a 64-byte header (the
 * number of segments, up to 15, and their offsets), then PackBits segments, one per byte plane
 * (most significant byte first, sample by sample). The result is little-endian samples, planar
 * (all of sample 0, then sample 1…), as the caller's planar-configuration-1 path expects.
 */
import { PixelError } from './types';

export function decodeRle(frame: Uint8Array, rows: number, columns: number, samples: number, bytesPerSample: number): Uint8Array {
  const pixels = rows * columns;
  if (frame.length < 64) throw new PixelError(`RLE: the frame is ${frame.length} bytes, shorter than its 64-byte header`);
  const dv = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  const segments = dv.getUint32(0, true);
  const want = samples * bytesPerSample;
  if (segments !== want) throw new PixelError(`RLE: ${segments} segments, the header (SamplesPerPixel ${samples} × ${bytesPerSample} bytes) needs ${want}`);
  const offsets: number[] = [];
  for (let i = 0; i < segments; i++) offsets.push(dv.getUint32(4 + 4 * i, true));
  const out = new Uint8Array(pixels * want);
  for (let s = 0; s < samples; s++) {
    for (let b = 0; b < bytesPerSample; b++) {
      const seg = s * bytesPerSample + b;
      const start = offsets[seg];
      const end = seg + 1 < segments ? offsets[seg + 1] : frame.length;
      if (start < 64 || start > frame.length || end < start) throw new PixelError(`RLE: segment ${seg + 1} starts at ${start}, outside the ${frame.length}-byte frame`);
      // Byte b of a sample is the (bytesPerSample - 1 - b)th byte little-endian.
      const base = s * pixels * bytesPerSample + (bytesPerSample - 1 - b);
      const got = unpackBits(frame, start, Math.min(end, frame.length), out, base, bytesPerSample, pixels);
      if (got < pixels) throw new PixelError(`RLE: segment ${seg + 1} decodes to ${got} of ${pixels} bytes (pixel data truncated or damaged)`);
    }
  }
  return out;
}

/** PackBits into out[base + k × stride] for k < count; returns how many bytes it wrote. */
function unpackBits(src: Uint8Array, pos: number, end: number, out: Uint8Array, base: number, stride: number, count: number): number {
  let k = 0;
  while (pos < end && k < count) {
    const n = src[pos++];
    if (n < 128) {
      // n + 1 literal bytes
      const m = Math.min(n + 1, count - k, end - pos);
      for (let i = 0; i < m; i++) out[base + (k + i) * stride] = src[pos + i];
      pos += n + 1;
      k += m;
    } else if (n > 128) {
      // 257 − n copies of the next byte
      if (pos >= end) break;
      const v = src[pos++];
      const m = Math.min(257 - n, count - k);
      for (let i = 0; i < m; i++) out[base + (k + i) * stride] = v;
      k += m;
    }
    // n = 128 (−128): no operation
  }
  return k;
}
