#!/usr/bin/env node
// UI test of the summary panel with Playwright in a real VS Code (code-server + headless chromium):
// open the panel from the command palette, read the card numbers from the webview's DOM and compare
// them with `dicom-index stats --json`, check the chart canvases are drawn, click Export CSV and
// Export Excel and answer VS Code's own save dialog (quick input: type the path, Enter), check the
// files and their row counts, Save chart as PNG, Copy summary, switch to a dark theme, reload the
// window (the panel comes back through its serializer). Screenshots: test-results/summary-light.png,
// summary-dark.png (and a few more).
//
//   npx tsc -p . && node scripts/build.mjs && node test/ui/summary.ui.mjs [--keep] [--headed]
//
// Prints `ui summary: N passed, N failed` and exits non-zero on a failure.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync, readdirSync, statSync } from 'node:fs';
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
for (const f of [cli, sampleCli, path.join(repoRoot, 'dist', 'extension.js'), path.join(repoRoot, 'dist', 'webview.js')]) {
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
execFileSync(process.execPath, [cli, 'index', workspace], { stdio: 'pipe' });
const expected = JSON.parse(execFileSync(process.execPath, [cli, 'stats', path.join(workspace, '.dicom', 'index.sqlite'), '--json'], { encoding: 'utf8' }));
say(`workspace ${workspace}: ${expected.files.total} files, ${expected.series} series`);

// ---- checks ------------------------------------------------------------------------------------
async function waitForFile(file, timeout = 60000) {
  const deadline = Date.now() + timeout;
  while (!existsSync(file)) {
    if (Date.now() > deadline) throw new Error(`${file} was not written within ${timeout} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}


const cardValue = (frame, key) => frame.locator(`.card[data-key="${key}"] .value`).innerText();
const num = (s) => Number(s.replace(/[^0-9.]/g, ''));

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
    const rows = await frame.locator('section.series tbody tr[data-uid]').count();
    assertEq(rows, expected.series, 'series table rows');
  });

  await check('the three chart canvases are drawn', async () => {
    const drawn = await frame.evaluate(() =>
      [...document.querySelectorAll('figure.chart canvas')].map((c) => {
        const ctx = c.getContext('2d');
        const { data } = ctx.getImageData(0, 0, c.width, c.height);
        let painted = 0;
        for (let i = 3; i < data.length; i += 4) if (data[i] > 0) painted++;
        return { w: c.width, h: c.height, painted };
      }),
    );
    assertEq(drawn.length, 3, 'canvases');
    for (const d of drawn) if (!(d.w > 100 && d.h > 100 && d.painted > 500)) throw new Error(`a canvas is not drawn: ${JSON.stringify(d)}`);
  });

  await page.locator('.activitybar [aria-label^="DICOM"]').first().click().catch(() => {});
  await page.mouse.move(900, 600);
  await page.waitForTimeout(1200);
  await screenshot(page, 'summary-light.png');

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
    const images = await frame.$$eval('section.series tbody tr[data-uid] td:nth-child(5)', (tds) => tds.map((td) => Number(td.textContent.replace(/,/g, ''))));
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
      const want = ['--vscode-charts-blue', '--vscode-charts-purple', '--vscode-charts-green'].map((v) => s.getPropertyValue(v).trim()).join(' ');
      return document.body.dataset.chartColours === want;
    }, null, { timeout: 10000 });
    say(`chart colours after the theme change: ${await frame.evaluate(() => document.body.dataset.chartColours)} (before: ${beforeColours})`);
    await runCommand(page, 'Notifications: Clear All Notifications').catch(() => {});
    await page.locator('.tab', { hasText: 'DICOM Summary' }).first().click();
    await page.mouse.move(900, 600);
    await page.waitForTimeout(1200);
  });

  await screenshot(page, 'summary-dark.png');

  await check('after a window reload the panel is restored by its serializer', async () => {
    await page.reload({ waitUntil: 'domcontentloaded' });
    await waitForWorkbench(page, { timeout: 90000 });
    const restored = await summaryWebviewFrame(page, 90000);
    await restored.waitForFunction((n) => document.querySelector('.card[data-key="instances"] .value')?.textContent?.replace(/,/g, '') === String(n), expected.instances, { timeout: 30000 });
    const tabs = await page.locator('.tab', { hasText: 'DICOM Summary' }).count();
    assertEq(tabs, 1, 'summary tabs');
  });
} catch (err) {
  await ui.fail(err);
} finally {
  await tearDown({ browser, server, runDir, keep: opts.keep, say });
}
process.exit(ui.finish());
