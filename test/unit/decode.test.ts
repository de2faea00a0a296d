/**
 * decodeFrame on the real files of ../shared/corpus: every compressed file against an independent
 * decoder (dcmtk or GDCM decompresses it, pydicom reads the values): lossless pixel for pixel,
 * lossy within a stated tolerance (and --pixel-stats' mean of the lossless ones equal to the reference's);
 * every uncompressed file's mean against oracle.jsonl (pydicom).
 */
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { decodeFrame, PixelError, type DecodedFrame } from '../../src/core/pixels';
import { COMPRESSED_SYNTAXES } from '../../src/core/pixels/decode';
import { readHeader } from '../../src/core/dicom/header/read';
import { extractFields } from '../../src/core/dicom/extract';
import { pixelSummary } from '../../src/core/dicom/pixelStats';
import { corpusDir, loadOracle, type OracleRow } from './corpus';
import { referenceDecode, referenceTools } from '../fixtures/referencePixels';
import { makeTempDir } from '../fixtures/tmp';

const corpus = corpusDir();
const rows: OracleRow[] = corpus ? loadOracle(corpus) : [];
const withPixels = rows.filter((r) => r.is_dicom && r.Rows && r.status !== 'error');

/** Lossy syntaxes and the largest difference allowed from the reference decoder (in stored units). */
const LOSSY_TOLERANCE: Record<string, (bitsStored: number) => number> = {
  // Two IDCT implementations (IJG's in dcmtk, libjpeg-turbo's or pdf.js-derived here) round apart.
  '1.2.840.10008.1.2.4.50': () => 4,
  '1.2.840.10008.1.2.4.51': (b) => (b > 8 ? 16 : 4),
  // Both are OpenJPEG: expected equal, one unit of rounding allowed.
  '1.2.840.10008.1.2.4.91': () => 1,
};

/**
 * Files whose colour edges differ more: an RGB-labelled JPEG with subsampled chroma is decoded here
 * without a colour transform by the JavaScript decoder (nearest-neighbour upsampling); dcmtk upsamples
 * "fancily". The colour bars of this 100×100 test image have edges every few rows (measured: 2,000 of
 * 30,000 values beyond ±4, mean |diff| 1.28).
 */
const EDGE_SHARE: Record<string, number> = { 'SC_rgb_jpeg_lossy_gdcm.dcm': 0.08 };

async function allFrames(file: string, frames: number): Promise<{ first: DecodedFrame; values: number[] }> {
  const values: number[] = [];
  let first: DecodedFrame | undefined;
  for (let i = 0; i < frames; i++) {
    const f = await decodeFrame(file, i);
    first ??= f;
    for (let k = 0; k < f.data.length; k++) values.push(f.data[k]);
  }
  return { first: first!, values };
}

/** A reference value as the stored value of `bits` bits (pydicom 2 neither masks nor sign-extends). */
function normalise(v: number, bits: number, signed: boolean): number {
  if (bits >= 32) return v;
  const m = ((v % 2 ** bits) + 2 ** bits) % 2 ** bits;
  return signed && m >= 2 ** (bits - 1) ? m - 2 ** bits : m;
}

describe('decodeFrame against independent decoders (../shared/corpus)', function () {
  this.timeout(600_000);
  const tools = referenceTools();
  const compressed = withPixels.filter((r) => COMPRESSED_SYNTAXES[r.TransferSyntaxUID as string]);
  const results: string[] = [];
  after(() => {
    if (results.length) console.log(`      ${results.join('\n      ')}`);
  });

  it('the corpus holds compressed files of every kind it should', function () {
    if (!corpus) this.skip();
    const syntaxes = new Set(compressed.map((r) => r.TransferSyntaxUID));
    for (const ts of ['1.2.840.10008.1.2.5', '1.2.840.10008.1.2.4.50', '1.2.840.10008.1.2.4.51', '1.2.840.10008.1.2.4.70', '1.2.840.10008.1.2.4.80', '1.2.840.10008.1.2.4.81', '1.2.840.10008.1.2.4.90', '1.2.840.10008.1.2.4.91']) {
      assert.ok(syntaxes.has(ts), ts);
    }
  });

  for (const row of compressed) {
    const ts = row.TransferSyntaxUID as string;
    it(`${row.path.replace(/^real\//, '')} (${COMPRESSED_SYNTAXES[ts].name})`, async function () {
      if (!corpus) this.skip();
      if (tools.missing.length) {
        console.log(`      skipped: install ${tools.missing.join(', ')}`);
        this.skip();
      }
      const file = path.join(corpus, row.path);
      const ref = referenceDecode(file, ts, makeTempDir('dwi-decode-'));
      if (typeof ref === 'string') {
        // The independent decoder refuses the file: ours must refuse it too, with a reason.
        await assert.rejects(decodeFrame(file, 0), (e: unknown) => e instanceof PixelError && e.message.length > 10);
        results.push(`${path.basename(row.path)}: refused, as by ${ref}`);
        return;
      }
      const { first, values } = await allFrames(file, ref.frames);
      assert.equal(first.rows, ref.rows);
      assert.equal(first.columns, ref.columns);
      assert.equal(first.samplesPerPixel, ref.samples);
      assert.equal(values.length, ref.values.length, 'value count');
      if (ref.photometric === 'PALETTE COLOR' || (row.PhotometricInterpretation === 'PALETTE COLOR')) {
        // pydicom's lookup gives the palette's 16-bit entries; ours are scaled to 8 bits.
        const max = ref.values.reduce((m, v) => Math.max(m, v), 0);
        if (max > 255) for (let i = 0; i < ref.values.length; i++) ref.values[i] = Math.floor(ref.values[i] / 256);
      }
      const tol = LOSSY_TOLERANCE[ts]?.(first.bitsStored) ?? 0;
      let maxDiff = 0;
      let sumDiff = 0;
      let outside = 0;
      for (let i = 0; i < values.length; i++) {
        const d = Math.abs(values[i] - normalise(ref.values[i], first.bitsStored, first.signed));
        sumDiff += d;
        if (d > maxDiff) maxDiff = d;
        if (d > tol) outside++;
      }
      const mean = sumDiff / values.length;
      results.push(`${path.basename(row.path)}: ${ref.tool}, ${values.length} values, max |diff| ${maxDiff}, mean |diff| ${mean.toFixed(4)}, ${outside} beyond ±${tol}`);
      if (tol === 0) {
        assert.equal(maxDiff, 0, `lossless: max |diff| ${maxDiff}`);
        // --pixel-stats decodes too: its mean is the reference's (a palette's is of the indices, not compared).
        if (row.PhotometricInterpretation !== 'PALETTE COLOR') {
          const h = await readHeader(file);
          const p = await pixelSummary(file, h, extractFields(h.dataSet!, h.transferSyntax).values);
          const refMean = ref.values.reduce((a, v) => a + normalise(v, first.bitsStored, first.signed), 0) / ref.values.length;
          assert.ok(p?.mean != null && Math.abs(p.mean - refMean) <= 1e-9 * Math.max(1, Math.abs(refMean)), `pixel stats mean ${p?.mean} vs ${refMean} (${p?.summary})`);
        }
      }
      else {
        // Lossy: within ±tol, except at colour edges of chroma-subsampled JPEG (nearest-neighbour
        // upsampling here, IJG's "fancy" upsampling in dcmtk): at most 1 % of the values, mean ≤ 1.5.
        assert.ok(mean <= 1.5, `mean |diff| ${mean}`);
        const share = EDGE_SHARE[path.basename(row.path)] ?? 0.01;
        assert.ok(outside <= values.length * share, `${outside} of ${values.length} values beyond ±${tol}`);
      }
    });
  }
});

describe('decodeFrame of uncompressed corpus files: the mean of the stored values as in oracle.jsonl', function () {
  this.timeout(120_000);
  const native = withPixels.filter((r) => !COMPRESSED_SYNTAXES[r.TransferSyntaxUID as string] && typeof r.pixel_mean === 'number');
  it('every file with an oracle mean', async function () {
    if (!corpus) this.skip();
    assert.ok(native.length > 90, `${native.length} files`);
    let checked = 0;
    for (const row of native) {
      // YBR_FULL_422 is given as RGB (3 values a pixel); the oracle's mean is of the 2 stored values a pixel.
      if (row.PhotometricInterpretation === 'YBR_FULL_422') continue;
      const frames = Number(row.NumberOfFrames) || 1;
      const { values } = await allFrames(path.join(corpus, row.path), frames);
      const mean = values.reduce((s, v) => s + v, 0) / values.length;
      const want = row.pixel_mean as number;
      assert.ok(Math.abs(mean - want) <= 1e-9 * Math.max(1, Math.abs(want)), `${row.path}: ${mean} vs ${want}`);
      checked++;
    }
    assert.ok(checked > 90);
  });

  it('a truncated file says so', async function () {
    if (!corpus) this.skip();
    await assert.rejects(decodeFrame(path.join(corpus, 'real/pydicom-2.3.1/test_files/MR_truncated.dcm')), /^PixelError: pixel data truncated: frame 1 needs bytes 0–8192.*file ends 8130 bytes/);
  });
});
