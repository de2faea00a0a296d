/**
 * The optional pixel summary (what the original Excel script wrote): dimensions, data type and
 * the mean of the stored values (no rescale, no LUT; all frames and samples). Native pixel data
 * (deflate included) is summed as it is read; compressed pixel data is decoded frame by frame
 * (src/core/pixels, its codecs loaded on first use), or the summary says why it could not be.
 * Only when pixel statistics are asked for: the index itself reads headers only.
 */
import { syntaxName } from '../../shared/transferSyntax';
import * as fs from 'node:fs';
import type { FieldValues } from './fields';
import type { HeaderRead } from './header/types';
import { decodeFrameOf } from '../pixels/decode';
import { PixelError } from '../pixels/types';

export interface PixelSummary {
  dataType: string | null;
  mean: number | null;
  /** e.g. `512x512 int16, mean 42.1`, or why there is no mean (`compressed: JPEG baseline`). */
  summary: string;
}

export function dataTypeOf(v: FieldValues): string | null {
  const bits = v.BitsAllocated as number | null;
  if (bits == null) return null;
  if (bits === 1) return 'bit';
  const signed = v.PixelRepresentation === 1;
  return [8, 16, 32].includes(bits) ? `${signed ? 'int' : 'uint'}${bits}` : `${bits}-bit`;
}

export async function pixelSummary(filePath: string, h: HeaderRead, v: FieldValues): Promise<PixelSummary | null> {
  if (!h.pixelData) return null;
  const dataType = dataTypeOf(v);
  const dims = `${v.Rows ?? '?'}x${v.Columns ?? '?'}${(v.NumberOfFrames as number) > 1 ? `x${v.NumberOfFrames}` : ''}`;
  if (h.pixelData.encapsulated) {
    const name = syntaxName(h.transferSyntax ?? '') ?? 'encapsulated';
    const frames = Math.max(1, Number(v.NumberOfFrames) || 1);
    let sum = 0;
    let n = 0;
    try {
      for (let i = 0; i < frames; i++) {
        const { data } = await decodeFrameOf(filePath, h, i, { storedColour: true });
        for (let k = 0; k < data.length; k++) sum += data[k];
        n += data.length;
      }
    } catch (e) {
      if (!(e instanceof PixelError)) throw e;
      return { dataType, mean: null, summary: `${dims} ${dataType ?? ''} ${name}: not decoded (${e.message}), no mean`.replace(/\s+/g, ' ') };
    }
    const mean = n > 0 ? sum / n : null;
    return { dataType, mean, summary: `${dims} ${dataType ?? ''} ${name}${mean === null ? '' : `, mean ${round(mean)}`}`.replace(/\s+/g, ' ') };
  }
  const bits = v.BitsAllocated as number | null;
  if (!bits || ![1, 8, 16, 32].includes(bits)) return { dataType, mean: null, summary: `${dims}: unsupported BitsAllocated` };
  const declared = h.pixelData.length ?? 0;
  const count =
    Math.max(1, Number(v.Rows) || 0) * Math.max(1, Number(v.Columns) || 0) * Math.max(1, Number(v.NumberOfFrames) || 1) * Math.max(1, Number(v.SamplesPerPixel) || 1);
  const wantBytes = Math.min(declared, bits === 1 ? Math.ceil(count / 8) : count * (bits / 8));
  const littleEndian = h.transferSyntax !== '1.2.840.10008.1.2.2';
  const signed = v.PixelRepresentation === 1;
  let sum = 0;
  let n = 0;
  const consume = (chunk: Uint8Array) => {
    const dv = new DataView(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    if (bits === 1) {
      for (let i = 0; i < chunk.length; i++) for (let b = 0; b < 8 && n < count; b++, n++) sum += (chunk[i] >> b) & 1;
    } else if (bits === 8) {
      for (let i = 0; i < chunk.length; i++) sum += signed ? dv.getInt8(i) : chunk[i];
      n += chunk.length;
    } else if (bits === 16) {
      for (let i = 0; i + 1 < chunk.length; i += 2) sum += signed ? dv.getInt16(i, littleEndian) : dv.getUint16(i, littleEndian);
      n += chunk.length >> 1;
    } else {
      for (let i = 0; i + 3 < chunk.length; i += 4) sum += signed ? dv.getInt32(i, littleEndian) : dv.getUint32(i, littleEndian);
      n += chunk.length >> 2;
    }
  };
  const unit = bits === 1 ? 1 : bits / 8;
  if (h.transferSyntax === '1.2.840.10008.1.2.1.99' && h.dataSet) {
    const end = Math.min(h.dataSet.byteArray.length, h.pixelData.offset + wantBytes);
    consume(h.dataSet.byteArray.subarray(h.pixelData.offset, end - ((end - h.pixelData.offset) % unit)));
  } else {
    const fh = await fs.promises.open(filePath, 'r');
    try {
      const buf = Buffer.allocUnsafe(1 << 20);
      let pos = h.pixelData.offset;
      let left = wantBytes;
      while (left > 0) {
        const { bytesRead } = await fh.read(buf, 0, Math.min(buf.length, left), pos);
        if (bytesRead <= 0) break;
        const usable = bytesRead - (bytesRead % unit);
        consume(buf.subarray(0, usable));
        if (usable < bytesRead) break;
        pos += bytesRead;
        left -= bytesRead;
      }
    } finally {
      await fh.close();
    }
  }
  const expectedValues = bits === 1 ? count : Math.floor(wantBytes / unit);
  if (n < expectedValues) {
    return { dataType, mean: null, summary: `${dims} ${dataType}: pixel data truncated (${n} of ${expectedValues} values), no mean` };
  }
  const mean = n > 0 ? sum / n : null;
  return { dataType, mean, summary: `${dims} ${dataType}${mean === null ? '' : `, mean ${round(mean)}`}` };
}

const round = (x: number) => Math.round(x * 1000) / 1000;
