/**
 * Where one frame's bytes are: a native frame's byte range, or an encapsulated frame's fragments
 * (Basic Offset Table, Extended Offset Table, one fragment per frame, or frame starts found by
 * codestream markers). Reads only what the frame needs, every read bounded.
 */
import * as fs from 'node:fs';
import { PixelError } from './types';

/** A random-access view of the bytes the pixel data lives in (the file, or an inflated data set). */
export interface ByteSource {
  size: number;
  read(offset: number, length: number): Promise<Uint8Array>;
  close(): Promise<void>;
}

export async function fileSource(filePath: string): Promise<ByteSource> {
  const fh = await fs.promises.open(filePath, 'r');
  const size = (await fh.stat()).size;
  return {
    size,
    async read(offset, length) {
      const n = Math.max(0, Math.min(length, size - offset));
      const buf = Buffer.allocUnsafe(n);
      let got = 0;
      while (got < n) {
        const { bytesRead } = await fh.read(buf, got, n - got, offset + got);
        if (bytesRead <= 0) break;
        got += bytesRead;
      }
      return new Uint8Array(buf.buffer, buf.byteOffset, got);
    },
    close: () => fh.close(),
  };
}

export function memorySource(bytes: Uint8Array): ByteSource {
  return {
    size: bytes.length,
    read: async (offset, length) => bytes.subarray(Math.min(offset, bytes.length), Math.min(offset + length, bytes.length)),
    close: async () => undefined,
  };
}

/** A size for messages: `8 KB`, `24575.3 MB`. */
const MB = (n: number) => (n < 1024 * 1024 ? `${Math.round(n / 1024)} KB` : `${Math.round((n / (1024 * 1024)) * 10) / 10} MB`);

/** A native frame's bytes: `need` bytes from `start + rel`, or a PixelError saying what is missing. */
export async function nativeFrameBytes(src: ByteSource, start: number, declared: number | undefined, rel: number, need: number, index: number): Promise<Uint8Array> {
  const limit = Math.min(declared ?? Infinity, src.size - start);
  if (rel + need > limit) {
    const why = declared !== undefined && rel + need > declared ? `the element declares ${declared} bytes` : `the file ends ${Math.max(0, src.size - start)} bytes into the pixel data`;
    throw new PixelError(`pixel data truncated: frame ${index + 1} needs bytes ${rel}–${rel + need} (Rows × Columns × samples × bits), but ${why}`);
  }
  const bytes = await src.read(start + rel, need);
  if (bytes.length < need) throw new PixelError(`pixel data truncated: frame ${index + 1} needs ${need} bytes, ${bytes.length} could be read`);
  return bytes;
}

export interface Fragment {
  /** Offset of the item's tag, relative to the first fragment's item tag (the Basic Offset Table's origin). */
  rel: number;
  /** Offset of the fragment's value in the source. */
  offset: number;
  length: number;
}

/** The most items the fragment walk reads (a bound for hostile files). */
export const MAX_ITEMS = 1_000_000;

const ITEM = 0xe000;
const SEQ_DELIM = 0xe0dd;

/** Walks the items of encapsulated pixel data: the Basic Offset Table and the fragments. */
export async function readItems(src: ByteSource, start: number): Promise<{ bot: number[]; fragments: Fragment[] }> {
  let pos = start;
  const fragments: Fragment[] = [];
  let bot: number[] | null = null;
  let firstRel = -1;
  // Item headers are read through a 64 KiB window: many small fragments cost few reads.
  let win: Uint8Array = new Uint8Array(0);
  let winAt = 0;
  const header8 = async (at: number): Promise<DataView> => {
    if (at < winAt || at + 8 > winAt + win.length) {
      win = await src.read(at, 64 * 1024);
      winAt = at;
    }
    return new DataView(win.buffer, win.byteOffset + (at - winAt), 8);
  };
  for (let n = 0; ; n++) {
    if (pos + 8 > src.size) break; // a missing sequence delimiter: take what is there
    const dv = await header8(pos);
    const group = dv.getUint16(0, true);
    const element = dv.getUint16(2, true);
    const length = dv.getUint32(4, true);
    if (group === 0xfffe && element === SEQ_DELIM) break;
    if (n === MAX_ITEMS) throw new PixelError(`encapsulated pixel data of more than ${MAX_ITEMS.toLocaleString('en-US')} items is not read`);
    if (group !== 0xfffe || element !== ITEM) {
      if (bot === null) throw new PixelError(`encapsulated pixel data does not start with an item (found (${hex(group)},${hex(element)}))`);
      throw new PixelError(`encapsulated pixel data: (${hex(group)},${hex(element)}) where a fragment item should be, ${pos - start} bytes in`);
    }
    if (length === 0xffffffff) throw new PixelError('encapsulated pixel data: a fragment of undefined length');
    const valueAt = pos + 8;
    const avail = Math.max(0, Math.min(length, src.size - valueAt));
    if (bot === null) {
      if (length % 4 !== 0) throw new PixelError(`the Basic Offset Table's length (${length}) is not a multiple of 4`);
      const b = await src.read(valueAt, Math.min(avail, 4 * MAX_ITEMS));
      const bdv = new DataView(b.buffer, b.byteOffset, b.byteLength);
      bot = [];
      for (let i = 0; i + 3 < b.length; i += 4) bot.push(bdv.getUint32(i, true));
    } else {
      if (firstRel < 0) firstRel = pos;
      fragments.push({ rel: pos - firstRel, offset: valueAt, length: avail });
      if (avail < length) throw new TruncatedFragments(fragments, bot, `pixel data truncated: a fragment declares ${length} bytes, the file holds ${avail}`);
    }
    pos = valueAt + length;
  }
  return { bot: bot ?? [], fragments };
}

/** A fragment walk that met a short fragment: what was read before it, for the frames that are whole. */
export class TruncatedFragments extends PixelError {
  constructor(
    readonly fragments: Fragment[],
    readonly bot: number[],
    message: string,
  ) {
    super(message);
  }
}

const hex = (n: number) => n.toString(16).toUpperCase().padStart(4, '0');

/** Does a fragment begin a codestream (JPEG SOI, JPEG 2000 SOC, or a JP2 box)? */
function startsCodestream(b: Uint8Array): boolean {
  if (b.length < 2) return false;
  if (b[0] === 0xff && (b[1] === 0xd8 || b[1] === 0x4f)) return true;
  return b.length >= 8 && b[4] === 0x6a && b[5] === 0x50 && b[6] === 0x20 && b[7] === 0x20; // 'jP  '
}

/**
 * The fragments of frame `index` (0-based): by the Extended Offset Table, else the Basic Offset
 * Table, else one fragment per frame when the counts agree, else by codestream starts.
 */
export async function frameFragments(
  src: ByteSource,
  items: { bot: number[]; fragments: Fragment[] },
  frames: number,
  index: number,
  extended: { offsets: number[]; lengths: number[] } | null,
  rle: boolean,
): Promise<Fragment[]> {
  const { bot, fragments } = items;
  if (fragments.length === 0) throw new PixelError('encapsulated pixel data holds no fragment');
  if (frames === 1) return fragments;
  if (extended && extended.offsets.length === frames) {
    const rel = extended.offsets[index];
    const f = fragments.find((x) => x.rel === rel);
    if (f) return [{ ...f, length: Math.min(f.length, extended.lengths[index]) }];
  }
  if (bot.length === frames) {
    const lo = bot[index];
    const hi = index + 1 < frames ? bot[index + 1] : Infinity;
    const list = fragments.filter((f) => f.rel >= lo && f.rel < hi);
    if (list.length) return list;
    throw new PixelError(`the Basic Offset Table points frame ${index + 1} at byte ${lo}, where no fragment starts`);
  }
  if (fragments.length === frames || rle) {
    if (index >= fragments.length) throw new PixelError(`pixel data truncated: frame ${index + 1} of ${frames}, ${fragments.length} fragments`);
    return [fragments[index]];
  }
  // More fragments than frames, no offset table: a frame starts at each fragment that starts a codestream.
  const starts: number[] = [];
  for (let i = 0; i < fragments.length; i++) {
    const head = await src.read(fragments[i].offset, 8);
    if (startsCodestream(head)) starts.push(i);
  }
  if (starts.length !== frames) throw new PixelError(`cannot tell which of the ${fragments.length} fragments belong to frame ${index + 1} of ${frames} (no offset table; ${starts.length} codestream starts)`);
  return fragments.slice(starts[index], index + 1 < frames ? starts[index + 1] : fragments.length);
}

/** The fragments' bytes, joined, at most `cap` bytes (a compressed frame larger than a decoded one is refused). */
export async function joinFragments(src: ByteSource, list: Fragment[], cap: number): Promise<Uint8Array> {
  const total = list.reduce((s, f) => s + f.length, 0);
  if (total > cap) throw new PixelError(`a compressed frame of ${MB(total)} is larger than the ${MB(cap)} a frame may take`);
  if (list.length === 1) return src.read(list[0].offset, list[0].length);
  const out = new Uint8Array(total);
  let at = 0;
  for (const f of list) {
    const b = await src.read(f.offset, f.length);
    out.set(b, at);
    at += b.length;
  }
  return out;
}

export { MB };
