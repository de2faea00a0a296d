#!/usr/bin/env node
// UI test: the summary webview over a workspace holding every hostile file of test/fixtures/hostile.ts
// and series whose PatientName / SeriesDescription are markup (an <img onerror>, a <script>, a command
// link, backticks, pipes). In the real webview DOM (code-server + headless chromium): the cards equal
// `dicom-index stats`, the markup values are table-cell TEXT (no <img>/<script>/<a> element made from
// them, no dialog), and the filter finds them as text.
//
//   npx tsc -p . && node scripts/build.mjs && node test/ui/hostile.ui.mjs [--keep] [--headed]
//
// Prints `ui hostile: N passed, N failed` and exits non-zero on a failure.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { repoRoot, startCodeServer } from '../harness/codeServer.mjs';
import { launchChromium, openWorkbench } from '../harness/browser.mjs';
import { runCommand, screenshot, waitForWorkbench, summaryWebviewFrame } from '../harness/workbench.mjs';
import { createChecks } from '../harness/checks.mjs';
import { tearDown } from '../harness/teardown.mjs';

const require = createRequire(import.meta.url);
const { values: opts } = parseArgs({ options: { keep: { type: 'boolean', default: false }, headed: { type: 'boolean', default: false } } });
const say = (m) => console.log(`[ui hostile] ${m}`);
const t0 = Date.now();

const cli = path.join(repoRoot, 'dist', 'cli.js');
const fixtures = path.join(repoRoot, 'out', 'test', 'fixtures');
for (const f of [cli, path.join(repoRoot, 'dist', 'extension.js'), path.join(repoRoot, 'dist', 'webview.js'), path.join(fixtures, 'hostile.js')]) {
  if (!existsSync(f)) {
    console.error(`[ui hostile] ${path.relative(repoRoot, f)} is missing: run \`npx tsc -p . && node scripts/build.mjs\``);
    process.exit(2);
  }
}
const fx = require(path.join(fixtures, 'dicomFiles.js'));
const hx = require(path.join(fixtures, 'hostile.js'));

const VALUES = ['<img src=x onerror=alert(1)>', '<script>alert(1)</script>', '[x](command:workbench.action.quit)', '`whoami` ``code``', 'a|b | c||d'];

// ---- workspace: the hostile cases, markup-valued series; indexed by the CLI ----------------------
const runDir = mkdtempSync(path.join(os.tmpdir(), 'dwi-ui-hostile-'));
const workspace = path.join(runDir, 'hostile-workspace');
hx.writeHostileCases(path.join(workspace, 'hostile'));
VALUES.forEach((v, i) => {
  fx.writeSeries(path.join(workspace, 'markup', `p${i}`), {
    count: 2,
    sliceThickness: 1.25,
    patientId: `INJ-${i + 1}`,
    patientName: v,
    seriesDescription: VALUES[(i + 2) % VALUES.length],
    overrides: { StudyDescription: VALUES[(i + 1) % VALUES.length] },
  });
});
execFileSync(process.execPath, [cli, 'index', workspace], { stdio: 'pipe' });
const expected = JSON.parse(execFileSync(process.execPath, [cli, 'stats', path.join(workspace, '.dicom', 'index.sqlite'), '--json'], { encoding: 'utf8' }));
say(`workspace ${workspace}: ${expected.files.total} files, ${expected.series} series`);

let page;
const ui = createChecks('hostile', () => page);
const { check, assert, assertEq } = ui;


let server;
let browser;
const dialogs = [];
const hardTimer = setTimeout(() => {
  console.error('[ui hostile] TIMEOUT after 300 s');
  process.exit(124);
}, 300_000);
try {
  server = await startCodeServer({ stateDir: path.join(runDir, 'server'), settings: { 'dicom.index.onStartup': 'ifIndexed' } });
  browser = await launchChromium({ stateDir: path.join(runDir, 'chromium'), headless: !opts.headed });
  const context = await browser.newContext({ viewport: { width: 1440, height: 960 } });
  page = await context.newPage();
  page.on('dialog', (d) => {
    dialogs.push(`${d.type()}: ${d.message()}`);
    void d.dismiss().catch(() => {});
  });
  await openWorkbench(page, { url: server.url, folder: workspace, remoteAuthority: server.remoteAuthority, payload: [['extensionDevelopmentPath', repoRoot]] });
  await waitForWorkbench(page);
  await page.locator('.statusbar-item', { hasText: /DICOM/ }).first().waitFor({ state: 'visible', timeout: 60000 });
  say(`workbench up in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

  let frame;
  await check('"DICOM: Show Summary" opens the panel over the hostile workspace; the cards equal `dicom-index stats`', async () => {
    await runCommand(page, 'DICOM: Show Summary', { timeout: 60000 });
    frame = await summaryWebviewFrame(page);
    await frame.waitForFunction((n) => document.querySelector('.card[data-key="instances"] .value')?.textContent?.replace(/,/g, '') === String(n), expected.instances, { timeout: 30000 });
    const num = async (key) => Number((await frame.locator(`.card[data-key="${key}"] .value`).innerText()).replace(/[^0-9.]/g, ''));
    assertEq(await num('patients'), expected.patients, 'patients');
    assertEq(await num('series'), expected.series, 'series');
    const problems = expected.files.error + expected.files.partial + expected.files.notDicom;
    assertEq(await num('problems'), problems, 'files with problems');
  });
  if (!frame) throw new Error('the panel did not open: the remaining checks need it');

  await check('markup values are table-cell text: no element made from them, nothing ran', async () => {
    const cells = await frame.locator('table tbody td').allTextContents();
    for (const v of VALUES) assert(cells.includes(v), `a cell whose text is exactly ${JSON.stringify(v)} (cells: ${JSON.stringify(cells.filter((c) => /INJ|<|\[|`|\|/.test(c)).slice(0, 20))})`);
    // Inside the panel's own content (#app); VS Code's webview host adds scripts of its own outside it.
    const made = await frame.evaluate(() => ({
      img: document.querySelectorAll('#app img').length,
      script: document.querySelectorAll('#app script').length,
      a: document.querySelectorAll('#app a').length,
      onerror: document.querySelectorAll('[onerror]').length,
    }));
    assertEq(made, { img: 0, script: 0, a: 0, onerror: 0 }, 'elements made from values');
    assertEq(dialogs, [], 'dialogs');
    await screenshot(page, 'summary-hostile.png');
  });

  await check('the filter finds a markup value as text', async () => {
    const filter = frame.locator('input.filter');
    await filter.fill('<script>');
    await frame.waitForFunction(() => document.querySelectorAll('table tbody tr:not(.none)').length === 2, undefined, { timeout: 10000 });
    const rows = await frame.locator('table tbody tr').allInnerTexts();
    assert(rows.every((r) => r.includes('<script>alert(1)</script>')), `rows: ${JSON.stringify(rows)}`);
    await filter.fill('');
    assertEq(dialogs, [], 'dialogs');
  });
} catch (err) {
  await ui.fail(err);
} finally {
  clearTimeout(hardTimer);
  try {
    hx.restorePermissions(path.join(workspace, 'hostile'));
  } catch {
    /* gone */
  }
  await tearDown({ browser, server, runDir, keep: opts.keep, say });
}
process.exit(ui.finish());
