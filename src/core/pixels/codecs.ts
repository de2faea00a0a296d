/**
 * The compressed-frame codecs, each loaded on its first use (never on the index path):
 * - JPEG Baseline 8-bit: libjpeg-turbo (`@cornerstonejs/codec-libjpeg-turbo-8bit`, WebAssembly);
 * - JPEG Extended 12-bit: the JPEG decoder of `@cornerstonejs/dicom-image-loader` (JavaScript);
 * - JPEG Lossless (process 14, SV1): `jpeg-lossless-decoder-js` (JavaScript);
 * - JPEG-LS: CharLS (`@cornerstonejs/codec-charls`, WebAssembly);
 * - JPEG 2000: OpenJPEG (`@cornerstonejs/codec-openjpeg`, WebAssembly);
 * - HTJ2K: OpenJPH (`@cornerstonejs/codec-openjph`, WebAssembly).
 * The WebAssembly files are looked for beside the bundle (dist/codecs/, where scripts/build.mjs
 * copies them), then in node_modules. A codec that throws, or whose image is not the size the
 * header says, gives a PixelError; an instance that failed is dropped, the next frame gets a fresh one.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PixelError } from './types';

/** One decoded frame as a codec gives it: samples little-endian, interleaved (colour already RGB where the codec converts). */
export interface CodecOutput {
  width: number;
  height: number;
  components: number;
  /** 1 or 2. */
  bytesPerSample: number;
  data: Uint8Array;
}

/** The size check every codec runs before it decodes: the codestream's image must be the header's. */
export interface Expect {
  rows: number;
  columns: number;
  samples: number;
  name: string;
}

type EmModule = Record<string, new () => EmDecoder>;
interface EmDecoder {
  getEncodedBuffer(n: number): Uint8Array;
  getDecodedBuffer(): Uint8Array;
  decode(): void;
  getFrameInfo(): { width: number; height: number; bitsPerSample: number; componentCount: number; isSigned?: boolean };
  delete(): void;
}

const modules = new Map<string, Promise<EmModule>>();

/** Where a codec's .wasm is: dist/codecs/ beside the bundle, else the package in node_modules. */
function wasmPath(file: string, pkgSpecifier: string): string {
  for (const dir of [path.join(__dirname, 'codecs'), path.join(__dirname, '../../../dist/codecs'), path.join(__dirname, '../../../../dist/codecs')]) {
    const p = path.join(dir, file);
    if (fs.existsSync(p)) return p;
  }
  try {
    return require.resolve(pkgSpecifier);
  } catch {
    throw new PixelError(`the ${file} codec is missing (not in dist/codecs/ nor node_modules)`);
  }
}

type Factory = (opts: object) => Promise<unknown>;

function loadModule(key: string, factory: () => Promise<{ default: Factory }>, file: string, pkg: string): Promise<EmModule> {
  let m = modules.get(key);
  if (!m) {
    m = (async () => {
      const [wasmBinary, f] = await Promise.all([fs.promises.readFile(wasmPath(file, pkg)), factory()]);
      return (await f.default({ wasmBinary, print: () => undefined, printErr: () => undefined })) as EmModule;
    })();
    m.catch(() => modules.delete(key));
    modules.set(key, m);
  }
  return m;
}

/* Dynamic imports: a bundle evaluates a codec's code only on its first use. */
const CODECS = {
  jpeg8: () => loadModule('jpeg8', () => import('@cornerstonejs/codec-libjpeg-turbo-8bit/decodewasmjs'), 'libjpegturbowasm_decode.wasm', '@cornerstonejs/codec-libjpeg-turbo-8bit/decodewasm'),
  jpegls: () => loadModule('jpegls', () => import('@cornerstonejs/codec-charls/decodewasmjs'), 'charlswasm_decode.wasm', '@cornerstonejs/codec-charls/decodewasm'),
  j2k: () => loadModule('j2k', () => import('@cornerstonejs/codec-openjpeg/decodewasmjs'), 'openjpegwasm_decode.wasm', '@cornerstonejs/codec-openjpeg/decodewasm'),
  htj2k: () => loadModule('htj2k', () => import('@cornerstonejs/codec-openjph/wasmjs'), 'openjphjs.wasm', '@cornerstonejs/codec-openjph/wasm'),
};

const CLASS: Record<keyof typeof CODECS, string> = { jpeg8: 'JPEGDecoder', jpegls: 'JpegLSDecoder', j2k: 'J2KDecoder', htj2k: 'HTJ2KDecoder' };

function checkSize(name: string, width: number, height: number, components: number, e: Expect): void {
  if (width !== e.columns || height !== e.rows) throw new PixelError(`${name}: the codestream is ${width}×${height}, the header says ${e.columns}×${e.rows}`);
  if (components !== e.samples) throw new PixelError(`${name}: the codestream has ${components} components, the header says SamplesPerPixel ${e.samples}`);
}

async function emDecode(kind: keyof typeof CODECS, bytes: Uint8Array, e: Expect): Promise<CodecOutput> {
  const mod = await CODECS[kind]().catch((err) => {
    throw new PixelError(`${e.name} codec could not be loaded: ${messageOf(err)}`);
  });
  let dec: EmDecoder | undefined;
  try {
    dec = new mod[CLASS[kind]]();
    // The codestream's own size, read before the codec allocates for it.
    const s = kind === 'jpegls' ? jpeglsSize(bytes) : kind === 'jpeg8' ? jpegFrameHeader(bytes) : j2kSize(bytes);
    if (!s) throw new PixelError(`${e.name}: no ${kind === 'j2k' || kind === 'htj2k' ? 'SIZ marker' : 'frame header'} in the codestream`);
    checkSize(e.name, s.width, s.height, s.components, e);
    dec.getEncodedBuffer(bytes.length).set(bytes);
    dec.decode();
    const fi = dec.getFrameInfo();
    if (!fi.width || !fi.height) throw new PixelError(`${e.name} codec failed: no image came out (the codestream is damaged)`);
    checkSize(e.name, fi.width, fi.height, fi.componentCount, e);
    if (fi.bitsPerSample > 16) throw new PixelError(`${e.name}: ${fi.bitsPerSample}-bit samples are not decoded (up to 16 are)`);
    const bytesPerSample = fi.bitsPerSample <= 8 ? 1 : 2;
    const out = dec.getDecodedBuffer();
    const want = fi.width * fi.height * fi.componentCount * bytesPerSample;
    if (out.length < want) throw new PixelError(`${e.name}: the codec gave ${out.length} bytes for a ${want}-byte frame`);
    return { width: fi.width, height: fi.height, components: fi.componentCount, bytesPerSample, data: out.slice(0, want) };
  } catch (err) {
    if (err instanceof PixelError) throw err;
    modules.delete(kind); // an aborted WebAssembly instance is not reused
    throw new PixelError(`${e.name} codec failed: ${messageOf(err, mod)}`);
  } finally {
    try {
      dec?.delete();
    } catch {
      modules.delete(kind);
    }
  }
}

/** An Emscripten exception is a pointer (a number); say so instead of printing a number. */
function messageOf(err: unknown, mod?: EmModule): string {
  if (err instanceof Error) return err.message;
  if (typeof err === 'number') {
    const get = (mod as unknown as { getExceptionMessage?: (p: number) => string[] } | undefined)?.getExceptionMessage;
    try {
      if (get) return get(err).filter(Boolean).join(': ');
    } catch {
      /* fall through */
    }
    return 'the codestream is damaged';
  }
  return String(err);
}

/** JPEG-LS SOF55 (FFF7): P, Y, X, Nf, read before CharLS allocates for them. */
function jpeglsSize(b: Uint8Array): { width: number; height: number; components: number } | null {
  for (let i = 2; i + 9 < b.length && i < 65536; ) {
    if (b[i] !== 0xff) return null;
    const marker = b[i + 1];
    const len = (b[i + 2] << 8) | b[i + 3];
    if (marker === 0xf7) return { height: (b[i + 5] << 8) | b[i + 6], width: (b[i + 7] << 8) | b[i + 8], components: b[i + 9] };
    i += 2 + len;
  }
  return null;
}

/** JPEG 2000 / HTJ2K SIZ (FF51): Xsiz − XOsiz, Ysiz − YOsiz, Csiz (a JP2 wrapper is searched through). */
function j2kSize(b: Uint8Array): { width: number; height: number; components: number } | null {
  const end = Math.min(b.length - 40, 1 << 16);
  for (let i = 0; i < end; i++) {
    if (b[i] === 0xff && b[i + 1] === 0x4f && b[i + 2] === 0xff && b[i + 3] === 0x51) {
      const dv = new DataView(b.buffer, b.byteOffset + i + 4, 40);
      const x = dv.getUint32(4), y = dv.getUint32(8), xo = dv.getUint32(12), yo = dv.getUint32(16);
      return { width: x - xo, height: y - yo, components: dv.getUint16(36) };
    }
  }
  return null;
}

export const decodeJpeg8 = (b: Uint8Array, e: Expect) => emDecode('jpeg8', b, e);
export const decodeJpegLs = (b: Uint8Array, e: Expect) => emDecode('jpegls', b, e);
export const decodeJ2k = (b: Uint8Array, e: Expect) => emDecode('j2k', b, e);
export const decodeHtj2k = (b: Uint8Array, e: Expect) => emDecode('htj2k', b, e);

/** The SOF of a DCT or lossless JPEG: precision, height, width, components. */
export function jpegFrameHeader(b: Uint8Array): { precision: number; height: number; width: number; components: number; marker: number } | null {
  if (b[0] !== 0xff || b[1] !== 0xd8) return null;
  for (let i = 2; i + 9 < b.length; ) {
    if (b[i] !== 0xff) {
      i++;
      continue;
    }
    const marker = b[i + 1];
    if (marker === 0xff) {
      i++;
      continue;
    }
    if (marker === 0xd8 || (marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) {
      i += 2;
      continue;
    }
    const len = (b[i + 2] << 8) | b[i + 3];
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      return { marker, precision: b[i + 4], height: (b[i + 5] << 8) | b[i + 6], width: (b[i + 7] << 8) | b[i + 8], components: b[i + 9] };
    }
    if (marker === 0xda) return null;
    i += 2 + len;
  }
  return null;
}

/** JPEG lossless, process 14 (any predictor) and SV1: jpeg-lossless-decoder-js. */
export async function decodeJpegLossless(bytes: Uint8Array, e: Expect): Promise<CodecOutput> {
  const h = jpegFrameHeader(bytes);
  if (!h) throw new PixelError(`${e.name}: no JPEG frame header (SOF) in the fragment`);
  checkSize(e.name, h.width, h.height, h.components, e);
  try {
    const { Decoder } = await import('jpeg-lossless-decoder-js');
    const copy = bytes.slice();
    const out = new Decoder().decompress(copy.buffer, 0, copy.length);
    const u8 = out instanceof ArrayBuffer ? new Uint8Array(out) : new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
    const bytesPerSample = h.precision <= 8 ? 1 : 2;
    const want = h.width * h.height * h.components * bytesPerSample;
    if (u8.length < want) throw new PixelError(`${e.name}: the decoder gave ${u8.length} bytes for a ${want}-byte frame`);
    return { width: h.width, height: h.height, components: h.components, bytesPerSample, data: u8.subarray(0, want) };
  } catch (err) {
    if (err instanceof PixelError) throw err;
    throw new PixelError(`${e.name} codec failed: ${messageOf(err)}`);
  }
}

interface JpegImage12 {
  parse(data: Uint8Array): void;
  colorTransform: boolean | undefined;
  getData(w: number, h: number): Uint8Array;
  getData16(w: number, h: number): Uint16Array;
}

async function loadJpeg12(): Promise<new () => JpegImage12> {
  try {
    // The bundle: scripts/build.mjs resolves this path to the package's file.
    return (await import('@cornerstonejs/dicom-image-loader/dist/esm/codecs/jpeg.js')).default as unknown as new () => JpegImage12;
  } catch {
    // Node (tests): the package's exports do not list the file, so it is found by path.
    const pkg = '@cornerstonejs/dicom-image-loader/package.json'; // a variable: the bundle has no node_modules to resolve in
    const dir = path.dirname(require.resolve(pkg));
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- a computed path, for node only
    return (require(path.join(dir, 'dist/esm/codecs/jpeg.js')) as { default: new () => JpegImage12 }).default;
  }
}

/** JPEG Extended 12-bit (and 8-bit DCT that libjpeg-turbo refuses): the JavaScript DCT decoder cornerstone uses for 12-bit. */
export async function decodeJpeg12(bytes: Uint8Array, e: Expect): Promise<CodecOutput> {
  const h = jpegFrameHeader(bytes);
  if (!h) throw new PixelError(`${e.name}: no JPEG frame header (SOF) in the fragment`);
  checkSize(e.name, h.width, h.height, h.components, e);
  try {
    const JpegImage = await loadJpeg12();
    const jpeg = new JpegImage();
    jpeg.parse(bytes);
    jpeg.colorTransform = false;
    if (h.precision <= 8) return { width: h.width, height: h.height, components: h.components, bytesPerSample: 1, data: jpeg.getData(h.width, h.height) };
    const d = jpeg.getData16(h.width, h.height);
    // Its level shift for 12-bit samples is 2056 × 4095 / 255 ÷ 16 where 2048 + ½ is right: every
    // value comes out 15 too high (measured against dcmtk: all of them), and values from 4080 up
    // read 4095. Undone here: 12-bit values are exact to ±1, those from 4080 up read 4080.
    if (h.precision === 12) for (let i = 0; i < d.length; i++) d[i] = d[i] > 15 ? d[i] - 15 : 0;
    return { width: h.width, height: h.height, components: h.components, bytesPerSample: 2, data: new Uint8Array(d.buffer, d.byteOffset, d.byteLength) };
  } catch (err) {
    if (err instanceof PixelError) throw err;
    throw new PixelError(`${e.name} codec failed: ${messageOf(err)}`);
  }
}
