#!/usr/bin/env node
// UI test of the summary panel with Playwright in a real VS Code (code-server + headless chromium):
// open the panel from the command palette, read the card numbers from the webview's DOM and compare
// them with `dicom-index stats --json`, check the chart canvases are drawn, click Export CSV and
// Export Excel and answer VS Code's own save dialog (quick input: type the path, Enter), check the
// files and their row counts, Save chart as PNG, Copy summary, switch to a dark theme, reload the
// window (the panel comes back through its serializer). Then, on a copy of the real corpus
// (../shared/corpus/real, when present): ISO dates and formatted names in the table, one definition
// of a series (card, caption and rows agree), the thickness charts' numeric axis (bar positions),
// filtering the table by clicking a bar and by the keyboard (a removable chip), the table as one Tab
// stop with arrow keys, the Modalities card one card high with 14 modalities, the charts' data
// tables for screen readers; and a folder without DICOM files shows an empty summary. The dataset
// checks and the cohort: the workspace also holds a series with a slice missing and a clean one
// (dcmjs fixtures); the Dataset checks section lists the missing slice, clicking it filters the
// table to that series, the series row reveals it in the tree, the step chart is drawn, the cohort
// count follows "Volumes only", a refused SQL condition is said inline, Export CSV writes the
// cohort, and the filters survive a window reload.
// Screenshots: test-results/summary-light.png, summary-dark.png, summary-real-dark.png,
// summary-real-dark-table.png, summary-real-light.png, summary-real-light-table.png,
// summary-empty.png, summary-checks-light.png, summary-cohort-light.png, summary-checks-dark.png,
// summary-cohort-dark.png (and a few more).
//
//   npx tsc -p . && node scripts/build.mjs && node test/ui/summary.ui.mjs [--keep] [--headed]
//
// Prints `ui summary: N passed, N failed` and exits non-zero on a failure.
import { execFileSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { repoRoot, startCodeServer } from '../harness/codeServer.mjs';
import { launchChromium, openWorkbench } from '../harness/browser.mjs';
import { answerSaveDialog, runCommand, screenshot, waitForNotification, waitForWorkbench, summaryWebviewFrame } from '../harness/workbench.mjs';
import { createChecks } from '../harness/checks.mjs';
import { tearDown } from '../harness/teardown.mjs';

const require = createRequire(import.meta.url);
const { values: opts } = parseArgs({ options: { keep: { type: 'boolean', default: false }, headed: { type: 'boolean', default: false } } });
const say = (m) => console.log(`[ui summary] ${m}`);
const t0 = Date.now();

const cli = path.join(repoRoot, 'dist', 'cli.js');
const sampleCli = path.join(repoRoot, 'out', 'tools', 'sample', 'cli.js');
for (const f of [cli, sampleCli, path.join(repoRoot, 'out', 'test', 'fixtures', 'dicomFiles.js'), path.join(repoRoot, 'dist', 'extension.js'), path.join(repoRoot, 'dist', 'webview.js')]) {
  if (!existsSync(f)) {
    console.error(`[ui summary] ${path.relative(repoRoot, f)} is missing: run \`npx tsc -p . && node scripts/build.mjs\``);
    process.exit(2);
  }
}

// ---- a workspace with an LIDC-shaped sample, a few problem files, indexed by the CLI ------------
const runDir = mkdtempSync(path.join(os.tmpdir(), 'dwi-ui-summary-'));
const workspace = path.join(runDir, 'LIDC-sample');
const outDir = path.join(runDir, 'exports');
mkdirSync(outDir, { recursive: true });
execFileSync(process.execPath, [sampleCli, workspace, '--patients', '24', '--files', '1500', '--size', '64', '--series', '2', '--seed', '7'], { stdio: 'pipe' });
mkdirSync(path.join(workspace, 'incoming'), { recursive: true });
writeFileSync(path.join(workspace, 'incoming', 'notes.dcm'), 'not a DICOM file\n');
writeFileSync(path.join(workspace, 'incoming', 'report.dcm'), 'also not DICOM\n');
{
  // a DICOM file cut inside its header: unreadable
  const firstDcm = (dir) => {
    for (const e of readdirSync(dir)) {
      const p = path.join(dir, e);
      if (statSync(p).isDirectory()) {
        const r = firstDcm(p);
        if (r) return r;
      } else if (e.endsWith('.dcm')) return p;
    }
  };
  const src = firstDcm(path.join(workspace, readdirSync(workspace).find((d) => d.startsWith('LIDC'))));
  writeFileSync(path.join(workspace, 'incoming', 'cut.dcm'), readFileSync(src).subarray(0, 300));
}
// A series of 8 slices with its 4th slice gone (missing slices) and a clean one, written by dcmjs.
const fx = require(path.join(repoRoot, 'out', 'test', 'fixtures', 'dicomFiles.js'));
const gapSeries = fx.writeSeries(path.join(workspace, 'checks', 'GAP-1', 'gap'), { count: 8, sliceThickness: 2.5, patientId: 'GAP-1', patientName: 'Gap^Series', seriesNumber: 7, seriesDescription: 'GAP SERIES' });
rmSync(gapSeries.paths[3]);
const cleanSeries = fx.writeSeries(path.join(workspace, 'checks', 'CLEAN-1', 'clean'), { count: 6, sliceThickness: 1.25, patientId: 'CLEAN-1', patientName: 'Clean^Series', seriesNumber: 8, seriesDescription: 'CLEAN SERIES' });
execFileSync(process.execPath, [cli, 'index', workspace], { stdio: 'pipe' });
const expectedChecks = JSON.parse(execFileSync(process.execPath, [cli, 'check', path.join(workspace, '.dicom', 'index.sqlite'), '--json'], { encoding: 'utf8' }));
const expected = JSON.parse(execFileSync(process.execPath, [cli, 'stats', path.join(workspace, '.dicom', 'index.sqlite'), '--json'], { encoding: 'utf8' }));
say(`workspace ${workspace}: ${expected.files.total} files, ${expected.series} series`);

// ---- a copy of the real corpus (shared/ is read-only) and a folder without DICOM files ------------
const corpusReal = process.env.DICOM_CORPUS ? path.join(process.env.DICOM_CORPUS, 'real') : path.resolve(repoRoot, '..', 'shared', 'corpus', 'real');
const realCorpus = existsSync(corpusReal) ? path.join(runDir, 'real-corpus') : undefined;
let expectedReal;
if (realCorpus) {
  cpSync(corpusReal, realCorpus, { recursive: true });
  const writable = (dir) => {
    chmodSync(dir, 0o755);
    for (const e of readdirSync(dir, { withFileTypes: true })) if (e.isDirectory()) writable(path.join(dir, e.name));
  };
  writable(realCorpus);
  execFileSync(process.execPath, [cli, 'index', realCorpus], { stdio: 'pipe' });
  expectedReal = JSON.parse(execFileSync(process.execPath, [cli, 'stats', path.join(realCorpus, '.dicom', 'index.sqlite'), '--json'], { encoding: 'utf8' }));
  say(`real corpus ${realCorpus}: ${expectedReal.files.total} files, ${expectedReal.series} series, ${Object.keys(expectedReal.modalities).length} modalities`);
}
const emptyFolder = path.join(runDir, 'no-dicom');
mkdirSync(path.join(emptyFolder, 'docs'), { recursive: true });
writeFileSync(path.join(emptyFolder, 'docs', 'README.md'), '# Notes\n');
writeFileSync(path.join(emptyFolder, 'docs', 'scan.dcm'), 'a text file with a .dcm name\n');
execFileSync(process.execPath, [cli, 'index', emptyFolder], { stdio: 'pipe' });
// and one with no candidate file at all: the indexer writes no index for it
const bareFolder = path.join(runDir, 'notes-only');
mkdirSync(bareFolder, { recursive: true });
writeFileSync(path.join(bareFolder, 'README.md'), '# Notes\n');
execFileSync(process.execPath, [cli, 'index', bareFolder], { stdio: 'pipe' });

// ---- checks ------------------------------------------------------------------------------------
/** Waits until `file` is there, not empty, and its size held still for one poll (the extension may still be writing it). */
async function waitForFile(file, timeout = 60000) {
  const deadline = Date.now() + timeout;
  let size = -1;
  for (;;) {
    const now = existsSync(file) ? statSync(file).size : -1;
    if (now > 0 && now === size) return;
    size = now;
    if (Date.now() > deadline) throw new Error(`${file} was not written within ${timeout} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}


const cardValue = (frame, key) => frame.locator(`.card[data-key="${key}"] .value`).innerText();
const num = (s) => Number(s.replace(/[^0-9.]/g, ''));

/** The summary webview's document once `selector` is in it (the harness's finder waits for the cards, which an empty summary has not). */
async function webviewFrameWith(page, selector, timeout = 60_000) {
  const deadline = Date.now() + timeout;
  for (;;) {
    for (const outer of await page.locator('iframe.webview.ready').elementHandles()) {
      const inner = await (await outer.contentFrame())?.$('iframe#active-frame');
      const f = inner && (await inner.contentFrame());
      if (f && (await f.$(selector).catch(() => null))) return f;
    }
    if (Date.now() > deadline) throw new Error(`the summary webview did not show ${selector}`);
    await page.waitForTimeout(250);
  }
}

/**
 * Opens `folder` in the workbench and the summary panel in it. With an index, the extension is ready
 * once its status bar item shows it; a folder without one may not start the extension before the
 * command does.
 */
async function openFolderSummary(folder, selector, { indexed = true } = {}) {
  await openWorkbench(page, { url: server.url, folder, remoteAuthority: server.remoteAuthority, payload: [['extensionDevelopmentPath', repoRoot]] });
  await waitForWorkbench(page);
  if (indexed) await page.locator('.statusbar-item', { hasText: /DICOM/ }).first().waitFor({ state: 'visible', timeout: 60000 });
  else {
    // The extension's contributions must be known first: its view container shows then.
    await page.locator('.activitybar [aria-label^="DICOM"]').first().waitFor({ state: 'visible', timeout: 60000 });
  }
  // The palette may run the command before the extension is up (then nothing opens): try again.
  const tab = page.locator('.tab', { hasText: 'DICOM Summary' }).first();
  for (let attempt = 1; ; attempt++) {
    await runCommand(page, 'DICOM: Show Summary', { timeout: 60000 });
    try {
      await tab.waitFor({ state: 'visible', timeout: 15000 });
      break;
    } catch (err) {
      if (attempt === 3) throw err;
      say(`the summary did not open (attempt ${attempt}); again`);
    }
  }
  return webviewFrameWith(page, selector);
}

async function switchTheme(name) {
  await runCommand(page, 'Preferences: Color Theme');
  const input = page.locator('.quick-input-widget .quick-input-box input').first();
  await input.fill(name);
  await page.locator('.quick-input-widget .monaco-list-row', { hasText: name }).first().waitFor({ timeout: 10000 });
  await input.press('Enter');
}

/** Screenshots of the panel's top and of its series table (the webview scrolled to it). */
async function panelScreenshots(frame, name) {
  await runCommand(page, 'Notifications: Clear All Notifications').catch(() => {});
  await frame.evaluate(() => window.scrollTo(0, 0));
  await page.mouse.move(1400, 940);
  await page.waitForTimeout(800);
  await screenshot(page, `${name}.png`);
  await frame.evaluate(() => document.querySelector('section.series')?.scrollIntoView());
  await page.waitForTimeout(500);
  await screenshot(page, `${name}-table.png`);
  await frame.evaluate(() => window.scrollTo(0, 0));
}

/** A screenshot with the panel scrolled to one of its sections. */
async function sectionScreenshot(frame, selector, name) {
  await runCommand(page, 'Notifications: Clear All Notifications').catch(() => {});
  await frame.evaluate((sel) => document.querySelector(sel)?.scrollIntoView({ block: 'start' }), selector);
  await page.mouse.move(1400, 940);
  await page.waitForTimeout(600);
  await screenshot(page, name);
  await frame.evaluate(() => window.scrollTo(0, 0));
}

/** The cohort's live count: { patients, studies, series, images } as numbers. */
const cohortCount = (frame) =>
  frame.$$eval('section.cohort .cohort-count .figure', (els) => Object.fromEntries(els.map((e) => [e.dataset.key, Number(e.querySelector('strong').textContent.replace(/,/g, ''))])));
async function waitForCohortSeries(frame, n, what) {
  try {
    await frame.waitForFunction((n) => document.querySelector('section.cohort .cohort-count .figure[data-key="series"] strong')?.textContent.replace(/,/g, '') === String(n) && !document.querySelector('section.cohort.pending'), n, { timeout: 15000 });
  } catch {
    throw new Error(`the cohort count did not become ${n} series (${what}): ${JSON.stringify(await cohortCount(frame))}, error: ${await frame.locator('.cohort-error').innerText().catch(() => '')}`);
  }
}

/** The series table's visible cells of one column (1-based), row by row. */
const columnTexts = (frame, n) => frame.$$eval(`section.series tbody tr[data-i] td:nth-child(${n})`, (tds) => tds.map((td) => td.textContent.trim()));
const shownRows = (frame) => frame.locator('section.series tbody tr[data-i]').count();
/** Where the bars of a chart are drawn: [{ key, x, width }] (the chart writes it on its canvas). */
const barsOf = async (frame, id) => JSON.parse((await frame.locator(`figure[data-chart="${id}"] canvas`).getAttribute('data-bars')) ?? '[]');
/** What has the keyboard focus in the webview, in a few words. */
const focused = (frame) =>
  frame.evaluate(() => {
    const a = document.activeElement;
    if (!a || a === document.body) return 'body';
    if (a.closest('section.series table')) return a.matches('tbody tr') ? `row ${a.dataset.i}` : `table ${a.tagName.toLowerCase()}`;
    return `${a.tagName.toLowerCase()}${a.className ? `.${a.className}` : ''}`;
  });

async function realCorpusChecks() {
  const exp = expectedReal;
  let frame;
  await check('the real corpus: the panel opens on it and shows its numbers', async () => {
    frame = await openFolderSummary(realCorpus, '.card[data-key="patients"] .value');
    await frame.waitForFunction((n) => document.querySelector('.card[data-key="instances"] .value')?.textContent?.replace(/,/g, '') === String(n), exp.instances, { timeout: 30000 });
    assertEq(num(await cardValue(frame, 'series')), exp.series, 'series card');
    assertEq(num(await cardValue(frame, 'patients')), exp.patients, 'patients card');
  });
  if (!frame) return;
  // The theme is still the dark one from above.
  await frame.waitForFunction(() => document.body.classList.contains('vscode-dark'), null, { timeout: 20000 }).catch(() => {});
  await panelScreenshots(frame, 'summary-real-dark');

  await check('the real corpus: dates are ISO dates, names are formatted, the indexed time is in the same style', async () => {
    const dates = await columnTexts(frame, 3);
    assert(dates.includes('1993-04-30'), `the 1993.04.30 study is shown as 1993-04-30; dates: ${JSON.stringify([...new Set(dates)].slice(0, 12))}`);
    assert(dates.includes('2003-05-05'), 'a YYYYMMDD date is shown as an ISO date');
    const bad = dates.filter((d) => d && !/^\d{4}-\d{2}-\d{2}$/.test(d));
    assertEq(bad, [], 'study dates that are not ISO dates');
    const names = await columnTexts(frame, 1);
    for (const n of ['Äneas, Rüdiger', 'Doe, Archibald', 'Yamada, Tarou', 'Last, pre First mid', '(no name)']) assert(names.includes(n), `the patient column shows ${n}; got ${JSON.stringify([...new Set(names)].slice(0, 40))}`);
    assertEq(names.filter((n) => n.includes('^')), [], 'names with a caret');
    const meta = await frame.locator('p.meta').innerText();
    assert(/indexed \d{4}-\d{2}-\d{2} \d{2}:\d{2}$/.test(meta.trim()), `meta line: ${meta}`);
  });

  await check('the real corpus: numbers are rounded one way (thickness card and table)', async () => {
    const r = (x) => String(Number(x.toFixed(3)));
    assertEq((await cardValue(frame, 'thickness')).trim(), `${r(exp.sliceThickness.min)}–${r(exp.sliceThickness.max)} mm`, 'thickness card');
    const cells = (await columnTexts(frame, 7)).flatMap((c) => c.split(', ')).filter(Boolean);
    const long = cells.filter((c) => /\.\d{4,}/.test(c));
    assertEq(long, [], 'thickness cells with more than 3 decimals');
    assert(cells.includes('1.6'), `1.6000000238419 is shown as 1.6 (cells: ${JSON.stringify([...new Set(cells)])})`);
  });

  await check('the real corpus: one definition of a series (card, caption, rows); rows without a UID say so', async () => {
    const card = num(await cardValue(frame, 'series'));
    const uids = await frame.$$eval('section.series tbody tr[data-i]', (trs) => trs.map((tr) => tr.dataset.uid));
    const withUid = uids.filter(Boolean);
    assertEq(withUid.length, card, 'rows with a Series UID');
    assertEq(new Set(withUid).size, withUid.length, 'distinct Series UIDs in the rows');
    const groups = uids.length - withUid.length;
    assert(groups > 0, 'the corpus has files without a Series UID');
    const caption = (await frame.locator('.table-caption').innerText()).trim();
    assertEq(caption, `${card} series · ${groups} ${groups === 1 ? 'group' : 'groups'} of files without a Series UID`, 'caption');
    const noUid = await frame.locator('section.series tbody tr[data-uid=""] .no-uid').count();
    assertEq(noUid, groups, 'rows marked (no Series UID)');
    assertEq((await frame.locator('section.series tbody tr[data-uid=""] .no-uid').first().innerText()).trim(), '(no Series UID)', 'marker text');
  });

  await check('the real corpus: duplicates are said in a sentence', async () => {
    const text = await frame.locator('.findings').innerText();
    const dup = exp.duplicateSopInstances;
    assert(text.includes(`${dup} SOP Instance UIDs appear in more than one file`), `findings: ${text}`);
    assert(text.includes(`${exp.missingKeys.SOPInstanceUID} files have no SOP Instance UID`), `findings: ${text}`);
  });

  await check('the real corpus: the thickness charts have a numeric axis (bars stand at their values, 650 mm far from 10 mm)', async () => {
    for (const id of ['thickness', 'seriesThickness']) {
      const bars = await barsOf(frame, id);
      const keys = Object.keys(id === 'thickness' ? exp.sliceThickness.histogram : exp.sliceThickness.seriesHistogram).map(Number).sort((a, b) => a - b);
      assertEq(bars.map((b) => b.key), keys, `${id}: one bar per thickness, in order`);
      // x is a straight line in log(thickness): fit it, every bar within a pixel and a half of it.
      const lx = bars.map((b) => Math.log10(b.key));
      const n = bars.length;
      const mx = lx.reduce((a, b) => a + b, 0) / n;
      const my = bars.reduce((a, b) => a + b.x, 0) / n;
      const slope = lx.reduce((a, x, i) => a + (x - mx) * (bars[i].x - my), 0) / lx.reduce((a, x) => a + (x - mx) ** 2, 0);
      const worst = Math.max(...bars.map((b, i) => Math.abs(my + slope * (lx[i] - mx) - b.x)));
      assert(slope > 0 && worst < 1.5, `${id}: bar positions are not logarithmic in the thickness (slope ${slope}, worst ${worst}): ${JSON.stringify(bars)}`);
      const at = (k) => bars.find((b) => Math.abs(b.key - k) < 1e-6).x;
      const step = at(10) - at(5);
      assert(at(650.181824) - at(10) > 3 * step, `${id}: 650 mm sits next to 10 mm (${at(650.181824) - at(10)} px vs ${step} px from 5 to 10)`);
      const thin = bars.filter((b) => b.width < 6);
      assertEq(thin, [], `${id}: bars narrower than 6 px`);
    }
  });

  const seriesAt = (t) => exp.sliceThickness.seriesHistogram[String(t)];
  await check('the real corpus: clicking a bar filters the table to that thickness; the chip removes the filter (keyboard)', async () => {
    const all = await shownRows(frame);
    const bars = await barsOf(frame, 'seriesThickness');
    const ten = bars.find((b) => b.key === 10);
    // The Dataset checks section (many rows on this corpus) pushes the charts down: bring this one into view.
    await frame.locator('figure[data-chart="seriesThickness"] canvas').scrollIntoViewIfNeeded();
    const box = await frame.locator('figure[data-chart="seriesThickness"] canvas').boundingBox();
    await page.mouse.click(box.x + ten.x, box.y + (ten.top + ten.base) / 2);
    await frame.locator('.chip', { hasText: 'Slice thickness 10 mm' }).waitFor({ timeout: 5000 });
    const rows = await shownRows(frame);
    assertEq(rows, seriesAt(10), 'rows with a 10 mm slice thickness');
    const cells = await columnTexts(frame, 7);
    assert(cells.every((c) => c.split(', ').includes('10')), `every row shown has 10 mm: ${JSON.stringify(cells)}`);
    assert((await frame.locator('.table-caption').innerText()).startsWith(`Showing ${rows} of ${exp.series} series`), 'caption says what is shown');
    await screenshot(page, 'summary-real-filtered.png');
    await frame.locator('.chip button.chip-remove').focus();
    await page.keyboard.press('Enter');
    await frame.locator('.chip').waitFor({ state: 'detached', timeout: 5000 });
    assertEq(await shownRows(frame), all, 'every row is back');
  });

  await check('the real corpus: a chart is reachable by keyboard: arrows choose a bar, Enter filters', async () => {
    const canvas = frame.locator('figure[data-chart="thickness"] canvas');
    await canvas.focus();
    await page.keyboard.press('Home');
    await page.keyboard.press('ArrowRight');
    const live = await frame.locator('#chart-live').innerText();
    assert(/^1 mm: \d+ instances/.test(live), `the live region reads the bar: ${live}`);
    await page.keyboard.press('Enter');
    await frame.locator('.chip', { hasText: 'Slice thickness 1 mm' }).waitFor({ timeout: 5000 });
    assertEq(await shownRows(frame), seriesAt(1), 'rows with 1 mm');
    await page.keyboard.press('Enter'); // the same bar again drops the filter
    await frame.locator('.chip').waitFor({ state: 'detached', timeout: 5000 });
  });

  await check('the real corpus: the charts have data tables for screen readers', async () => {
    for (const id of ['thickness', 'seriesThickness', 'modalities']) {
      const fig = frame.locator(`figure[data-chart="${id}"]`);
      const label = await fig.locator('canvas').getAttribute('aria-label');
      assert(label && label.length > 20, `${id}: canvas aria-label ${label}`);
      const rows = await fig.locator('table.sr-only > tr').count();
      assertEq(rows, (await barsOf(frame, id)).length, `${id}: data table rows`);
    }
    const first = await frame.locator('figure[data-chart="modalities"] table.sr-only > tr').first().innerText();
    assert(/^CT\s+68$/.test(first.trim()), `modalities data table: ${first}`);
  });

  await check('the real corpus: the series table is one Tab stop; arrow keys move between rows; Enter reveals the series', async () => {
    await frame.locator('input.filter').focus();
    await page.keyboard.press('Tab');
    const at = await focused(frame);
    assert(/^row \d+$/.test(at), `Tab from the filter goes to a row of the table, not to a header (${at})`);
    const i = Number(at.slice(4));
    await page.keyboard.press('Home');
    assertEq(await focused(frame), 'row 0', `Home from row ${i}`);
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    assertEq(await focused(frame), 'row 2', 'two rows down');
    await page.keyboard.press('ArrowUp');
    assertEq(await focused(frame), 'row 1', 'one row up');
    await page.keyboard.press('Shift+Tab');
    assertEq(await focused(frame), 'input.filter', 'Shift+Tab from a row: the filter (the column headers are no Tab stops)');
    await page.keyboard.press('Tab');
    assertEq(await focused(frame), 'row 1', 'Tab comes back to the row it left');
    await page.keyboard.press('Tab');
    const after = await focused(frame);
    assert(!after.startsWith('row') && !after.startsWith('table'), `Tab leaves the table (focus on ${after})`);
    await frame.locator('section.series tbody tr[data-i="1"]').focus();
    // Up from the first row reaches the column headers (still inside the one Tab stop); Down comes back.
    await page.keyboard.press('Home');
    await page.keyboard.press('ArrowUp');
    assertEq(await focused(frame), 'table button', 'Up from the first row: the sorted column header');
    await page.keyboard.press('ArrowDown');
    assertEq(await focused(frame), 'row 0', 'Down from the header');
    const tabStops = await frame.$$eval('section.series table [tabindex="0"]', (els) => els.length);
    assertEq(tabStops, 1, 'elements with tabindex 0 in the table');
    // Enter on a row with a Series UID reveals it in the DICOM tree.
    await page.keyboard.press('End');
    while ((await frame.evaluate(() => document.activeElement?.dataset?.uid ?? '')) === '') await page.keyboard.press('ArrowUp');
    const description = (await frame.evaluate(() => document.activeElement.querySelector('td:nth-child(5)')?.textContent ?? '')).trim();
    await page.keyboard.press('Enter');
    // The tree's series label is "MODALITY #number · description".
    const label = description && !description.startsWith('#') ? description : / · |#\d+/;
    await page.locator('.monaco-list-row.selected', { hasText: label }).first().waitFor({ state: 'visible', timeout: 15000 });
  });

  await check('the real corpus: the Modalities card stays one card high with 14 modalities; "+N more" lists them all', async () => {
    const n = Object.keys(exp.modalities).length;
    assert(n >= 10, `the corpus has many modalities (${n})`);
    await page.locator('.tab', { hasText: 'DICOM Summary' }).first().click();
    const m = await frame.evaluate(() => {
      const box = (el) => el.getBoundingClientRect();
      const cards = [...document.querySelectorAll('.card')].map((c) => ({ key: c.dataset.key, h: box(c).height, top: box(c).top }));
      const mod = document.querySelector('.card[data-key="modalities"]');
      const value = mod.querySelector('.value');
      return { cards, value: value.textContent, valueH: box(value).height, lineH: parseFloat(getComputedStyle(value).lineHeight), more: mod.querySelector('summary')?.textContent, overflow: mod.scrollHeight > mod.clientHeight + 1 };
    });
    const mod = m.cards.find((c) => c.key === 'modalities');
    const rowMates = m.cards.filter((c) => Math.abs(c.top - mod.top) < 2);
    assert(rowMates.length > 1 && rowMates.every((c) => Math.abs(c.h - mod.h) < 1), `cards of its row have its height: ${JSON.stringify(rowMates)}`);
    const others = m.cards.filter((c) => c.key !== 'modalities');
    assert(mod.h <= Math.max(...others.map((c) => c.h)) + 1, `no taller than the other cards: ${JSON.stringify(m.cards)}`);
    assert(m.valueH <= m.lineH * 1.2, `the value is one line (${m.valueH} px, line ${m.lineH} px): ${m.value}`);
    assert(!m.overflow, 'nothing overflows the card');
    const shown = m.value.split(', ').length;
    assertEq(m.more, `+${n - shown} more`, 'the "+N more" expander');
    await frame.locator('.card[data-key="modalities"] summary').click();
    const items = await frame.locator('.card[data-key="modalities"] .popover li').count();
    assertEq(items, n, 'the expander lists every modality');
    const hOpen = await frame.locator('.card[data-key="modalities"]').evaluate((c) => c.getBoundingClientRect().height);
    assert(Math.abs(hOpen - mod.h) < 1, `opening the list does not grow the card (${hOpen} vs ${mod.h})`);
    await screenshot(page, 'summary-real-modalities.png');
    await page.keyboard.press('Escape');
    assertEq(await frame.locator('.card[data-key="modalities"] details').evaluate((d) => d.open), false, 'Escape closes the list');
  });

  await check('the real corpus: light theme', async () => {
    await switchTheme('Light Modern');
    await frame.waitForFunction(() => document.body.classList.contains('vscode-light'), null, { timeout: 20000 });
    await page.locator('.tab', { hasText: 'DICOM Summary' }).first().click();
    await panelScreenshots(frame, 'summary-real-light');
  });
}

async function emptyFolderChecks() {
  await check('a folder without DICOM files: an empty summary, no charts or table, the exports disabled', async () => {
    const frame = await openFolderSummary(emptyFolder, '.empty');
    await frame.locator('.empty h2', { hasText: 'No DICOM files in this folder' }).waitFor({ timeout: 30000 });
    assertEq(await frame.locator('figure.chart, canvas, section.series, .cards').count(), 0, 'charts, table and cards');
    for (const label of ['Export CSV', 'Export Excel', 'Copy summary']) assertEq(await frame.locator('button', { hasText: label }).isDisabled(), true, `${label} disabled`);
    const text = await frame.locator('.empty').innerText();
    assert(/1 not DICOM/.test(text), `says what the files are: ${text}`);
    await page.mouse.move(1400, 940);
    await page.waitForTimeout(500);
    await screenshot(page, 'summary-empty.png');
  });

  await check('a folder with no candidate file (no index written): says so, no charts or table, the exports disabled', async () => {
    assert(!existsSync(path.join(bareFolder, '.dicom')), 'the indexer wrote no index for it');
    const frame = await openFolderSummary(bareFolder, '.empty', { indexed: false });
    await frame.locator('.empty h2', { hasText: 'No index for this folder yet' }).waitFor({ timeout: 30000 });
    assert((await frame.locator('.empty').innerText()).includes('A folder without any gets no index'), 'explains why there may be no index');
    assertEq(await frame.locator('figure.chart, canvas, section.series, .cards').count(), 0, 'charts, table and cards');
    for (const label of ['Export CSV', 'Export Excel', 'Copy summary']) assertEq(await frame.locator('button', { hasText: label }).isDisabled(), true, `${label} disabled`);
    await page.mouse.move(1400, 940);
    await page.waitForTimeout(500);
    await screenshot(page, 'summary-no-index.png');
  });
}

let server;
let browser;
let page;
const ui = createChecks('summary', () => page);
const { check, assert, assertEq } = ui;
try {
  server = await startCodeServer({ stateDir: path.join(runDir, 'server'), settings: { 'workbench.colorTheme': 'Default Light Modern', 'dicom.index.onStartup': 'ifIndexed' } });
  browser = await launchChromium({ stateDir: path.join(runDir, 'chromium'), headless: !opts.headed });
  const context = await browser.newContext({ viewport: { width: 1440, height: 960 } });
  await context.grantPermissions(['clipboard-read', 'clipboard-write']).catch(() => {});
  page = await context.newPage();
  await openWorkbench(page, { url: server.url, folder: workspace, remoteAuthority: server.remoteAuthority, payload: [['extensionDevelopmentPath', repoRoot]] });
  await waitForWorkbench(page);
  // the extension is active once its status bar item shows the index
  await page.locator('.statusbar-item', { hasText: /DICOM/ }).first().waitFor({ state: 'visible', timeout: 60000 });
  say(`workbench up in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

  let frame;
  await check('"DICOM: Show Summary" from the command palette opens the panel', async () => {
    await runCommand(page, 'DICOM: Show Summary', { timeout: 60000 });
    frame = await summaryWebviewFrame(page);
    await page.locator('.tab', { hasText: 'DICOM Summary' }).first().waitFor({ state: 'visible', timeout: 10000 });
  });
  if (!frame) throw new Error('the panel did not open: the remaining checks need it');

  await check('the cards show the same numbers as `dicom-index stats`', async () => {
    // wait for the host's state (the cards may show a restored state first)
    await frame.waitForFunction((n) => document.querySelector('.card[data-key="instances"] .value')?.textContent?.replace(/,/g, '') === String(n), expected.instances, { timeout: 30000 });
    assertEq(num(await cardValue(frame, 'patients')), expected.patients, 'patients');
    assertEq(num(await cardValue(frame, 'studies')), expected.studies, 'studies');
    assertEq(num(await cardValue(frame, 'series')), expected.series, 'series');
    assertEq(num(await cardValue(frame, 'instances')), expected.instances, 'instances');
    assertEq(num(await cardValue(frame, 'perStudy')), Math.round(expected.instancesPerStudy.mean * 10) / 10, 'instances per study');
    const problems = expected.files.partial + expected.files.error + expected.files.notDicom;
    assertEq(num(await cardValue(frame, 'problems')), problems, 'files with problems');
    assertEq((await cardValue(frame, 'modalities')).trim(), Object.keys(expected.modalities).join(', '), 'modalities');
    const th = await cardValue(frame, 'thickness');
    if (!th.includes(String(expected.sliceThickness.min)) || !th.includes(String(expected.sliceThickness.max))) throw new Error(`thickness card ${th}`);
    const rows = await frame.locator('section.series tbody tr[data-uid]:not([data-uid=""])').count();
    assertEq(rows, expected.series, 'series table rows');
  });

  await check('the four chart canvases are drawn (the measured step beside the thickness)', async () => {
    const drawn = await frame.evaluate(() =>
      [...document.querySelectorAll('figure.chart canvas')].map((c) => {
        const ctx = c.getContext('2d');
        const { data } = ctx.getImageData(0, 0, c.width, c.height);
        let painted = 0;
        for (let i = 3; i < data.length; i += 4) if (data[i] > 0) painted++;
        return { w: c.width, h: c.height, painted };
      }),
    );
    assertEq(drawn.length, 4, 'canvases');
    for (const d of drawn) if (!(d.w > 100 && d.h > 100 && d.painted > 500)) throw new Error(`a canvas is not drawn: ${JSON.stringify(d)}`);
  });

  await page.locator('.activitybar [aria-label^="DICOM"]').first().click().catch(() => {});
  await page.mouse.move(900, 600);
  await page.waitForTimeout(1200);
  await screenshot(page, 'summary-light.png');

  const volumes = expectedChecks.totals.volumes;
  const checked = expectedChecks.totals.series;
  await check('the Dataset checks section: volumes ready to use, one row per check that fired (the missing slice listed)', async () => {
    assert(volumes < checked, `the fixtures hold a series that is no volume (${volumes} of ${checked})`);
    assertEq(expectedChecks.totals.byCheck.missing_slices, 1, 'the CLI finds one series with missing slices');
    const verdict = (await frame.locator('section.checks .checks-verdict').innerText()).trim();
    assert(verdict.startsWith(`${volumes} of ${checked} series are volumes ready to use`), `verdict: ${verdict}`);
    const fired = Object.entries(expectedChecks.totals.byCheck).filter(([, n]) => n > 0).map(([k]) => k);
    const rows = await frame.$$eval('section.checks .check-row', (els) => els.map((e) => e.dataset.check));
    assertEq([...rows].sort(), [...fired, ...expectedChecks.dataset.map((f) => f.check)].sort(), 'one row per check that fired');
    const row = frame.locator('button.check-row[data-check="missing_slices"]');
    const text = await row.innerText();
    assert(/Missing slices/.test(text) && /1 series · 7 images/.test(text), `the missing-slices row: ${text}`);
    assertEq((await row.locator('.sev').innerText()).trim().toLowerCase(), 'error', 'severity badge');
    assertEq(await row.getAttribute('aria-pressed'), 'false', 'not chosen yet');
  });

  await check('the step chart: one bar per measured step on the logarithmic axis, with its data table', async () => {
    const bars = await barsOf(frame, 'seriesStep');
    const steps = [...new Set(expectedChecks.series.filter((x) => x.spacing?.median > 0).map((x) => Number(x.spacing.median.toFixed(3))))].sort((a, b) => a - b);
    assertEq(bars.map((b) => b.key), steps, 'bar keys: the measured steps');
    const xs = bars.map((b) => b.x);
    assertEq(xs, [...xs].sort((a, b) => a - b), 'bars left to right');
    assertEq(await frame.locator('figure[data-chart="seriesStep"] table.sr-only > tr').count(), bars.length, 'data table rows');
  });

  await check('clicking the check filters the series table to that series; a row reveals it in the tree; the chip clears it', async () => {
    const all = await shownRows(frame);
    await frame.locator('button.check-row[data-check="missing_slices"]').click();
    await frame.locator('.chip', { hasText: 'Check: Missing slices' }).waitFor({ timeout: 5000 });
    assertEq(await frame.locator('button.check-row[data-check="missing_slices"]').getAttribute('aria-pressed'), 'true', 'the row is chosen');
    const uids = await frame.$$eval('section.series tbody tr[data-i]', (trs) => trs.map((tr) => tr.dataset.uid));
    assertEq(uids, [gapSeries.seriesInstanceUid], 'the rows shown');
    assert((await frame.locator('.table-caption').innerText()).startsWith(`Showing 1 of ${expected.series} series`), 'caption');
    await sectionScreenshot(frame, 'section.checks', 'summary-checks-light.png');
    await frame.locator('section.series tbody tr[data-i="0"]').click();
    await page.locator('.monaco-list-row.selected', { hasText: /GAP SERIES/ }).first().waitFor({ state: 'visible', timeout: 15000 });
    await page.locator('.tab', { hasText: 'DICOM Summary' }).first().click();
    await frame.locator('.chip button.chip-remove').click();
    await frame.locator('.chip').waitFor({ state: 'detached', timeout: 5000 });
    assertEq(await shownRows(frame), all, 'every row is back');
    assertEq(await frame.locator('button.check-row[data-check="missing_slices"]').getAttribute('aria-pressed'), 'false', 'the row is no longer chosen');
  });

  await check('the cohort: the live count is every series, "Volumes only" leaves the volumes; a refused SQL condition is said inline', async () => {
    await waitForCohortSeries(frame, checked, 'no filter');
    const c = await cohortCount(frame);
    assertEq(c.patients, expected.patients, 'cohort patients');
    assertEq(c.images, expectedChecks.totals.images, 'cohort slices');
    await frame.locator('section.cohort label', { hasText: 'Volumes only' }).click();
    await waitForCohortSeries(frame, volumes, 'volumes only');
    // The free condition: the database refuses an unknown column; the message shows, the exports wait.
    await frame.locator('section.cohort details.advanced summary').click();
    const sql = frame.locator('section.cohort input.sql');
    await sql.fill('no_such_column > 1');
    await frame.locator('.cohort-error', { hasText: /SQL condition was refused/ }).waitFor({ timeout: 10000 });
    assertEq(await frame.locator('section.cohort button[data-format="csv"]').isDisabled(), true, 'export disabled while the filter cannot run');
    await sql.fill('Rows > 0');
    await waitForCohortSeries(frame, volumes, 'volumes only, Rows > 0');
    assertEq((await frame.locator('.cohort-error').innerText()).trim(), '', 'no error');
    await sql.fill('');
    await waitForCohortSeries(frame, volumes, 'volumes only');
    await sectionScreenshot(frame, 'section.cohort', 'summary-cohort-light.png');
  });

  const cohortCsv = path.join(outDir, 'cohort.csv');
  await check('Export the cohort as CSV: the save dialog offers cohort.csv, the file has one row per series of the cohort', async () => {
    await frame.locator('section.cohort button[data-format="csv"]').click();
    const input = page.locator('.quick-input-widget .quick-input-box input').first();
    await input.waitFor({ state: 'visible', timeout: 30000 });
    await page.waitForTimeout(500);
    const offered = await input.inputValue();
    assert(offered.endsWith('/cohort.csv'), `the dialog offers cohort.csv: ${offered}`);
    await answerSaveDialog(page, cohortCsv);
    await waitForNotification(page, new RegExp(`exported a cohort of ${volumes} series .* to cohort\\.csv`, 'i'), { timeout: 60000 });
    await waitForFile(cohortCsv);
    const lines = readFileSync(cohortCsv, 'utf8').replace(/^\ufeff/, '').split('\r\n').filter(Boolean);
    assertEq(lines.length, volumes + 1, 'cohort CSV lines (header + series)');
    assert(!readFileSync(cohortCsv, 'utf8').includes(gapSeries.seriesInstanceUid), 'the series with a missing slice is not in a volumes-only cohort');
    assert(readFileSync(cohortCsv, 'utf8').includes(cleanSeries.seriesInstanceUid), 'the clean series is');
    await frame.locator('.notice', { hasText: 'Exported' }).waitFor({ timeout: 10000 });
  });

  await check('the table filters by text and sorts by a column, keyboard included', async () => {
    const first = await frame.locator('section.series tbody tr[data-uid] td').first().innerText();
    await frame.locator('input.filter').fill(first);
    await frame.waitForFunction(() => document.querySelectorAll('section.series tbody tr[data-uid]').length < 10);
    const shown = await frame.locator('section.series tbody tr[data-uid]').count();
    if (shown < 1) throw new Error('the filter hid everything');
    await frame.locator('input.filter').fill('');
    await frame.locator('th button.sort', { hasText: 'Images' }).focus();
    await page.keyboard.press('Enter');
    const sorted = await frame.locator('th', { has: frame.locator('button', { hasText: 'Images' }) }).getAttribute('aria-sort');
    assertEq(sorted, 'ascending', 'aria-sort');
    const images = await frame.$$eval('section.series tbody tr[data-uid] td:nth-child(6)', (tds) => tds.map((td) => Number(td.textContent.replace(/,/g, ''))));
    assertEq(images, [...images].sort((a, b) => a - b), 'images ascending');
  });

  const csv = path.join(outDir, 'summary.csv');
  await check('Export CSV: the save dialog is answered, the file has one row per indexed file', async () => {
    await frame.locator('button', { hasText: 'Export CSV' }).click();
    await answerSaveDialog(page, csv);
    await waitForNotification(page, /exported .* files to summary\.csv/i, { timeout: 60000 });
    await waitForFile(csv);
    const lines = readFileSync(csv, 'utf8').replace(/^\ufeff/, '').split('\r\n').filter(Boolean);
    assertEq(lines.length, expected.files.total + 1, 'CSV lines (header + files)');
    await frame.locator('.notice', { hasText: 'Exported to summary.csv' }).waitFor({ timeout: 10000 });
  });

  const xlsx = path.join(outDir, 'summary.xlsx');
  await check('Export Excel: the save dialog is answered, the workbook has the right row counts', async () => {
    await frame.locator('button', { hasText: 'Export Excel' }).click();
    await answerSaveDialog(page, xlsx);
    await waitForNotification(page, /exported .* files to summary\.xlsx/i, { timeout: 60000 });
    await waitForFile(xlsx);
    const ExcelJS = require(path.join(repoRoot, 'node_modules', 'exceljs'));
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(xlsx);
    assertEq(wb.getWorksheet('Instances').actualRowCount - 1, expected.files.total, 'Instances rows');
    assertEq(wb.getWorksheet('Series').actualRowCount - 1, expected.series, 'Series rows');
  });

  await check('Save as PNG writes a PNG of the chart', async () => {
    const png = path.join(outDir, 'thickness.png');
    await frame.locator('figure[data-chart="thickness"] button', { hasText: 'Save PNG' }).click();
    await answerSaveDialog(page, png);
    await waitForFile(png);
    const head = readFileSync(png).subarray(0, 8).toString('hex');
    assertEq(head, '89504e470d0a1a0a', 'PNG signature');
  });

  await check('Copy summary reports the Markdown table copied', async () => {
    await frame.locator('button', { hasText: 'Copy summary' }).click();
    await frame.locator('.notice', { hasText: 'Copied the summary' }).waitFor({ timeout: 15000 });
  });

  await check('the files-with-problems link reveals the Problems node in the tree', async () => {
    await frame.locator('.card[data-key="problems"] button.link').click();
    await page.locator('.monaco-list-row.selected', { hasText: /Problems/ }).first().waitFor({ state: 'visible', timeout: 15000 });
  });

  await check('a dark theme re-colours the panel and its charts', async () => {
    const before = await frame.evaluate(() => getComputedStyle(document.body).backgroundColor);
    const beforeColours = await frame.evaluate(() => document.body.dataset.chartColours);
    await runCommand(page, 'Preferences: Color Theme');
    const input = page.locator('.quick-input-widget .quick-input-box input').first();
    await input.fill('Dark Modern');
    await page.locator('.quick-input-widget .monaco-list-row', { hasText: 'Dark Modern' }).first().waitFor({ timeout: 10000 });
    await input.press('Enter');
    await frame.waitForFunction(() => document.body.classList.contains('vscode-dark'), null, { timeout: 20000 });
    await page.waitForTimeout(500);
    const after = await frame.evaluate(() => getComputedStyle(document.body).backgroundColor);
    if (before === after) throw new Error(`the background did not change (${after})`);
    // the charts use the dark theme's --vscode-charts-* colours
    await frame.waitForFunction(() => {
      const s = getComputedStyle(document.body);
      const want = ['--vscode-charts-blue', '--vscode-charts-purple', '--vscode-charts-green', '--vscode-charts-orange'].map((v) => s.getPropertyValue(v).trim()).join(' ');
      return document.body.dataset.chartColours === want;
    }, null, { timeout: 10000 });
    say(`chart colours after the theme change: ${await frame.evaluate(() => document.body.dataset.chartColours)} (before: ${beforeColours})`);
    await runCommand(page, 'Notifications: Clear All Notifications').catch(() => {});
    await page.locator('.tab', { hasText: 'DICOM Summary' }).first().click();
    await page.mouse.move(900, 600);
    await page.waitForTimeout(1200);
  });

  await screenshot(page, 'summary-dark.png');
  await frame.locator('button.check-row[data-check="missing_slices"]').click();
  await frame.locator('.chip', { hasText: 'Check: Missing slices' }).waitFor({ timeout: 5000 });
  await sectionScreenshot(frame, 'section.checks', 'summary-checks-dark.png');
  await sectionScreenshot(frame, 'section.cohort', 'summary-cohort-dark.png');

  await check('after a window reload the panel is restored by its serializer, with its check filter and cohort form', async () => {
    await page.reload({ waitUntil: 'domcontentloaded' });
    await waitForWorkbench(page, { timeout: 90000 });
    const restored = await summaryWebviewFrame(page, 90000);
    await restored.waitForFunction((n) => document.querySelector('.card[data-key="instances"] .value')?.textContent?.replace(/,/g, '') === String(n), expected.instances, { timeout: 30000 });
    const tabs = await page.locator('.tab', { hasText: 'DICOM Summary' }).count();
    assertEq(tabs, 1, 'summary tabs');
    await restored.locator('.chip', { hasText: 'Check: Missing slices' }).waitFor({ timeout: 10000 });
    assertEq(await restored.$$eval('section.series tbody tr[data-i]', (trs) => trs.map((tr) => tr.dataset.uid)), [gapSeries.seriesInstanceUid], 'the table is still filtered to the check');
    assertEq(await restored.locator('button.check-row[data-check="missing_slices"]').getAttribute('aria-pressed'), 'true', 'the check row is still chosen');
    assertEq(await restored.locator('section.cohort input[data-field="volumesOnly"]').isChecked(), true, '"Volumes only" is still ticked');
    await waitForCohortSeries(restored, volumes, 'restored: volumes only');
  });

  if (realCorpus) await realCorpusChecks();
  else say(`SKIPPED the real-corpus checks: no corpus at ${corpusReal}`);
  await emptyFolderChecks();
} catch (err) {
  await ui.fail(err);
} finally {
  await tearDown({ browser, server, runDir, keep: opts.keep, say });
}
process.exit(ui.finish());
