/**
 * decodeFrame: one frame of one file → its stored values. The header comes from the project's
 * reader (readHeader); the frame's bytes are read alone (a native frame's range, or the fragments of
 * an encapsulated frame); the codec for the transfer syntax is loaded on first use.
 */
import { syntaxName } from '../../shared/transferSyntax';
import { readHeader } from '../dicom/header/read';
import type { HeaderRead } from '../dicom/header/types';
import { frameTransforms, pixelAttrs, type PixelAttrs } from './attrs';
import { decodeHtj2k, decodeJ2k, decodeJpeg12, decodeJpeg8, decodeJpegLossless, decodeJpegLs, jpegFrameHeader, type CodecOutput, type Expect } from './codecs';
import { decodeRle } from './rle';
import { applyPalette, expand422, unpackSamples, ybrFullToRgb } from './samples';
import { fileSource, frameFragments, joinFragments, MB, memorySource, nativeFrameBytes, readItems, TruncatedFragments, type ByteSource, type Fragment } from './source';
import type { DecodedFrame, DecodeOptions, StoredArray } from './types';
import { DEFAULT_MAX_FRAME_BYTES, PixelError } from './types';

export const TS = {
  implicitLE: '1.2.840.10008.1.2',
  explicitLE: '1.2.840.10008.1.2.1',
  deflate: '1.2.840.10008.1.2.1.99',
  explicitBE: '1.2.840.10008.1.2.2',
  rle: '1.2.840.10008.1.2.5',
} as const;

type Codec = 'rle' | 'jpeg' | 'jpeg-lossless' | 'jpeg-ls' | 'j2k' | 'htj2k';

/** Each compressed transfer syntax: its codec, and its name (src/shared/transferSyntax.ts) for messages. */
const CODECS: Readonly<Record<string, Codec>> = {
  '1.2.840.10008.1.2.5': 'rle',
  '1.2.840.10008.1.2.4.50': 'jpeg',
  '1.2.840.10008.1.2.4.51': 'jpeg',
  '1.2.840.10008.1.2.4.57': 'jpeg-lossless',
  '1.2.840.10008.1.2.4.70': 'jpeg-lossless',
  '1.2.840.10008.1.2.4.80': 'jpeg-ls',
  '1.2.840.10008.1.2.4.81': 'jpeg-ls',
  '1.2.840.10008.1.2.4.90': 'j2k',
  '1.2.840.10008.1.2.4.91': 'j2k',
  '1.2.840.10008.1.2.4.92': 'j2k',
  '1.2.840.10008.1.2.4.93': 'j2k',
  '1.2.840.10008.1.2.4.201': 'htj2k',
  '1.2.840.10008.1.2.4.202': 'htj2k',
  '1.2.840.10008.1.2.4.203': 'htj2k',
};
export const COMPRESSED_SYNTAXES: Readonly<Record<string, { codec: Codec; name: string }>> = Object.fromEntries(
  Object.entries(CODECS).map(([uid, codec]) => [uid, { codec, name: syntaxName(uid) ?? uid }]),
);

const NATIVE = new Set<string>([TS.implicitLE, TS.explicitLE, TS.deflate, TS.explicitBE]);

/** The header of a file, or a PixelError saying why there is no image in it. */
async function header(filePath: string): Promise<HeaderRead> {
  let h: HeaderRead;
  try {
    h = await readHeader(filePath);
  } catch (err) {
    throw new PixelError(`cannot read the file: ${(err as Error).message}`);
  }
  if (h.status === 'error' || h.status === 'not_dicom' || !h.dataSet) throw new PixelError(h.error ?? 'not a DICOM file');
  if (!h.pixelData) throw new PixelError('the file has no pixel data');
  return h;
}

export async function frameCount(filePath: string): Promise<number> {
  const h = await header(filePath);
  return pixelAttrs(h.dataSet!, h.transferSyntax ?? TS.implicitLE).frames;
}

export async function decodeFrame(filePath: string, frameIndex = 0, opts: DecodeOptions = {}): Promise<DecodedFrame> {
  return decodeFrameOf(filePath, await header(filePath), frameIndex, opts);
}

/** decodeFrame with the header already read (pixel statistics read it for the index anyway). */
export async function decodeFrameOf(filePath: string, h: HeaderRead, frameIndex = 0, opts: DecodeOptions = {}): Promise<DecodedFrame> {
  if (!h.dataSet || !h.pixelData) throw new PixelError('the file has no pixel data');
  const ts = h.transferSyntax ?? TS.implicitLE;
  const a = pixelAttrs(h.dataSet!, ts);
  if (!Number.isInteger(frameIndex) || frameIndex < 0 || frameIndex >= a.frames) throw new PixelError(`frame ${frameIndex + 1} asked for, the file has ${a.frames}`);
  const cap = opts.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
  const storedBytes = a.rows * a.columns * a.samplesPerPixel * Math.max(1, a.bitsAllocated / 8);
  if (storedBytes > cap) {
    throw new PixelError(`Rows × Columns × SamplesPerPixel × bytes (${a.rows}×${a.columns}×${a.samplesPerPixel}×${Math.max(1, a.bitsAllocated / 8)}) says ${MB(storedBytes)} for one frame; frames above ${MB(cap)} are not decoded`);
  }
  // A palette frame comes out as RGB, three bytes a pixel: that is what is allocated, and what is capped.
  const rgbBytes = a.rows * a.columns * 3;
  if (a.photometric === 'PALETTE COLOR' && !opts.storedColour && rgbBytes > cap) {
    throw new PixelError(`a PALETTE COLOR frame of Rows × Columns ${a.rows}×${a.columns} is ${MB(rgbBytes)} as RGB; frames above ${MB(cap)} are not decoded`);
  }
  const pd = h.pixelData!;
  const src: ByteSource = ts === TS.deflate ? memorySource(h.dataSet!.byteArray) : await fileSource(filePath).catch((err) => {
    throw new PixelError(`cannot read the file: ${(err as Error).message}`);
  });
  try {
    let data: StoredArray;
    if (!pd.encapsulated) {
      if (!NATIVE.has(ts)) throw new PixelError(`native pixel data under transfer syntax ${ts}, which says it is compressed`);
      data = await decodeNative(src, h, a, ts, frameIndex, !!opts.storedColour);
    } else {
      const syntax = COMPRESSED_SYNTAXES[ts];
      if (!syntax) throw new PixelError(`transfer syntax ${ts} is not decoded`);
      data = await decodeEncapsulated(src, pd.offset, a, syntax, frameIndex, cap, !!opts.storedColour, `${filePath}\0${h.size}\0${h.mtimeMs}`);
    }
    const palette = a.photometric === 'PALETTE COLOR' && !opts.storedColour;
    const colour = a.samplesPerPixel === 3 || palette;
    // An enhanced multi-frame object's own rescale and windows for this frame.
    const t = frameTransforms(h.dataSet!, frameIndex, a);
    return {
      rows: a.rows,
      columns: a.columns,
      samplesPerPixel: colour ? 3 : 1,
      photometric: a.photometric,
      bitsStored: palette ? 8 : a.bitsAllocated === 1 ? 1 : a.bitsStored,
      signed: palette ? false : a.signed && a.bitsAllocated !== 1,
      data,
      rescaleSlope: t.rescaleSlope,
      rescaleIntercept: t.rescaleIntercept,
      windows: t.windows,
      voiLutFunction: t.voiLutFunction,
      frameCount: a.frames,
      transferSyntax: ts,
      frameIndex,
    };
  } finally {
    await src.close();
  }
}

async function decodeNative(src: ByteSource, h: HeaderRead, a: PixelAttrs, ts: string, index: number, stored: boolean): Promise<StoredArray> {
  const pd = h.pixelData!;
  const pixels = a.rows * a.columns;
  const is422 = a.photometric === 'YBR_FULL_422' && a.samplesPerPixel === 3;
  const valuesPerFrame = is422 ? pixels * 2 : pixels * a.samplesPerPixel;
  const littleEndian = ts !== TS.explicitBE;
  let bytes: Uint8Array;
  let bitOffset = 0;
  if (a.bitsAllocated === 1) {
    const firstBit = index * valuesPerFrame;
    const from = Math.floor(firstBit / 8);
    bytes = await nativeFrameBytes(src, pd.offset, pd.length, from, Math.ceil((firstBit + valuesPerFrame) / 8) - from, index);
    bitOffset = firstBit - from * 8;
  } else {
    const frameBytes = valuesPerFrame * (a.bitsAllocated / 8);
    bytes = await nativeFrameBytes(src, pd.offset, pd.length, index * frameBytes, frameBytes, index);
  }
  // Big endian OW with 8-bit samples: the bytes are swapped in pairs (PS3.5 7.3 / Annex A.3).
  const vr = h.dataSet!.elements.x7fe00010?.vr;
  if (!littleEndian && a.bitsAllocated === 8 && vr === 'OW') bytes = swapPairs(bytes);
  const samples = unpackSamples(bytes, {
    pixels: is422 ? pixels * 2 : pixels,
    samples: is422 ? 1 : a.samplesPerPixel,
    bits: a.bitsAllocated,
    bitsStored: a.bitsStored,
    highBit: a.highBit,
    signed: a.signed,
    littleEndian,
    planar: a.planarConfiguration === 1 && !is422,
    bitOffset,
  });
  if (stored) return samples;
  return toColour(is422 ? expand422(samples, a.rows, a.columns) : samples, a, true);
}

/** Colour to interleaved RGB: YBR_FULL(_422) converted when the codec did not, palettes looked up. */
function toColour(d: StoredArray, a: PixelAttrs, convertYbr: boolean): StoredArray {
  if (a.photometric === 'PALETTE COLOR') {
    if (a.samplesPerPixel !== 1) throw new PixelError('PALETTE COLOR with more than one sample per pixel');
    return applyPalette(d, a.palette!);
  }
  if (a.samplesPerPixel === 3 && convertYbr && (a.photometric === 'YBR_FULL' || a.photometric === 'YBR_FULL_422')) ybrFullToRgb(d, a.bitsStored);
  return d;
}

function swapPairs(b: Uint8Array): Uint8Array {
  const out = new Uint8Array(b.length);
  for (let i = 0; i + 1 < b.length; i += 2) {
    out[i] = b[i + 1];
    out[i + 1] = b[i];
  }
  if (b.length & 1) out[b.length - 1] = b[b.length - 1];
  return out;
}

/**
 * The fragment lists of the last few multi-frame files (by path, size and mtime): a viewer stepping
 * through the frames, or pixel statistics, walks a file's items once, not once a frame.
 */
const itemCache = new Map<string, { bot: number[]; fragments: Fragment[] }>();
const ITEM_CACHE_FILES = 8;

async function itemsOf(src: ByteSource, start: number, key: string | null): Promise<{ bot: number[]; fragments: Fragment[] }> {
  const hit = key ? itemCache.get(key) : undefined;
  if (hit) return hit;
  const items = await readItems(src, start);
  if (key) {
    itemCache.set(key, items);
    if (itemCache.size > ITEM_CACHE_FILES) itemCache.delete(itemCache.keys().next().value!);
  }
  return items;
}

async function decodeEncapsulated(src: ByteSource, start: number, a: PixelAttrs, syntax: { codec: Codec; name: string }, index: number, cap: number, stored: boolean, key: string | null): Promise<StoredArray> {
  let items;
  try {
    items = await itemsOf(src, start, a.frames > 1 ? key : null);
  } catch (err) {
    // A short last fragment: the frames before it may still be whole.
    if (!(err instanceof TruncatedFragments) || a.frames === 1) throw err;
    items = { bot: err.bot, fragments: err.fragments.slice(0, -1) };
    if (index >= items.fragments.length) throw err;
  }
  const list = await frameFragments(src, items, a.frames, index, a.extendedOffsets, syntax.codec === 'rle');
  const bytes = await joinFragments(src, list, cap);
  const e: Expect = { rows: a.rows, columns: a.columns, samples: a.samplesPerPixel, name: syntax.name };
  const pixels = a.rows * a.columns;
  if (syntax.codec === 'rle') {
    const bps = Math.max(1, a.bitsAllocated / 8);
    if (a.bitsAllocated === 1) throw new PixelError('RLE of 1-bit pixel data is not decoded');
    const planar = decodeRle(bytes, a.rows, a.columns, a.samplesPerPixel, bps);
    const d = unpackSamples(planar, { pixels, samples: a.samplesPerPixel, bits: a.bitsAllocated, bitsStored: a.bitsStored, highBit: a.highBit, signed: a.signed, littleEndian: true, planar: true });
    return stored ? d : toColour(d, a, true);
  }
  let out: CodecOutput;
  let convertYbr = false;
  switch (syntax.codec) {
    case 'jpeg': {
      const sof = jpegFrameHeader(bytes);
      if (!sof) throw new PixelError(`${syntax.name}: no JPEG frame header (SOF) in frame ${index + 1}`);
      if (sof.marker === 0xc3) {
        out = await decodeJpegLossless(bytes, e);
        convertYbr = true;
      } else if (sof.precision <= 8 && !(a.samplesPerPixel === 3 && a.photometric === 'RGB')) {
        // libjpeg-turbo for 8-bit DCT; it turns YCbCr (YBR_FULL, YBR_FULL_422) into RGB itself.
        out = await decodeJpeg8(bytes, e);
      } else {
        // 12-bit DCT; and colour the header calls RGB, which (as dcmtk and GDCM read it) was
        // compressed without a colour transform, which libjpeg-turbo would apply regardless.
        out = await decodeJpeg12(bytes, e);
        convertYbr = a.photometric !== 'RGB';
      }
      break;
    }
    case 'jpeg-lossless':
      out = await decodeJpegLossless(bytes, e);
      convertYbr = true;
      break;
    case 'jpeg-ls':
      out = await decodeJpegLs(bytes, e);
      convertYbr = true;
      break;
    case 'j2k':
      out = await decodeJ2k(bytes, e);
      break;
    case 'htj2k':
      out = await decodeHtj2k(bytes, e);
      break;
  }
  const bits = out.bytesPerSample * 8;
  // A codec's precision may exceed BitsStored (or be below it): keep the file's BitsStored when it fits.
  const bitsStored = Math.min(a.bitsStored, bits);
  const d = unpackSamples(out.data, { pixels, samples: a.samplesPerPixel, bits, bitsStored, highBit: bitsStored - 1, signed: a.signed, littleEndian: true, planar: false });
  return stored ? d : toColour(d, a, convertYbr);
}
