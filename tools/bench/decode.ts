/**
 * `npm run bench:decode`: time to decode one 512×512 CT slice per codec, in a fresh process each:
 * the first decodeFrame (the codec's code and WebAssembly loaded and compiled on that call) and the
 * median of 20 more (warm), plus renderFrame to 256 px. The slices are made here from the sample
 * generator's chest phantom (12 bits stored): RLE, JPEG lossless SV1 and 12-bit extended (dcmtk),
 * JPEG baseline and JPEG-LS near-lossless (dcmtk, from an 8-bit copy), JPEG-LS lossless (dcmtk),
 * JPEG 2000 (GDCM), HTJ2K (OpenJPH).
 * Each codec twice: with V8's defaults (as in the VS Code extension host, which cannot change V8's
 * flags) and with the CLI's flags (src/core/runtime.ts: --liftoff-only --no-wasm-lazy-compilation).
 * A tool that is missing leaves its row out and says so.
 *
 *   npm run bench:decode [-- --rounds N]
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { defaultCtValues, TS, writePart10 } from '../sample/ctHeader';
import { fillChestPhantom, makeNoiseTable } from '../sample/pixels';

const N = 512;

async function child(file: string, rounds: number): Promise<void> {
  const t0 = process.hrtime.bigint();
  const { decodeFrame, renderFrame } = await import('../../src/core/pixels');
  const loaded = process.hrtime.bigint();
  const first = await decodeFrame(file);
  const t1 = process.hrtime.bigint();
  const warm: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const s = process.hrtime.bigint();
    await decodeFrame(file);
    warm.push(Number(process.hrtime.bigint() - s) / 1e6);
  }
  warm.sort((a, b) => a - b);
  const s = process.hrtime.bigint();
  renderFrame(first, { size: 256 });
  const render = Number(process.hrtime.bigint() - s) / 1e6;
  process.stdout.write(JSON.stringify({ moduleMs: Number(loaded - t0) / 1e6, firstMs: Number(t1 - loaded) / 1e6, warmMs: warm[warm.length >> 1], renderMs: render }) + '\n');
}

function which(name: string): string | null {
  return ['/usr/bin', '/usr/local/bin'].map((d) => path.join(d, name)).find((p) => fs.existsSync(p)) ?? null;
}

async function htj2k(values: Int16Array, file: string): Promise<void> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const factory = require('@cornerstonejs/codec-openjph/wasmjs') as (o: object) => Promise<Record<string, new () => Record<string, (...a: unknown[]) => unknown>>>;
  const m = await factory({ wasmBinary: fs.readFileSync(require.resolve('@cornerstonejs/codec-openjph/wasm')) });
  const enc = new m.HTJ2KEncoder();
  (enc.getDecodedBuffer({ width: N, height: N, bitsPerSample: 12, componentCount: 1, isSigned: true, isUsingColorTransform: false }) as Uint8Array).set(new Uint8Array(values.buffer));
  enc.setQuality(true, 0);
  enc.encode();
  const cs = (enc.getEncodedBuffer() as Uint8Array).slice();
  const item = (b: Uint8Array) => {
    const h = Buffer.alloc(8);
    h.writeUInt16LE(0xfffe, 0);
    h.writeUInt16LE(0xe000, 2);
    h.writeUInt32LE(b.length + (b.length & 1), 4);
    return Buffer.concat([h, b, Buffer.alloc(b.length & 1)]);
  };
  const px = Buffer.concat([item(new Uint8Array(0)), item(cs), Buffer.from([0xfe, 0xff, 0xdd, 0xe0, 0, 0, 0, 0])]);
  const v = defaultCtValues({ Rows: N, Columns: N });
  // dcmjs writes an OB of undefined length as given when its value is the encapsulated items.
  const native = writePart10(v, '1.2.840.10008.1.2.4.201', new Uint8Array(0));
  // Replace the (empty) native pixel element with the encapsulated one: find (7FE0,0010) OW length 0.
  const tag = Buffer.from([0xe0, 0x7f, 0x10, 0x00]);
  const at = native.lastIndexOf(tag);
  const head = Buffer.from(native.subarray(0, at));
  const el = Buffer.concat([tag, Buffer.from('OB'), Buffer.alloc(2), Buffer.from([0xff, 0xff, 0xff, 0xff])]);
  fs.writeFileSync(file, Buffer.concat([head, el, px]));
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args[0] === '--child') return child(args[1], Number(args[2]));
  const rounds = args.includes('--rounds') ? Number(args[args.indexOf('--rounds') + 1]) : 20;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dwi-bench-decode-'));
  try {
    const values = new Int16Array(N * N);
    fillChestPhantom(values, N, N, 0.5, makeNoiseTable(N * N + 64, 1), 0);
    const src = path.join(dir, 'native.dcm');
    fs.writeFileSync(src, writePart10(defaultCtValues({ Rows: N, Columns: N }), TS.explicitLittle, new Uint8Array(values.buffer)));
    const eight = path.join(dir, 'eight.dcm');
    const u8 = Uint8Array.from(values, (x) => Math.max(0, Math.min(255, (x + 1024) >> 4)));
    fs.writeFileSync(eight, writePart10(defaultCtValues({ Rows: N, Columns: N, BitsAllocated: 8, BitsStored: 8, HighBit: 7, PixelRepresentation: 0, RescaleIntercept: 0 }), TS.explicitLittle, u8));
    const rows: [string, string][] = [['native (explicit LE)', src]];
    const make = (name: string, tool: string, a: string[], input = src) => {
      const exe = which(tool);
      if (!exe) return console.log(`(${name}: ${tool} is not installed)`);
      const out = path.join(dir, `${name.replace(/\W+/g, '_')}.dcm`);
      const r = spawnSync(exe, [...a, input, out], { encoding: 'utf8' });
      if (r.status !== 0) return console.log(`(${name}: ${tool} failed: ${r.stderr.trim().split('\n')[0]})`);
      rows.push([name, out]);
    };
    make('RLE', 'dcmcrle', []);
    make('JPEG baseline 8-bit', 'dcmcjpeg', ['+eb'], eight);
    make('JPEG extended 12-bit', 'dcmcjpeg', ['+ee']);
    make('JPEG lossless SV1', 'dcmcjpeg', ['+e1']);
    make('JPEG-LS lossless', 'dcmcjpls', ['+el']);
    make('JPEG-LS near-lossless 8-bit', 'dcmcjpls', ['+en'], eight); // dcmcjpls refuses signed data for near-lossless
    make('JPEG 2000 lossless', 'gdcmconv', ['--j2k']);
    const ht = path.join(dir, 'htj2k.dcm');
    await htj2k(values, ht);
    rows.push(['HTJ2K lossless', ht]);
    console.log(`One ${N}×${N} CT slice, a fresh process per codec; warm = median of ${rounds}.`);
    console.log('| codec | file KB | first decode, V8 defaults (codec load incl.) ms | warm, V8 defaults ms | first, CLI flags ms | warm, CLI flags ms | render to 256 px ms |');
    console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: |');
    const measure = (file: string, flags: string[]) => {
      const r = spawnSync(process.execPath, [...flags, __filename, '--child', file, String(rounds)], { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(r.stderr.trim().split('\n').pop());
      return JSON.parse(r.stdout.trim().split('\n').pop()!) as Record<string, number>;
    };
    for (const [name, file] of rows) {
      try {
        const d = measure(file, []);
        const c = measure(file, ['--liftoff-only', '--no-wasm-lazy-compilation']);
        console.log(`| ${name} | ${Math.round(fs.statSync(file).size / 1024)} | ${d.firstMs.toFixed(0)} | ${d.warmMs.toFixed(1)} | ${c.firstMs.toFixed(0)} | ${c.warmMs.toFixed(1)} | ${d.renderMs.toFixed(1)} |`);
      } catch (e) {
        console.log(`| ${name} | failed: ${(e as Error).message} |`);
      }
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

void main();
