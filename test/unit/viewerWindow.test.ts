/**
 * One windowing rule for every image: the series viewer's canvas (webview/viewer/render.ts, run here
 * as the bundle runs it) draws a slice with the very pixels the core's render (PNG, hover thumbnails)
 * gives for the same file and window choice — the file's own window with its VOI LUT Function, a
 * preset or a dragged window LINEAR, no window LINEAR_EXACT over the range. Files written by dcmjs.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as ts from 'typescript';
import { decodeFrame, renderFrame } from '../../src/core/pixels';
import { readSlice } from '../../src/extension/viewer/slicePixels';
import type { SlicePixels } from '../../src/shared/viewerMessages';
import * as voiModule from '../../src/shared/voi';
import type { Voi, WindowChoice } from '../../src/shared/voi';
import * as px from '../fixtures/pixelFiles';
import { makeTempDir, removeTempDir } from '../fixtures/tmp';

type Slice = { px: SlicePixels };
interface ViewerRender {
  toSlice(p: SlicePixels): Slice;
  sliceVoi(s: Slice, choice: WindowChoice): Voi;
  paint(s: Slice, voi: Voi, img: { data: Uint8ClampedArray }): void;
}

/** webview/viewer/render.ts, type syntax stripped, its one import (src/shared/voi) given the compiled module. */
function loadViewerRender(): ViewerRender {
  const file = path.join(__dirname, '../../../webview/viewer/render.ts');
  const js = ts.transpileModule(fs.readFileSync(file, 'utf8'), { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 } }).outputText;
  const mod = { exports: {} as Record<string, unknown> };
  const req = (id: string) => {
    if (id === '../../src/shared/voi') return voiModule;
    throw new Error(`render.ts imports ${id}`);
  };
  new Function('require', 'module', 'exports', js)(req, mod, mod.exports);
  return mod.exports as unknown as ViewerRender;
}

describe('the viewer and the core window an image alike', function () {
  this.timeout(30_000);
  let dir: string;
  const viewer = loadViewerRender();
  before(() => (dir = makeTempDir('dwi-viewerwin-')));
  after(() => removeTempDir(dir));

  const cases: { name: string; opts: Parameters<typeof px.writeCtWindowed>[1] }[] = [
    { name: 'LINEAR window', opts: { rows: 16, columns: 24 } },
    { name: 'SIGMOID window', opts: { rows: 16, columns: 24, windowCenter: -600, windowWidth: 1500, voiLutFunction: 'SIGMOID' } },
    { name: 'LINEAR_EXACT window', opts: { rows: 16, columns: 24, windowCenter: 100, windowWidth: 900, voiLutFunction: 'LINEAR_EXACT' } },
    { name: 'no window', opts: { rows: 16, columns: 24, noWindow: true } },
    { name: 'MONOCHROME1, SIGMOID', opts: { rows: 16, columns: 24, photometric: 'MONOCHROME1', voiLutFunction: 'SIGMOID' } },
  ];
  const choices: WindowChoice[] = ['file', 'lung', 'bone', { center: 250, width: 700 }, { center: 250, width: 700, fileFunction: true }];
  for (const c of cases) {
    it(`${c.name}: the file's window, presets and a dragged window give the core's pixels`, async () => {
      const sub = path.join(dir, c.name.replace(/\W+/g, '-'));
      fs.mkdirSync(sub);
      const f = px.writeCtWindowed(sub, c.opts);
      const frame = await decodeFrame(f.path, 0);
      const read = await readSlice(f.path, 0, 0);
      assert.ok(read.ok, read.ok ? '' : read.reason);
      const slice = viewer.toSlice(read.pixels);
      for (const choice of choices) {
        const core = renderFrame(frame, { window: choice });
        const voi = viewer.sliceVoi(slice, choice);
        const img = { data: new Uint8ClampedArray(f.rows * f.columns * 4) };
        viewer.paint(slice, voi, img);
        const grey = Uint8Array.from({ length: f.rows * f.columns }, (_, i) => img.data[i * 4]);
        assert.deepEqual(grey, core.data, `${c.name}, window ${JSON.stringify(choice)}`);
      }
    });
  }

  it('colour of 16 bits a sample: the canvas shows what the core renders (scaled to 8 bits, not clipped)', async () => {
    const f = px.writeRgb16(dir);
    const read = await readSlice(f.path, 0, 0);
    assert.ok(read.ok, read.ok ? '' : read.reason);
    const slice = viewer.toSlice(read.pixels);
    const img = { data: new Uint8ClampedArray(f.rows * f.columns * 4) };
    viewer.paint(slice, viewer.sliceVoi(slice, 'file'), img);
    const rgb = Uint8Array.from({ length: f.rows * f.columns * 3 }, (_, i) => img.data[Math.floor(i / 3) * 4 + (i % 3)]);
    const core = renderFrame(await decodeFrame(f.path, 0));
    assert.deepEqual(rgb, core.data);
    // 65535 → 255, 32768 → 128, 4096 → 16, 1000 → 3: the expected values divided by 256.
    assert.deepEqual([...rgb], f.expected.map((x) => Math.floor(x / 256)));
  });
});
