/**
 * Compressed files made at test time from a dcmjs-written image with known values (64×64, 3 frames,
 * 12 bits stored): by dcmtk (JPEG lossless process 14 with predictor 6, SV1 with frames split over
 * several fragments, JPEG-LS lossless with and without a Basic Offset Table and near-lossless, RLE,
 * 12-bit JPEG extended), and by OpenJPH (HTJ2K; the same library as the decoder, so a round trip
 * only). Lossless: equal to what was written; lossy: near what the independent decoder gives
 * (near-lossless also within its bound of what was written). Lossy JPEG 2000 is checked on the
 * corpus' real files (decode.test.ts): GDCM's own lossy JPEG 2000 writer is "very experimental"
 * by its own warning, and its files here hold values unlike the source.
 */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { decodeFrame } from '../../src/core/pixels';
import { readItems, fileSource } from '../../src/core/pixels/source';
import { readHeader } from '../../src/core/dicom/header/read';
import { defaultCtValues, TS, writePart10 } from '../../tools/sample/ctHeader';
import { baseElements, encapsulated, encodeElements, part10 } from '../fixtures/hostile';
import { referenceDecode, referenceTools } from '../fixtures/referencePixels';
import { makeTempDir } from '../fixtures/tmp';

const ROWS = 64;
const COLS = 64;
const FRAMES = 3;

/** A smooth 12-bit image with some noise, different in each frame. */
function imageValues(): number[][] {
  let seed = 12345;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  return Array.from({ length: FRAMES }, (_, f) =>
    Array.from({ length: ROWS * COLS }, (_, i) => {
      const x = i % COLS;
      const y = Math.floor(i / COLS);
      return Math.max(0, Math.min(4095, Math.round(2048 + 1500 * Math.sin((x + f * 7) / 9) * Math.cos(y / 11) + 60 * rnd())));
    }),
  );
}

function writeSource(dir: string, values: number[][]): string {
  const bytes = Buffer.alloc(FRAMES * ROWS * COLS * 2);
  values.flat().forEach((v, i) => bytes.writeUInt16LE(v, i * 2));
  const v = defaultCtValues({ Rows: ROWS, Columns: COLS, BitsAllocated: 16, BitsStored: 12, HighBit: 11, PixelRepresentation: 0, NumberOfFrames: FRAMES, WindowCenter: null, WindowWidth: null });
  const p = path.join(dir, 'source.dcm');
  fs.writeFileSync(p, writePart10(v, TS.explicitLittle, bytes));
  return p;
}

const run = (exe: string, args: string[]) => {
  const r = spawnSync(exe, args, { encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, `${path.basename(exe)} ${args.join(' ')}: ${r.stderr}`);
};

async function framesOf(file: string): Promise<number[][]> {
  const out: number[][] = [];
  for (let i = 0; i < FRAMES; i++) out.push([...(await decodeFrame(file, i)).data]);
  return out;
}

function maxDiff(a: number[][], b: number[][]): number {
  const x = a.flat();
  const y = b.flat();
  let m = 0;
  for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i] - y[i]));
  return m;
}


describe('decodeFrame on files compressed at test time (dcmtk, GDCM, OpenJPH)', function () {
  this.timeout(120_000);
  const tools = referenceTools();
  let dir: string;
  let source: string;
  let values: number[][];
  before(function () {
    dir = makeTempDir('dwi-made-');
    values = imageValues();
    source = writeSource(dir, values);
  });
  const need = (ctx: Mocha.Context, ...names: (keyof typeof tools)[]) => {
    if (names.some((n) => !tools[n])) {
      console.log(`      skipped: install ${tools.missing.join(', ')}`);
      ctx.skip();
    }
  };
  const dcmtk = (name: string) => path.join(path.dirname(tools.dcmdjpeg ?? '/usr/bin/x'), name);

  it('JPEG lossless, process 14, predictor 6 (1.2.840.10008.1.2.4.57): equal', async function () {
    need(this, 'dcmdjpeg');
    const out = path.join(dir, 'p14.dcm');
    run(dcmtk('dcmcjpeg'), ['+el', '+sv', '6', source, out]);
    assert.equal((await readHeader(out)).transferSyntax, '1.2.840.10008.1.2.4.57');
    assert.deepEqual(await framesOf(out), values);
  });

  it('JPEG lossless SV1, each frame in several fragments: equal', async function () {
    need(this, 'dcmdjpeg');
    const out = path.join(dir, 'sv1-frag.dcm');
    run(dcmtk('dcmcjpeg'), ['+e1', '+fs', '1', source, out]);
    const h = await readHeader(out);
    const src = await fileSource(out);
    const items = await readItems(src, h.pixelData!.offset);
    await src.close();
    assert.ok(items.fragments.length > FRAMES, `${items.fragments.length} fragments for ${FRAMES} frames`);
    assert.deepEqual(await framesOf(out), values);
  });

  for (const table of ['+ot', '-ot']) {
    it(`JPEG-LS lossless, frames over several fragments, ${table === '+ot' ? 'with' : 'without'} a Basic Offset Table: equal`, async function () {
      need(this, 'dcmdjpls');
      const out = path.join(dir, `jls${table}.dcm`);
      run(dcmtk('dcmcjpls'), ['+el', '+fs', '1', table, source, out]);
      const h = await readHeader(out);
      const src = await fileSource(out);
      const items = await readItems(src, h.pixelData!.offset);
      await src.close();
      assert.equal(items.bot.length, table === '+ot' ? FRAMES : 0);
      assert.ok(items.fragments.length > FRAMES);
      assert.deepEqual(await framesOf(out), values);
    });
  }

  it('JPEG-LS near-lossless (NEAR 2): within 2 of what was written, equal to dcmdjpls', async function () {
    need(this, 'dcmdjpls', 'python');
    const out = path.join(dir, 'jls-near.dcm');
    run(dcmtk('dcmcjpls'), ['+en', source, out]);
    const ours = await framesOf(out);
    assert.ok(maxDiff(ours, values) <= 2, `max |diff| ${maxDiff(ours, values)}`);
    const ref = referenceDecode(out, '1.2.840.10008.1.2.4.81', dir);
    assert.ok(typeof ref !== 'string', String(ref));
    assert.deepEqual(ours.flat(), [...ref.values]);
  });

  it('RLE Lossless (dcmcrle): equal', async function () {
    need(this, 'dcmdrle');
    const out = path.join(dir, 'rle.dcm');
    run(dcmtk('dcmcrle'), [source, out]);
    assert.deepEqual(await framesOf(out), values);
  });

  it('JPEG extended 12-bit (1.2.840.10008.1.2.4.51): near what dcmdjpeg decodes', async function () {
    need(this, 'dcmdjpeg', 'python');
    const out = path.join(dir, 'ext12.dcm');
    run(dcmtk('dcmcjpeg'), ['+ee', source, out]);
    assert.equal((await readHeader(out)).transferSyntax, '1.2.840.10008.1.2.4.51');
    const ours = await framesOf(out);
    const ref = referenceDecode(out, '1.2.840.10008.1.2.4.51', dir);
    assert.ok(typeof ref !== 'string', String(ref));
    const d = ours.flat().map((v, i) => Math.abs(v - ref.values[i]));
    assert.ok(Math.max(...d) <= 16 && d.reduce((s, x) => s + x, 0) / d.length <= 1.5, `against dcmdjpeg: max ${Math.max(...d)}`);
    // (Not compared with the source: dcmcjpeg maps the values into its 12-bit range and says so in the header.)
  });

  it('HTJ2K lossless (1.2.840.10008.1.2.4.201), encoded by OpenJPH, with a Basic Offset Table: equal', async () => {
    const fragments = await htj2kEncode(values);
    const bot: number[] = [];
    let at = 0;
    for (const f of fragments) {
      bot.push(at);
      at += 8 + f.length;
    }
    const els = imageElements();
    const file = path.join(dir, 'htj2k.dcm');
    fs.writeFileSync(file, part10('1.2.840.10008.1.2.4.201', Buffer.concat([encodeElements(els), encapsulated(bot, fragments)])));
    assert.deepEqual(await framesOf(file), values);
  });

  it('Extended Offset Table (7FE0,0001/0002): frames found by it, even out of order, the Basic Offset Table empty', async () => {
    const fragments = await htj2kEncode(values);
    // Stored as frame 2, frame 0, frame 1; the Extended Offset Table says where each frame is.
    const order = [2, 0, 1];
    const stored = order.map((f) => fragments[f]);
    const offsets = new Array<number>(FRAMES);
    const lengths = new Array<number>(FRAMES);
    let at = 0;
    stored.forEach((f, k) => {
      offsets[order[k]] = at;
      lengths[order[k]] = f.length;
      at += 8 + f.length;
    });
    const ov = (xs: number[]) => {
      const b = Buffer.alloc(xs.length * 8);
      xs.forEach((x, i) => b.writeBigUInt64LE(BigInt(x), i * 8));
      return b;
    };
    const els = imageElements();
    els.set(0x7fe00001, ['OV', ov(offsets)]);
    els.set(0x7fe00002, ['OV', ov(lengths)]);
    const file = path.join(dir, 'htj2k-eot.dcm');
    fs.writeFileSync(file, part10('1.2.840.10008.1.2.4.201', Buffer.concat([encodeElements(els), encapsulated([], stored)])));
    // OV has a 4-byte length, which dicom-parser reads as 2 bytes: the header reader reads it itself.
    const h = await readHeader(file);
    assert.equal(h.status, 'ok', h.error ?? '');
    assert.equal(h.dataSet!.elements.x7fe00001.length, 24);
    assert.deepEqual(await framesOf(file), values);
  });
});

/** The header of the 64×64, 3-frame, unsigned 12-bit image, as raw elements (for encapsulated files written here). */
function imageElements() {
  const els = baseElements();
  const us = (n: number) => Buffer.from([n & 0xff, n >> 8]);
  els.set(0x00280010, ['US', us(ROWS)]);
  els.set(0x00280011, ['US', us(COLS)]);
  els.set(0x00280103, ['US', us(0)]);
  els.set(0x00280008, ['IS', String(FRAMES)]);
  return els;
}

/** Each frame as an HTJ2K codestream, by OpenJPH's encoder (the full build of @cornerstonejs/codec-openjph). */
async function htj2kEncode(frames: number[][]): Promise<Uint8Array[]> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const factory = require('@cornerstonejs/codec-openjph/wasmjs') as (o: object) => Promise<Record<string, new () => Record<string, (...a: unknown[]) => unknown>>>;
  const m = await factory({ wasmBinary: fs.readFileSync(require.resolve('@cornerstonejs/codec-openjph/wasm')) });
  return frames.map((f) => {
    const enc = new m.HTJ2KEncoder();
    const raw = enc.getDecodedBuffer({ width: COLS, height: ROWS, bitsPerSample: 12, componentCount: 1, isSigned: false, isUsingColorTransform: false }) as Uint8Array;
    raw.set(new Uint8Array(Uint16Array.from(f).buffer));
    enc.setQuality(true, 0);
    enc.encode();
    const out = (enc.getEncodedBuffer() as Uint8Array).slice();
    enc.delete();
    return out;
  });
}
