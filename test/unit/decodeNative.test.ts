/**
 * decodeFrame on uncompressed files written by dcmjs (test/fixtures/pixelFiles.ts), the expected
 * values computed there from what was written: bit depths, signedness, BitsStored/HighBit masking,
 * byte order, planar configuration, YBR, palettes, MONOCHROME1, multi-frame.
 */
import * as assert from 'node:assert/strict';
import { decodeFrame, frameCount } from '../../src/core/pixels';
import { expandSegmented } from '../../src/core/pixels/attrs';
import * as px from '../fixtures/pixelFiles';
import * as fx from '../fixtures/dicomFiles';
import { makeTempDir } from '../fixtures/tmp';

describe('decodeFrame: uncompressed pixel data (dcmjs fixtures)', () => {
  let dir: string;
  before(() => {
    dir = makeTempDir('dwi-native-');
  });

  for (const bits of [8, 16, 32] as const) {
    for (const signed of [false, true]) {
      for (const syntax of ['explicitLittle', 'implicitLittle', 'explicitBig'] as const) {
        it(`${bits}-bit ${signed ? 'signed' : 'unsigned'}, ${syntax}`, async () => {
          const f = px.writeGrey(dir, bits, signed, syntax);
          const d = await decodeFrame(f.path);
          assert.equal(d.rows, f.rows);
          assert.equal(d.columns, f.columns);
          assert.equal(d.samplesPerPixel, 1);
          assert.equal(d.signed, signed);
          assert.deepEqual([...d.data], f.expected);
          const want = bits === 8 ? (signed ? Int8Array : Uint8Array) : bits === 16 ? (signed ? Int16Array : Uint16Array) : signed ? Int32Array : Uint32Array;
          assert.equal(d.data.constructor, want);
        });
      }
    }
  }

  it('multi-frame: each frame its own values, frameCount from the header', async () => {
    const f = px.writeGrey(dir, 16, true, 'explicitLittle', 3);
    assert.equal(await frameCount(f.path), 3);
    for (let i = 0; i < 3; i++) assert.deepEqual([...(await decodeFrame(f.path, i)).data], f.frames![i]);
    await assert.rejects(decodeFrame(f.path, 3), /frame 4 asked for, the file has 3/);
  });

  it('BitsStored 12 of 16: the bits above HighBit masked, the sign extended (little and big endian)', async () => {
    for (const bigEndian of [false, true]) {
      const f = px.writeMasked12(dir, { bigEndian });
      const d = await decodeFrame(f.path);
      assert.equal(d.bitsStored, 12);
      assert.deepEqual([...d.data], f.expected);
    }
  });

  it('HighBit 15 with BitsStored 12: the value is in the high bits, the low ones dropped', async () => {
    const f = px.writeMasked12(dir, { highBit: 15 });
    assert.deepEqual([...(await decodeFrame(f.path)).data], f.expected);
  });

  it('RGB, planar configuration 0 and 1: interleaved either way', async () => {
    for (const planar of [0, 1] as const) {
      const f = px.writeRgb(dir, planar);
      const d = await decodeFrame(f.path);
      assert.equal(d.samplesPerPixel, 3);
      assert.deepEqual([...d.data], f.expected, `planar ${planar}`);
    }
  });

  it('YBR_FULL and YBR_FULL_422 become RGB (PS3.3 C.7.6.3.1.2)', async () => {
    for (const kind of ['YBR_FULL', 'YBR_FULL_422'] as const) {
      const f = px.writeYbr(dir, kind);
      const d = await decodeFrame(f.path);
      assert.equal(d.photometric, kind);
      assert.equal(d.samplesPerPixel, 3);
      assert.deepEqual([...d.data], f.expected, kind);
    }
  });

  it('PALETTE COLOR: indices looked up (first mapped value honoured), plain and segmented LUTs', async () => {
    for (const segmented of [false, true]) {
      const f = px.writePalette(dir, segmented);
      const d = await decodeFrame(f.path);
      assert.equal(d.samplesPerPixel, 3);
      assert.equal(d.bitsStored, 8);
      assert.deepEqual([...d.data], f.expected, segmented ? 'segmented' : 'plain');
    }
  });

  it('segmented palettes (PS3.3 C.7.9.2): discrete, linear and indirect segments', () => {
    // discrete [10, 20]; linear 2 entries to 40 (from 20: 30, 40); indirect: the 2 segments at word 0 again
    // (10, 20, then linear from 20: 30, 40).
    const words = [0, 2, 10, 20, 1, 2, 40, 2, 2, 0, 0];
    assert.deepEqual([...expandSegmented(words, 8)], [10, 20, 30, 40, 10, 20, 30, 40]);
    // Fewer values than entries: the last repeats; an unknown opcode is refused.
    assert.deepEqual([...expandSegmented([0, 1, 7], 3)], [7, 7, 7]);
    assert.throws(() => expandSegmented([5, 1, 7], 3), /unknown segment opcode 5/);
    assert.throws(() => expandSegmented([1, 2, 7], 3), /a linear segment comes first/);
  });

  it('MONOCHROME1 is kept as the photometric (render inverts it) and the values as stored', async () => {
    const f = px.writeGrey(dir, 16, false, 'explicitLittle', 1, 'MONOCHROME1');
    const d = await decodeFrame(f.path);
    assert.equal(d.photometric, 'MONOCHROME1');
    assert.deepEqual([...d.data], f.expected);
  });

  it('the file window, rescale and VOILUTFunction come with the frame', async () => {
    const f = px.writeCtWindowed(dir, { rows: 4, columns: 4, windowCenter: -600, windowWidth: 1500, voiLutFunction: 'SIGMOID' });
    const d = await decodeFrame(f.path);
    assert.deepEqual(d.windows, [{ center: -600, width: 1500 }]);
    assert.equal(d.rescaleIntercept, -1024);
    assert.equal(d.rescaleSlope, 1);
    assert.equal(d.voiLutFunction, 'SIGMOID');
    assert.deepEqual([...d.data], f.expected);
  });

  it("enhanced multi-frame: each frame gets its own rescale and window from its functional groups (else the shared ones)", async () => {
    const perFrame = fx.writeEnhancedCtPerFrame(dir, { fileName: 'enh-perframe.dcm', perFrameIntercept: [-1024, -1000, -900] });
    for (let i = 0; i < 3; i++) {
      const d = await decodeFrame(perFrame.path, i);
      assert.deepEqual(d.windows, [{ center: 40 + i, width: 400 + i }], `frame ${i + 1}'s own window`);
      assert.equal(d.rescaleIntercept, [-1024, -1000, -900][i], `frame ${i + 1}'s own intercept`);
      assert.equal(d.voiLutFunction, 'LINEAR');
    }
    // A frame's windows without a VOI LUT Function of their own are LINEAR, whatever the top level says.
    const noFn = fx.writeEnhancedCtPerFrame(dir, { fileName: 'enh-nofn.dcm', topLevelVoiFunction: 'SIGMOID' });
    for (let i = 0; i < 3; i++) assert.equal((await decodeFrame(noFn.path, i)).voiLutFunction, 'LINEAR', `frame ${i + 1}`);
    const shared = fx.writeEnhancedCtShared(dir, { fileName: 'enh-shared.dcm' });
    for (let i = 0; i < 3; i++) {
      const d = await decodeFrame(shared.path, i);
      assert.deepEqual(d.windows, [{ center: -600, width: 1600 }]);
      assert.equal(d.voiLutFunction, 'SIGMOID');
      assert.equal(d.rescaleIntercept, -1024);
    }
  });
});
