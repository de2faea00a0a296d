/**
 * One slice for the viewer's webview: a frame decoded by the core (src/core/pixels) and turned into
 * the protocol's SlicePixels, its stored values in an ArrayBuffer of their own (transferred to the
 * webview, not copied into JSON). A file that cannot be decoded gives the decoder's reason.
 */
import { colourTo8Bits, decodeFrame, PixelError, type DecodedFrame } from '../../core/pixels';
import { MAX_SLICE_VALUES, type PixelType, type SlicePixels } from '../../shared/viewerMessages';

export type SliceResult = { ok: true; pixels: SlicePixels } | { ok: false; reason: string };

function pixelTypeOf(data: DecodedFrame['data']): PixelType {
  if (data instanceof Uint8Array) return 'uint8';
  if (data instanceof Int8Array) return 'int8';
  if (data instanceof Uint16Array) return 'uint16';
  if (data instanceof Int16Array) return 'int16';
  if (data instanceof Uint32Array) return 'uint32';
  if (data instanceof Int32Array) return 'int32';
  if (data instanceof Float32Array) return 'float32';
  return 'float64';
}

/** The reason a decode failed, in one line (the core's PixelError says it for people; anything else is unexpected). */
export function failureReason(e: unknown): string {
  if (e instanceof PixelError) return e.message;
  const m = e instanceof Error ? e.message : String(e);
  const code = (e as NodeJS.ErrnoException)?.code;
  if (code === 'ENOENT') return 'the file is not on this machine (it may be on another machine that shares the index, or was moved)';
  if (code === 'EACCES' || code === 'EPERM') return 'the file cannot be read: permission denied';
  return `the image could not be decoded: ${m.split('\n')[0]}`;
}

export async function readSlice(file: string, frame: number, index: number): Promise<SliceResult> {
  const t0 = performance.now();
  let f: DecodedFrame;
  try {
    f = await decodeFrame(file, frame);
  } catch (e) {
    return { ok: false, reason: failureReason(e) };
  }
  const values = f.rows * f.columns * f.samplesPerPixel;
  if (values > MAX_SLICE_VALUES) return { ok: false, reason: `the frame is ${f.columns}×${f.rows}: larger than the viewer shows` };
  if (f.data.length < values) return { ok: false, reason: `the decoder gave ${f.data.length} values for a ${f.columns}×${f.rows} frame` };
  // Colour is drawn as it is stored, 8 bits a sample: deeper colour is scaled down here by the core
  // render's own rule (colourTo8Bits), not clipped in the webview.
  const samples = f.samplesPerPixel === 3 && f.bitsStored > 8 ? colourTo8Bits(f.data, values, f.bitsStored) : f.data;
  const bytes = values * samples.BYTES_PER_ELEMENT;
  // A buffer of its own, exactly the frame (the decoder's array may be a view into a larger one).
  const data = samples.buffer.slice(samples.byteOffset, samples.byteOffset + bytes) as ArrayBuffer;
  return {
    ok: true,
    pixels: {
      index,
      rows: f.rows,
      columns: f.columns,
      samplesPerPixel: f.samplesPerPixel,
      pixelType: pixelTypeOf(samples),
      data,
      rescaleSlope: f.rescaleSlope,
      rescaleIntercept: f.rescaleIntercept,
      windows: f.windows.map((w) => ({ center: w.center, width: w.width, ...(w.explanation ? { explanation: w.explanation } : {}) })),
      voiLutFunction: f.voiLutFunction,
      photometric: f.photometric,
      ms: Math.round((performance.now() - t0) * 10) / 10,
    },
  };
}
