#!/usr/bin/env node
// UI test of the DICOM Index tree with Playwright in a real VS Code (code-server + headless chromium),
// driven as a user would: open a folder holding a small LIDC-like sample, open the DICOM view (its
// welcome view offers "Index Workspace"), F1 → "DICOM: Index Workspace", wait for the patient rows,
// expand a patient, its study and a series, hover an instance row and read its tooltip (the tag table,
// with SOPInstanceUID), check the status bar and the walkthrough's ticks. Then a folder without DICOM
// files (the "no DICOM files" welcome, no index), a folder whose .vscode/settings.json names a folder
// as the database (the error with its button, the message and a row instead of the index, nothing
// written), and the real corpus (../shared/corpus/real, copied): the totals line, Problems first, the
// series labels, the Checks node opened to a check and its series (a click reveals the series in the
// patient tree, whose hover lists its findings), in the light and the dark theme.
// Screenshots: test-results/tree-welcome.png, tree.png, tooltip.png, tooltip-series.png,
// tooltip-escaped.png, tree-walkthrough.png, tree-empty.png, tree-refused.png, tree-real-light.png,
// tree-checks-light.png, tree-checks-revealed.png, tooltip-checks-light.png, tree-real-dark.png,
// tree-checks-dark.png, tooltip-checks-dark.png.
//
//   npx tsc -p . && node scripts/build.mjs && node test/ui/tree.ui.mjs [--keep] [--headed]
//
// Prints `ui tree: N passed, N failed` and exits non-zero on a failure.
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { repoRoot, startCodeServer } from '../harness/codeServer.mjs';
import { launchChromium, openWorkbench } from '../harness/browser.mjs';
import { answerSaveDialog, hoverAndReadTooltip, runCommand, screenshot, viewPane, waitForNotification, waitForTreeRows, waitForWorkbench } from '../harness/workbench.mjs';
import { createChecks } from '../harness/checks.mjs';
import { tearDown } from '../harness/teardown.mjs';

const require = createRequire(import.meta.url);
const { values: opts } = parseArgs({ options: { keep: { type: 'boolean', default: false }, headed: { type: 'boolean', default: false } } });
const say = (m) => console.log(`[ui tree] ${m}`);
const t0 = Date.now();
const VIEW = 'Index';
const CORPUS = process.env.DICOM_CORPUS ? path.join(process.env.DICOM_CORPUS, 'real') : path.resolve(repoRoot, '..', 'shared', 'corpus', 'real');

const sampleModule = path.join(repoRoot, 'out', 'tools', 'sample', 'lidcSample.js');
for (const f of [sampleModule, path.join(repoRoot, 'dist', 'extension.js')]) {
  if (!existsSync(f)) {
    console.error(`[ui tree] ${path.relative(repoRoot, f)} is missing: run \`npx tsc -p . && node scripts/build.mjs\``);
    process.exit(2);
  }
}

// ---- a workspace with a small LIDC-shaped sample (3 patients, 60 files of 64×64) ----------------
const runDir = mkdtempSync(path.join(os.tmpdir(), 'dwi-ui-tree-'));
const workspace = path.join(runDir, 'LIDC-sample');
const { generateLidcSample } = require(sampleModule);
const sample = await generateLidcSample(workspace, { patients: 3, slicesPerSeries: 20, size: 64, seed: 3 });
// One more patient whose values are hostile Markdown/HTML: they must show as text and run nothing.
const HTML_NAME = '<img src=x onerror=alert(1)>';
const LINK_DESC = '[x](command:workbench.action.quit) | **b**';
const fixtures = require(path.join(repoRoot, 'out', 'test', 'fixtures', 'dicomFiles.js'));
fixtures.writeSeries(path.join(workspace, 'incoming', 'EVIL'), { count: 2, sliceThickness: 2, patientId: 'ZZ-EVIL', patientName: HTML_NAME, seriesDescription: LINK_DESC });
const totalFiles = sample.files + 2;
say(`workspace ${workspace}: ${sample.files} files, ${sample.patients} patients, ${sample.series} series (+2 hostile)`);

let page;
const ui = createChecks('tree', () => page);
const { check, assert, assertEq } = ui;

let server;
let browser;
async function cleanup() {
  await tearDown({ browser, server, runDir, keep: opts.keep, say });
}
const clearTimeLimit = ui.limitTime(8 * 60_000, cleanup);

/** The rows of the DICOM Index view. */
const treeRows = async () => (await viewPane(page, VIEW)).locator('.pane-body .monaco-list-row');
/** The row whose label text matches. */
const row = async (re) => (await treeRows()).filter({ has: page.locator('.label-name', { hasText: re }) }).first();
/**
 * Hovers a row and returns the tooltip's text once `ready` accepts it (the hover can first show a
 * placeholder while resolveTreeItem builds the tooltip). Zero-width spaces (wrap points) removed.
 */
async function tooltipText(rowLocator, ready) {
  await hoverAndReadTooltip(page, rowLocator.locator('.label-name'), { timeout: 20_000 });
  const hover = page.locator('.workbench-hover, .monaco-hover').filter({ visible: true }).first();
  const deadline = Date.now() + 20_000;
  for (;;) {
    const text = (await hover.innerText()).replace(/\u200b/g, '');
    if (ready(text)) return text;
    if (Date.now() > deadline) throw new Error(`tooltip not ready: ${text.slice(0, 400)}`);
    await page.waitForTimeout(200);
  }
}
/** Images and thickness are visible at the default sidebar width: the row's label is not cut off. */
async function assertFits(rowLocator) {
  const name = rowLocator.locator('.label-name').first();
  const cut = await name.evaluate((el) => {
    const row = el.closest('.monaco-list-row').getBoundingClientRect();
    return el.scrollWidth > el.clientWidth + 1 || el.getBoundingClientRect().right > row.right || /…$/.test(el.textContent ?? '');
  });
  if (cut) throw new Error(`the label is cut off at the default sidebar width: ${await name.innerText()}`);
}
/** Opens another folder in the same window (the workbench reloads with it). */
async function openFolder(folder) {
  await openWorkbench(page, { url: server.url, folder, remoteAuthority: server.remoteAuthority, payload: [['extensionDevelopmentPath', repoRoot]] });
  await waitForWorkbench(page);
  const icon = page.locator('.activitybar .action-item a[aria-label^="DICOM"], .activitybar .action-item[aria-label^="DICOM"]').first();
  await icon.waitFor({ state: 'visible', timeout: 60_000 });
  if (!(await page.locator('.part.sidebar .composite.title', { hasText: /DICOM/i }).first().isVisible())) await icon.click();
}
async function expand(re) {
  const r = await row(re);
  await r.waitFor({ state: 'visible', timeout: 30_000 });
  if ((await r.getAttribute('aria-expanded')) !== 'true') await r.click();
  await page.waitForFunction((el) => el.getAttribute('aria-expanded') === 'true', await r.elementHandle(), { timeout: 15_000 });
}

try {
  server = await startCodeServer({ stateDir: path.join(runDir, 'server'), settings: { 'workbench.colorTheme': 'Default Light Modern', 'workbench.hover.delay': 300 } });
  browser = await launchChromium({ stateDir: path.join(runDir, 'chromium'), headless: !opts.headed });
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  page = await context.newPage();
  await openWorkbench(page, { url: server.url, folder: workspace, remoteAuthority: server.remoteAuthority, payload: [['extensionDevelopmentPath', repoRoot]] });
  await waitForWorkbench(page);
  say(`workbench loaded (${Date.now() - t0} ms)`);

  await check('the DICOM activity bar container shows the view with its welcome and "Index Workspace" button', async () => {
    const icon = page.locator('.activitybar .action-item a[aria-label^="DICOM"], .activitybar .action-item[aria-label^="DICOM"]').first();
    await icon.waitFor({ state: 'visible', timeout: 60_000 });
    await icon.click();
    const pane = await viewPane(page, VIEW, { timeout: 30_000 });
    const button = pane.locator('.welcome-view-content .monaco-button', { hasText: 'Index Workspace' }).first();
    await button.waitFor({ state: 'visible', timeout: 30_000 });
    await screenshot(page, 'tree-welcome.png');
  });

  // The walkthrough service listens for completion events once it exists (a first-run window opens
  // the welcome page, which makes it): open the walkthrough before doing its steps.
  const step = (id) => page.locator(`button.getting-started-step[data-step-id$="${id}"]`).first();
  const ticked = (id) => page.waitForFunction((sel) => document.querySelector(sel)?.getAttribute('aria-checked') === 'true', `button.getting-started-step[data-step-id$="${id}"]`, { timeout: 15_000 });
  const showWalkthrough = () => page.locator('.tab', { hasText: 'Walkthrough' }).first().click();
  await check('the walkthrough "Get Started with DICOM" opens with its steps not done yet', async () => {
    await runCommand(page, 'Welcome: Open Walkthrough...');
    const input = page.locator('.quick-input-widget .quick-input-box input').first();
    await input.fill('Get Started with DICOM');
    await page.locator('.quick-input-widget .monaco-list-row', { hasText: 'Get Started with DICOM' }).first().waitFor({ timeout: 15_000 });
    await input.press('Enter');
    await step('index').waitFor({ state: 'attached', timeout: 30_000 });
    for (const id of ['index', 'summary', 'export']) assert((await step(id).getAttribute('aria-checked')) === 'false', `the "${id}" step is not ticked yet`);
  });

  await check('F1 → "DICOM: Index Workspace" fills the tree with the patients', async () => {
    await runCommand(page, 'DICOM: Index Workspace');
    const rows = await waitForTreeRows(page, VIEW, { minRows: 3, timeout: 60_000 });
    await page.waitForFunction(() => document.querySelectorAll('.monaco-list-row .label-name').length >= 3, null, { timeout: 30_000 });
    const labels = await rows.locator('.label-name').allInnerTexts();
    assert(labels.filter((l) => /^LIDC-IDRI-\d{4}$/.test(l.trim())).length === 3, `three patient rows, got ${JSON.stringify(labels)}`);
    const descriptions = await rows.locator('.label-description').allInnerTexts();
    assert(descriptions.some((d) => /^1 study$/.test(d.trim())), `"1 study" descriptions, got ${JSON.stringify(descriptions)}`);
  });

  await check('expanding a patient, its study and a series shows the instances with counts', async () => {
    await expand(/^LIDC-IDRI-0001$/);
    const study = await row(/^\d{4}-\d{2}-\d{2}/);
    await study.waitFor({ state: 'visible', timeout: 15_000 });
    const studyLabel = (await study.locator('.label-name').innerText()).trim();
    await expand(new RegExp(`^${studyLabel.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`));
    const series = await row(/^CT · /);
    await series.waitFor({ state: 'visible', timeout: 15_000 });
    const label = (await series.locator('.label-name').innerText()).trim();
    assert(/^CT · 20 images · [\d.]+ mm$/.test(label), `series label "CT · N images · thickness", got "${label}"`);
    const desc = (await series.locator('.label-description').innerText()).trim();
    assert(/^[\d.]+ mm step · #\d+ · \S/.test(desc), `series description "step · #number · description" (a clean volume), got "${desc}"`);
    await assertFits(series);
    await expand(/^CT · /);
    const first = await row(/^#1 · /);
    await first.waitFor({ state: 'visible', timeout: 15_000 });
    const labels = await (await treeRows()).locator('.label-name').allInnerTexts();
    const inst = labels.filter((l) => /^#\d+ · /.test(l.trim()));
    assert(inst.length >= 5, `instance rows, got ${JSON.stringify(labels)}`);
    assert(inst[0].startsWith('#1 ·') && inst[1].startsWith('#2 ·'), `InstanceNumber order, got ${JSON.stringify(inst.slice(0, 3))}`);
    await page.mouse.move(5, 400);
    await screenshot(page, 'tree.png');
  });

  await check('hovering an instance shows its tags (SOPInstanceUID) as a table', async () => {
    const inst = await row(/^#2 · /);
    const text = await tooltipText(inst, (t) => /Keyword/.test(t));
    assert(/SOPInstanceUID/.test(text), `tooltip has SOPInstanceUID: ${text.slice(0, 400)}`);
    assert(/\(0008,0018\)/.test(text) && /Keyword/.test(text), `tooltip table: ${text.slice(0, 400)}`);
    assert(!/\\\./.test(text), 'no visible Markdown escapes');
    const hover = page.locator('.workbench-hover, .monaco-hover').filter({ visible: true }).first();
    assert((await hover.locator('table').count()) > 0, 'rendered as a table');
    const size = await hover.evaluate((h) => {
      const t = h.querySelector('table');
      return { hover: h.getBoundingClientRect().width, table: t?.getBoundingClientRect().width, maxWidth: getComputedStyle(h).maxWidth, inner: [...h.querySelectorAll('*')].map((e) => [e.className, e.scrollWidth, e.clientWidth]).filter(([, sw, cw]) => sw > cw + 1).slice(0, 5) };
    });
    say(`hover size ${JSON.stringify(size)}`);
    await screenshot(page, 'tooltip.png');
  });

  await check('hovering a series shows its summary', async () => {
    const series = await row(/^CT · 20 images/);
    const text = await tooltipText(series, (t) => /Images:/.test(t));
    assert(/Images: 20/.test(text) && /Slice thickness: [\d.]+ mm/.test(text), `series tooltip: ${text.slice(0, 400)}`);
    await screenshot(page, 'tooltip-series.png');
  });

  await check('hostile values show as text in the tree and in the hover, and run nothing', async () => {
    await page.keyboard.press('Escape');
    await (await row(/^CT · 20 images/)).click(); // collapse the series again
    await expand(/^<img src \(ZZ-EVIL\)$/);
    await expand(/^2000-01-01/);
    const series = await row(/^CT · 2 images · 2 mm$/);
    await series.waitFor({ state: 'visible', timeout: 15_000 });
    const desc = (await series.locator('.label-description').innerText()).trim();
    assertEq(desc, `#2 · ${LINK_DESC}`, 'the series number and description, as text');
    const seriesTip = await tooltipText(series, (t) => /Images:/.test(t));
    assert(seriesTip.includes(LINK_DESC), `the series description as text: ${seriesTip.slice(0, 300)}`);
    let hover = page.locator('.workbench-hover, .monaco-hover').filter({ visible: true }).first();
    // The one image allowed is our own thumbnail (a data: PNG the extension made from the pixels).
    const NOT_OURS = 'a, img:not([src^="data:image/png;base64,"])';
    assert((await hover.locator(NOT_OURS).count()) === 0, 'no link or image made from the value');
    const bold = await hover.locator('strong, b').allInnerTexts();
    assert(!bold.some((t) => t.trim() === 'b'), `no bold made from the value: ${JSON.stringify(bold)}`);
    await expand(/^CT · 2 images/);
    const inst = await row(/^#1 · 1-001\.dcm$/);
    const text = await tooltipText(inst, (t) => /Keyword/.test(t));
    assert(text.includes(HTML_NAME), `PatientName as text: ${text.slice(0, 600)}`);
    assert(text.includes(LINK_DESC), 'SeriesDescription as text');
    hover = page.locator('.workbench-hover, .monaco-hover').filter({ visible: true }).first();
    assert((await hover.locator(NOT_OURS).count()) === 0, 'no link or image in the hover');
    await hover.evaluate((h) => {
      const cells = [...h.querySelectorAll('td')];
      const row = cells.find((c) => c.textContent.includes('PatientName'));
      row?.scrollIntoView({ block: 'center' });
    });
    await screenshot(page, 'tooltip-escaped.png');
  });

  await check('the status bar counts the images', async () => {
    const item = page.locator('.statusbar-item', { hasText: `DICOM: ${totalFiles} images` }).first();
    await item.waitFor({ state: 'visible', timeout: 20_000 });
  });

  await check('the walkthrough ticks its steps as they are done: indexed, the view opened, exported', async () => {
    await showWalkthrough();
    await ticked('index');
    assert((await step('export').getAttribute('aria-checked')) === 'false', 'the "export" step is not ticked before an export');
    // Open the view again (hide the side bar, click the DICOM icon).
    await runCommand(page, 'View: Toggle Primary Side Bar Visibility');
    await page.locator('.activitybar .action-item a[aria-label^="DICOM"], .activitybar .action-item[aria-label^="DICOM"]').first().click();
    await viewPane(page, VIEW);
    await showWalkthrough();
    await ticked('browse');
    await runCommand(page, 'DICOM: Export Metadata to CSV…');
    await answerSaveDialog(page, path.join(runDir, 'walkthrough-export.csv'));
    await waitForNotification(page, /exported \d+ files/, { timeout: 60_000 });
    await showWalkthrough();
    await ticked('export');
    assert(existsSync(path.join(runDir, 'walkthrough-export.csv')), 'the export was written');
    await page.mouse.move(5, 600);
    await screenshot(page, 'tree-walkthrough.png');
  });

  // ---- a folder without DICOM files: the "no DICOM files" welcome, and no index written ------------
  const emptyDir = path.join(runDir, 'no-dicom');
  mkdirSync(path.join(emptyDir, 'notes'), { recursive: true });
  writeFileSync(path.join(emptyDir, 'README.md'), '# no images here\n');
  await check('a folder without DICOM files: "Index Workspace" says none were found, writes no index', async () => {
    await openFolder(emptyDir);
    const pane = await viewPane(page, VIEW, { timeout: 30_000 });
    await pane.locator('.welcome-view-content .monaco-button', { hasText: 'Index Workspace' }).first().click();
    await pane.locator('.welcome-view-content', { hasText: 'No DICOM files were found in this folder' }).first().waitFor({ state: 'visible', timeout: 30_000 });
    await page.locator('.statusbar-item', { hasText: 'DICOM: no DICOM files' }).first().waitFor({ state: 'visible', timeout: 20_000 });
    assertEq(readdirSync(emptyDir).sort(), ['README.md', 'notes'], 'the folder, after indexing');
    await page.locator('.notification-toast', { hasText: 'DICOM: Indexing' }).first().waitFor({ state: 'hidden', timeout: 20_000 }).catch(() => {});
    await page.mouse.move(5, 400);
    await screenshot(page, 'tree-empty.png');
  });

  // ---- a cloned repository whose settings name a folder as the database: refused --------------------
  const refusedDir = path.join(runDir, 'cloned-repo');
  fixtures.writeSeries(path.join(refusedDir, 'scans'), { count: 2, sliceThickness: 1, patientId: 'R-1' });
  mkdirSync(path.join(refusedDir, 'results'));
  writeFileSync(path.join(refusedDir, 'results', 'keep.txt'), 'mine\n');
  mkdirSync(path.join(refusedDir, '.vscode'));
  writeFileSync(path.join(refusedDir, '.vscode', 'settings.json'), '{ "dicom.index.databasePath": "results" }\n');
  await check('a database path naming a folder (from .vscode/settings.json) is refused: error, button, message, nothing written', async () => {
    await openFolder(refusedDir);
    await viewPane(page, VIEW, { timeout: 30_000 });
    await runCommand(page, 'DICOM: Index Workspace');
    const toast = page.locator('.notification-toast', { hasText: 'Refused to use' }).first();
    await toast.waitFor({ state: 'visible', timeout: 30_000 });
    const text = await toast.innerText();
    assert(text.includes(path.join(refusedDir, 'results')) && /is a folder/.test(text), `the error names the path: ${text}`);
    assert(/dicom\.index\.databasePath/.test(text) && /\.vscode\/settings\.json/.test(text), `the error names the setting and its file: ${text}`);
    // The tree: the sentence as its message, and a row instead of the index that opens the setting.
    const pane = await viewPane(page, VIEW);
    await pane.locator('.pane-body', { hasText: /Refused to use .*results as the index database: it is a folder/ }).first().waitFor({ state: 'visible', timeout: 20_000 });
    const refusedRow = await row(/^Index database path refused$/);
    await refusedRow.waitFor({ state: 'visible', timeout: 20_000 });
    assertEq((await treeRows().then((r) => r.locator('.label-name').allInnerTexts())).map((l) => l.trim()), ['Index database path refused'], 'the tree rows');
    await page.locator('.statusbar-item', { hasText: 'DICOM: index path refused' }).first().waitFor({ state: 'visible', timeout: 20_000 });
    await screenshot(page, 'tree-refused.png');
    await toast.locator('.monaco-button', { hasText: 'Open Settings File' }).first().click();
    await page.locator('.tab.active', { hasText: 'settings.json' }).first().waitFor({ state: 'visible', timeout: 20_000 });
    assertEq(readdirSync(path.join(refusedDir, 'results')), ['keep.txt'], 'the refused folder, after');
    assertEq(readFileSync(path.join(refusedDir, 'results', 'keep.txt'), 'utf8'), 'mine\n', 'its file');
    assert(!existsSync(path.join(refusedDir, '.dicom')) && !readdirSync(refusedDir).some((n) => n.includes('.corrupt-')), `nothing written: ${readdirSync(refusedDir)}`);
  });

  // ---- the real corpus (copied: shared/ is read-only), light and dark -------------------------------
  if (!existsSync(CORPUS)) throw new Error(`the real corpus is missing: ${CORPUS}`);
  const realDir = path.join(runDir, 'corpus-real');
  cpSync(CORPUS, realDir, { recursive: true });
  await check('the real corpus: the totals line, Problems first, series rows that lead with images and thickness (light)', async () => {
    await openFolder(realDir);
    await viewPane(page, VIEW, { timeout: 30_000 });
    await runCommand(page, 'DICOM: Index Workspace');
    await waitForTreeRows(page, VIEW, { minRows: 10, timeout: 90_000 });
    // The totals line: "40 patients · 234 images" (the numbers of `dicom-index stats`), the view's message.
    const description = page.locator('.part.sidebar', { hasText: /\d+ patients · [\d,]+ images/ }).first();
    await description.waitFor({ state: 'visible', timeout: 30_000 });
    const totals = /(\d+) patients · ([\d,]+) images/.exec(await page.locator('.part.sidebar').first().innerText());
    assert(totals, 'a totals line');
    say(`totals line: ${totals[0]}`);
    const labels = async () => (await (await treeRows()).locator('.label-name').allInnerTexts()).map((l) => l.trim());
    const first = (await labels())[0];
    assertEq(first, 'Problems', 'the first row');
    // A patient of the corpus with an MR series of 9 images: expand it down to the series.
    await expand(/^CompressedSamples, MR1 \(4MR1\)$/);
    const study = (await treeRows()).filter({ has: page.locator('.label-name', { hasText: /^\d{4}-\d{2}-\d{2}|^\(no date/ }) }).first();
    await study.waitFor({ state: 'visible', timeout: 15_000 });
    await study.click();
    const seriesRow = (await treeRows()).filter({ has: page.locator('.label-name', { hasText: /^[A-Z]{2} · \d+ images?/ }) }).first();
    await seriesRow.waitFor({ state: 'visible', timeout: 15_000 });
    const seriesLabel = (await seriesRow.locator('.label-name').innerText()).trim();
    assertEq(seriesLabel, 'MR · 9 images · 0.8 mm', 'the series label');
    await assertFits(seriesRow);
    await page.mouse.move(5, 600);
    await screenshot(page, 'tree-real-light.png');
  });

  /** Scrolls the tree back to its first row (Problems), the mouse then out of the way. */
  const scrollTreeToTop = async () => {
    await page.mouse.move(200, 400);
    for (let i = 0; i < 20; i++) {
      await page.mouse.wheel(0, -2000);
      await page.waitForTimeout(200);
      if ((await (await treeRows()).locator('.label-name').first().innerText()).trim() === 'Problems') break;
    }
    await page.mouse.move(5, 600);
  };
  /** The visible hover's text once it shows the series' Checks section. */
  const checksHover = async (seriesRow) => tooltipText(seriesRow, (t) => /Checks:/.test(t));
  const flaggedSeries = 'CT · 4 images';
  await check('the real corpus: Checks opens to the checks that fired, a check to its series; a click reveals the series (light)', async () => {
    await page.keyboard.press('Escape');
    await expand(/^CompressedSamples, MR1 \(4MR1\)$/); // (a click on an expanded row collapses it)
    const checksRow = await row(/^Checks$/);
    await checksRow.waitFor({ state: 'visible', timeout: 15_000 });
    const desc = (await checksRow.locator('.label-description').innerText()).trim();
    assert(/^\d+ of \d+ series (are volumes|is a volume)$/.test(desc), `the Checks row says how many series are volumes: "${desc}"`);
    assert((await checksRow.locator('.codicon-error').count()) === 1, 'the Checks row has the error icon');
    await expand(/^Checks$/);
    await expand(/^Missing slices$/);
    const seriesUnder = await row(/^77654033 \/ Routine Brain \/ #2$/);
    await seriesUnder.waitFor({ state: 'visible', timeout: 15_000 });
    const detail = (await seriesUnder.locator('.label-description').innerText()).trim();
    assert(/slices missing in 1 gap/.test(detail), `the finding's detail beside the series: "${detail}"`);
    const labels = (await (await treeRows()).locator('.label-name').allInnerTexts()).map((l) => l.trim());
    assertEq(labels.slice(0, 3), ['Problems', 'Checks', 'Missing slices'], 'the first rows');
    await page.mouse.move(5, 600);
    await screenshot(page, 'tree-checks-light.png');
    await seriesUnder.click();
    const selected = (await treeRows()).filter({ has: page.locator('.label-name', { hasText: new RegExp(`^${flaggedSeries}`) }) }).first();
    await page.waitForFunction((el) => el.classList.contains('selected') || el.getAttribute('aria-selected') === 'true', await selected.elementHandle(), { timeout: 15_000 });
    assert((await selected.locator('.codicon-error').count()) === 1, 'the revealed series has the error icon');
    await page.mouse.move(5, 600);
    await screenshot(page, 'tree-checks-revealed.png');
    const text = await checksHover(selected);
    assert(/Missing slices \(missing_slices\)/.test(text), `the hover lists the finding: ${text.slice(-600)}`);
    assert(/Measured spacing: min [\d.]+ mm · median 1\.25 mm · max 202\.5 mm/.test(text), `the hover has the measured spacing: ${text.slice(-600)}`);
    await page.waitForTimeout(600); // the hover fades in
    await screenshot(page, 'tooltip-checks-light.png');
    await page.mouse.move(5, 600);
    await page.keyboard.press('Escape');
    await page.locator('.workbench-hover, .monaco-hover').filter({ visible: true }).first().waitFor({ state: 'hidden', timeout: 5000 }).catch(() => {});
    await scrollTreeToTop();
  });

  await check('the real corpus tree in the dark theme', async () => {
    await runCommand(page, 'Preferences: Color Theme');
    const input = page.locator('.quick-input-widget .quick-input-box input').first();
    await input.fill('Dark Modern');
    await page.locator('.quick-input-widget .monaco-list-row', { hasText: 'Dark Modern' }).first().waitFor({ timeout: 10000 });
    await input.press('Enter');
    await page.waitForFunction(() => document.querySelector('.monaco-workbench')?.classList.contains('vs-dark'), null, { timeout: 20_000 });
    assertEq((await (await treeRows()).locator('.label-name').allInnerTexts())[0]?.trim(), 'Problems', 'the first row');
    await page.mouse.move(5, 600);
    await page.waitForTimeout(500);
    await screenshot(page, 'tree-real-dark.png');
  });

  await check('the Checks node and a flagged series hover in the dark theme', async () => {
    // The top of the tree: Problems, Checks open, Missing slices open with its series.
    const seriesUnder = await row(/^77654033 \/ Routine Brain \/ #2$/);
    await seriesUnder.waitFor({ state: 'visible', timeout: 15_000 });
    await page.mouse.move(5, 600);
    await page.waitForTimeout(300);
    await screenshot(page, 'tree-checks-dark.png');
    await seriesUnder.click();
    const selected = (await treeRows()).filter({ has: page.locator('.label-name', { hasText: new RegExp(`^${flaggedSeries}`) }) }).first();
    await page.waitForFunction((el) => el.classList.contains('selected') || el.getAttribute('aria-selected') === 'true', await selected.elementHandle(), { timeout: 15_000 });
    const text = await checksHover(selected);
    assert(/Missing slices \(missing_slices\)/.test(text), `the hover lists the finding: ${text.slice(0, 600)}`);
    await page.waitForTimeout(600); // the hover fades in
    await screenshot(page, 'tooltip-checks-dark.png');
  });
} catch (err) {
  await ui.fail(err);
} finally {
  clearTimeLimit();
  await cleanup();
}
say(`done in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
process.exit(ui.finish());
