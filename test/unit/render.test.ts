/**
 * renderFrame and `dicom-index render`: the window applied as PS3.3 says (the expected bytes worked
 * out here from the LINEAR formula, not from src/shared/voi.ts), MONOCHROME1 inverted, colour kept,
 * --size by area averaging with the aspect kept; the PNG read back with pngjs; exit codes.
 */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PNG } from 'pngjs';
import { decodeFrame, encodePng, renderFrame } from '../../src/core/pixels';
import * as px from '../fixtures/pixelFiles';
import { makeTempDir } from '../fixtures/tmp';
import { CLI, skipUnlessCliBuilt } from '../fixtures/builtCli';

const cli = (args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 60_000 });

/** PS3.3 C.11.2.1.2.1 LINEAR to 0..255, rounded. */
function linear(x: number, c: number, w: number): number {
  if (x <= c - 0.5 - (w - 1) / 2) return 0;
  if (x > c - 0.5 + (w - 1) / 2) return 255;
  return Math.round(((x - (c - 0.5)) / (w - 1) + 0.5) * 255);
}

/** The grey values of a PNG read back (pngjs gives RGBA). */
function greyOf(file: string): { png: PNG; grey: number[] } {
  const png = PNG.sync.read(fs.readFileSync(file));
  const grey: number[] = [];
  for (let i = 0; i < png.width * png.height; i++) grey.push(png.data[i * 4]);
  return { png, grey };
}

describe('renderFrame', () => {
  let dir: string;
  before(() => {
    dir = makeTempDir('dwi-render-');
  });

  it("the file's window by default (LINEAR), after the rescale", async () => {
    const f = px.writeCtWindowed(dir, { rows: 8, columns: 8 });
    const img = renderFrame(await decodeFrame(f.path));
    assert.equal(img.channels, 1);
    assert.deepEqual([...img.data], f.expected.map((s) => linear(s - 1024, 40, 400)));
  });

  it('a preset and an explicit window; MONOCHROME1 inverted', async () => {
    const f = px.writeCtWindowed(dir, { rows: 8, columns: 8 });
    const d = await decodeFrame(f.path);
    assert.deepEqual([...renderFrame(d, { window: 'lung' }).data], f.expected.map((s) => linear(s - 1024, -600, 1500)));
    assert.deepEqual([...renderFrame(d, { window: { center: 0, width: 2000 } }).data], f.expected.map((s) => linear(s - 1024, 0, 2000)));
    const m1 = px.writeCtWindowed(dir, { rows: 8, columns: 8, photometric: 'MONOCHROME1' });
    assert.deepEqual([...renderFrame(await decodeFrame(m1.path)).data], m1.expected.map((s) => 255 - linear(s - 1024, 40, 400)));
  });

  it('no window in the file: the whole range of the frame', async () => {
    const f = px.writeGrey(dir, 16, false, 'explicitLittle');
    const img = renderFrame(await decodeFrame(f.path));
    const min = Math.min(...f.expected);
    const max = Math.max(...f.expected);
    assert.equal(img.data[f.expected.indexOf(min)], 0);
    assert.equal(img.data[f.expected.indexOf(max)], 255);
  });

  it('colour stays colour; size scales the longer side by area averaging, aspect kept', async () => {
    const f = px.writeRgb(dir, 1);
    const img = renderFrame(await decodeFrame(f.path));
    assert.equal(img.channels, 3);
    assert.deepEqual([...img.data], f.expected);
    // 2×2 → 1×1: the mean of the four pixels, per channel.
    const one = renderFrame(await decodeFrame(f.path), { size: 1 });
    assert.deepEqual([one.width, one.height], [1, 1]);
    const mean = (c: number) => Math.round((f.expected[c] + f.expected[3 + c] + f.expected[6 + c] + f.expected[9 + c]) / 4);
    assert.deepEqual([...one.data], [mean(0), mean(1), mean(2)]);
    const wide = px.writeCtWindowed(dir, { rows: 20, columns: 30 });
    const small = renderFrame(await decodeFrame(wide.path), { size: 10 });
    assert.deepEqual([small.width, small.height], [10, 7]);
    assert.deepEqual([renderFrame(await decodeFrame(wide.path), { size: 100 }).width], [30], 'never enlarged');
  });

  it('encodePng writes grey as colour type 0 and RGB as 2, read back equal', async () => {
    const f = px.writeCtWindowed(dir, { rows: 5, columns: 7 });
    const img = renderFrame(await decodeFrame(f.path));
    const file = path.join(dir, 'grey.png');
    fs.writeFileSync(file, encodePng(img));
    const { png, grey } = greyOf(file);
    assert.equal(png.width, 7);
    assert.equal(png.height, 5);
    assert.equal(fs.readFileSync(file)[25], 0, 'IHDR colour type: grey');
    assert.deepEqual(grey, [...img.data]);
    const rgb = path.join(dir, 'rgb.png');
    fs.writeFileSync(rgb, encodePng(renderFrame(await decodeFrame(px.writeRgb(dir, 0).path))));
    assert.equal(fs.readFileSync(rgb)[25], 2, 'IHDR colour type: RGB');
  });
});

describe('dicom-index render', function () {
  this.timeout(60_000);
  let dir: string;
  before(function () {
    skipUnlessCliBuilt(this);
    dir = makeTempDir('dwi-render-cli-');
  });

  it('--window C/W and --size: the PNG has the size and the values', () => {
    const f = px.writeCtWindowed(dir, { rows: 40, columns: 60 });
    const out = path.join(dir, 'w.png');
    const r = cli(['render', f.path, '--window', '-600/1500', '--out', out]);
    assert.equal(r.status, 0, r.stderr);
    const { png, grey } = greyOf(out);
    assert.deepEqual([png.width, png.height], [60, 40]);
    assert.deepEqual(grey, f.expected.map((s) => linear(s - 1024, -600, 1500)));
    const small = path.join(dir, 's.png');
    assert.equal(cli(['render', f.path, '--window', 'bone', '--size', '30', '--out', small]).status, 0);
    const s = greyOf(small).png;
    assert.deepEqual([s.width, s.height], [30, 20]);
  });

  it('--frame picks the frame; a frame past the end exits 1 with the reason', () => {
    const f = px.writeGrey(dir, 16, false, 'explicitLittle', 2);
    assert.equal(cli(['render', f.path, '--frame', '2', '--out', path.join(dir, 'f2.png')]).status, 0);
    const r = cli(['render', f.path, '--frame', '3', '--out', path.join(dir, 'f3.png')]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /frame 3 asked for, the file has 2/);
    assert.ok(!fs.existsSync(path.join(dir, 'f3.png')));
  });

  it('a file that cannot be decoded exits 1 with the reason and writes nothing', () => {
    const f = px.writeGrey(dir, 16, false, 'explicitLittle');
    const cut = path.join(dir, 'cut.dcm');
    const bytes = fs.readFileSync(f.path);
    fs.writeFileSync(cut, bytes.subarray(0, bytes.length - 3));
    const out = path.join(dir, 'cut.png');
    const r = cli(['render', cut, '--out', out]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /pixel data truncated/);
    assert.ok(!fs.existsSync(out));
  });

  it('bad arguments exit 2 and nothing is overwritten that is not a PNG the user named', () => {
    const f = px.writeGrey(dir, 8, false, 'explicitLittle');
    assert.equal(cli(['render', f.path]).status, 2, 'no --out');
    assert.equal(cli(['render', f.path, '--out', path.join(dir, 'x.jpg')]).status, 2, 'not .png');
    assert.equal(cli(['render', f.path, '--window', '40', '--out', path.join(dir, 'x.png')]).status, 2, 'bad window');
    assert.equal(cli(['render', f.path, '--size', '0', '--out', path.join(dir, 'x.png')]).status, 2, 'bad size');
    assert.equal(cli(['render', path.join(dir, 'missing.dcm'), '--out', path.join(dir, 'x.png')]).status, 2, 'no file');
    // A DICOM file named .png is refused by its content, and left as it was.
    const disguised = path.join(dir, 'disguised.png');
    fs.copyFileSync(f.path, disguised);
    const before = fs.readFileSync(disguised);
    const r = cli(['render', f.path, '--out', disguised]);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /is a DICOM file/);
    assert.deepEqual(fs.readFileSync(disguised), before);
  });
});
