#!/usr/bin/env node
// UI test of the packaged extension: builds the .vsix (`npm run package`), checks what is in it, installs
// it into a FRESH code-server state dir (its own extensions folder), starts code-server WITHOUT an
// extensionDevelopmentPath, so only the installed copy can run, opens a small LIDC-like sample and, as a
// user would: F1 → "DICOM: Index Workspace" (needs the packaged sql-wasm.wasm), waits for the patient
// rows, F1 → "DICOM: Show Summary" and reads the card numbers from the webview (needs the packaged
// dist/webview.js and webview.css, which must be loaded from the installed extension's folder), and
// opens the walkthrough (needs media/walkthrough/). Screenshots: test-results/vsix.png,
// vsix-walkthrough.png.
//
//   npx tsc -p . && node test/ui/vsix.ui.mjs [--keep] [--headed] [--vsix PATH]
//   npm run test:package
//
// --vsix PATH tests an existing package instead of building one. Prints `ui vsix: N passed, N failed`
// and exits non-zero on a failure.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { installExtension, repoRoot, startCodeServer } from '../harness/codeServer.mjs';
import { launchChromium, openWorkbench } from '../harness/browser.mjs';
import { runCommand, screenshot, viewPane, waitForTreeRows, waitForWorkbench, summaryWebviewFrame } from '../harness/workbench.mjs';
import { createChecks } from '../harness/checks.mjs';
import { tearDown } from '../harness/teardown.mjs';

const require = createRequire(import.meta.url);
const { values: opts } = parseArgs({
  options: { keep: { type: 'boolean', default: false }, headed: { type: 'boolean', default: false }, vsix: { type: 'string' } },
});
const say = (m) => console.log(`[ui vsix] ${m}`);
const t0 = Date.now();
const VIEW = 'Index';
const MAX_BYTES = 5 * 1024 * 1024;
const manifest = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8'));
const extensionId = `${manifest.publisher}.${manifest.name}`;
const extensionFolder = `${extensionId}-${manifest.version}`;

const sampleModule = path.join(repoRoot, 'out', 'tools', 'sample', 'lidcSample.js');
if (!existsSync(sampleModule)) {
  console.error(`[ui vsix] ${path.relative(repoRoot, sampleModule)} is missing: run \`npx tsc -p .\``);
  process.exit(2);
}

let page;
const ui = createChecks('vsix', () => page);
const { check, assert } = ui;

const runDir = mkdtempSync(path.join(os.tmpdir(), 'dwi-ui-vsix-'));
const stateDir = path.join(runDir, 'server');
const extensionsDir = path.join(stateDir, 'extensions');
let server;
let browser;
async function cleanup() {
  await tearDown({ browser, server, runDir, keep: opts.keep, say });
}
const clearTimeLimit = ui.limitTime(8 * 60_000, cleanup);

/**
 * Builds the .vsix with `npm run package`. While README.md does not exist yet (vsce refuses to package
 * without one), the production build is packaged from a throw-away copy with a placeholder README, so the
 * repository is never touched.
 */
function buildVsix() {
  const run = (cmd, args, cwd) => {
    const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', timeout: 300_000 });
    if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (exit ${r.status ?? r.signal}):\n${r.stdout}\n${r.stderr}`);
    return r.stdout;
  };
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  if (existsSync(path.join(repoRoot, 'README.md'))) {
    run(npm, ['run', 'package'], repoRoot);
    return path.join(repoRoot, 'dist', 'dicom-workspace-index.vsix');
  }
  say('README.md is missing: packaging a copy with a placeholder README');
  run(process.execPath, [path.join(repoRoot, 'scripts', 'build.mjs'), '--production'], repoRoot);
  const copy = path.join(runDir, 'package-copy');
  for (const f of ['package.json', '.vscodeignore', 'LICENSE', 'CHANGELOG.md', 'dist', 'media']) {
    if (existsSync(path.join(repoRoot, f))) cpSync(path.join(repoRoot, f), path.join(copy, f), { recursive: true, filter: (src) => !src.endsWith('.vsix') });
  }
  writeFileSync(path.join(copy, 'README.md'), `# ${manifest.displayName}\n\nPlaceholder README for a test package.\n`);
  const vsix = path.join(runDir, 'dicom-workspace-index.vsix');
  run(process.execPath, [require.resolve('@vscode/vsce/vsce'), 'package', '--no-dependencies', '--out', vsix], copy);
  return vsix;
}

/** The names in a zip (the .vsix), via `unzip -Z1`. */
function zipEntries(file) {
  const r = spawnSync('unzip', ['-Z1', file], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`unzip -Z1 ${file} failed: ${r.stderr}`);
  return r.stdout.split('\n').filter(Boolean);
}


try {
  // ---- the package -----------------------------------------------------------------------------
  let vsix = opts.vsix && path.resolve(opts.vsix);
  if (!vsix) {
    const t = Date.now();
    vsix = buildVsix();
    say(`packaged ${path.relative(repoRoot, vsix) || vsix} in ${((Date.now() - t) / 1000).toFixed(1)} s`);
  }
  const size = statSync(vsix).size;
  const entries = zipEntries(vsix);
  say(`${path.basename(vsix)}: ${(size / 1024 / 1024).toFixed(2)} MB, ${entries.length} entries`);

  await check('the .vsix holds the bundles, the wasm, the webview assets, media and docs, and nothing else', async () => {
    assert(size < MAX_BYTES, `the .vsix is ${size} bytes, over ${MAX_BYTES}`);
    const wanted = [
      'extension/package.json',
      'extension/readme.md',
      'extension/changelog.md',
      'extension/LICENSE.txt',
      'extension/dist/extension.js',
      'extension/dist/cli.js',
      'extension/dist/readWorker.js',
      'extension/dist/indexThreadMain.js',
      'extension/dist/sql-wasm.wasm',
      'extension/dist/webview.js',
      'extension/dist/webview.css',
      `extension/${manifest.icon}`,
      'extension/media/dicom.svg',
      ...manifest.contributes.walkthroughs.flatMap((w) => w.steps.map((s) => `extension/${s.media.svg ?? s.media.image ?? s.media.markdown}`)),
    ];
    const missing = wanted.filter((w) => !entries.includes(w));
    assert(!missing.length, `missing from the .vsix: ${missing.join(', ')}`);
    const unwanted = entries.filter((e) => /(^|\/)(node_modules|src|out|test|tools|webview|\.cache|test-results|screenshots|scripts)\/|\.map$|\.ts$|\.vsix$|\.sqlite$/.test(e));
    assert(!unwanted.length, `unwanted files in the .vsix: ${unwanted.slice(0, 20).join(', ')}`);
  });

  // ---- a fresh code-server with only the installed package -------------------------------------
  await check(`the .vsix installs into a fresh extensions folder as ${extensionFolder}`, async () => {
    installExtension(vsix, stateDir);
    const installed = readdirSync(extensionsDir).filter((d) => !d.startsWith('.') && d !== 'extensions.json');
    assert(JSON.stringify(installed) === JSON.stringify([extensionFolder]), `extensions folder holds ${JSON.stringify(installed)}`);
    const dir = path.join(extensionsDir, extensionFolder);
    for (const f of ['package.json', 'dist/extension.js', 'dist/readWorker.js', 'dist/indexThreadMain.js', 'dist/sql-wasm.wasm', 'dist/webview.js', 'dist/webview.css']) {
      assert(existsSync(path.join(dir, f)), `${f} is not in the installed extension`);
    }
    assert(!existsSync(path.join(dir, 'node_modules')), 'the installed extension has a node_modules folder');
  });

  const workspace = path.join(runDir, 'LIDC-sample');
  const { generateLidcSample } = require(sampleModule);
  const sample = await generateLidcSample(workspace, { patients: 2, slicesPerSeries: 10, size: 64, seed: 5 });
  say(`workspace ${workspace}: ${sample.files} files, ${sample.patients} patients, ${sample.studies} studies, ${sample.series} series`);

  server = await startCodeServer({ stateDir, settings: { 'workbench.colorTheme': 'Default Light Modern', 'dicom.index.onStartup': 'never' } });
  browser = await launchChromium({ stateDir: path.join(runDir, 'chromium'), headless: !opts.headed });
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  page = await context.newPage();
  // No extensionDevelopmentPath: the only copy of the extension the server knows is the installed one.
  await openWorkbench(page, { url: server.url, folder: workspace, remoteAuthority: server.remoteAuthority });
  await waitForWorkbench(page);
  say(`workbench loaded (${((Date.now() - t0) / 1000).toFixed(1)} s)`);

  await check('F1 → "DICOM: Index Workspace" indexes with the packaged wasm and fills the tree with the patients', async () => {
    const icon = page.locator('.activitybar .action-item a[aria-label^="DICOM"], .activitybar .action-item[aria-label^="DICOM"]').first();
    await icon.waitFor({ state: 'visible', timeout: 60_000 });
    await icon.click();
    await viewPane(page, VIEW, { timeout: 30_000 });
    await runCommand(page, 'DICOM: Index Workspace', { timeout: 60_000 });
    const rows = await waitForTreeRows(page, VIEW, { minRows: sample.patients, timeout: 90_000 });
    await page.waitForFunction((n) => document.querySelectorAll('.monaco-list-row .label-name').length >= n, sample.patients, { timeout: 30_000 });
    const labels = (await rows.locator('.label-name').allInnerTexts()).map((l) => l.trim());
    const patients = labels.filter((l) => /^LIDC-IDRI-\d{4}$/.test(l));
    assert(patients.length === sample.patients, `${sample.patients} patient rows, got ${JSON.stringify(labels)}`);
    await page.locator('.statusbar-item', { hasText: `DICOM: ${sample.files} images` }).first().waitFor({ state: 'visible', timeout: 30_000 });
  });

  let frame;
  await check('F1 → "DICOM: Show Summary" renders the webview from the installed extension with the right numbers', async () => {
    await runCommand(page, 'DICOM: Show Summary', { timeout: 60_000 });
    frame = await summaryWebviewFrame(page);
    await frame.waitForFunction((n) => document.querySelector('.card[data-key="instances"] .value')?.textContent?.replace(/,/g, '') === String(n), sample.files, { timeout: 30_000 });
    const card = async (key) => Number((await frame.locator(`.card[data-key="${key}"] .value`).innerText()).replace(/[^0-9.]/g, ''));
    const got = { patients: await card('patients'), studies: await card('studies'), series: await card('series'), instances: await card('instances') };
    const want = { patients: sample.patients, studies: sample.studies, series: sample.series, instances: sample.files };
    assert(JSON.stringify(got) === JSON.stringify(want), `cards ${JSON.stringify(got)}, expected ${JSON.stringify(want)}`);
    // The panel's script and stylesheet come from the installed copy (the extensions folder), not the repo.
    const assets = await frame.evaluate(() => [...document.querySelectorAll('script[src], link[rel="stylesheet"][href]')].map((e) => decodeURIComponent(e.src || e.href)));
    say(`webview assets: ${assets.join(' ')}`);
    assert(assets.length >= 2, `script and stylesheet, got ${JSON.stringify(assets)}`);
    for (const a of assets) {
      assert(a.includes(`/extensions/${extensionFolder}/dist/`), `an asset outside the installed extension: ${a}`);
      assert(!a.includes(repoRoot + '/'), `an asset from the repository: ${a}`);
    }
    const styled = await frame.evaluate(() => getComputedStyle(document.querySelector('.card')).display);
    assert(styled !== 'inline', 'the cards are styled (webview.css loaded)');
    const charts = await frame.evaluate(() =>
      [...document.querySelectorAll('figure.chart canvas')].map((c) => {
        const { data } = c.getContext('2d').getImageData(0, 0, c.width, c.height);
        let painted = 0;
        for (let i = 3; i < data.length; i += 4) if (data[i] > 0) painted++;
        return painted;
      }),
    );
    assert(charts.length >= 1 && charts.some((p) => p > 500), `drawn charts, got ${JSON.stringify(charts)}`);
    await page.mouse.move(900, 600);
    await page.waitForTimeout(1000);
    await screenshot(page, 'vsix.png');
  });

  await check('the walkthrough opens with its steps and packaged media; its "Index Workspace" button completes a step', async () => {
    const walkthrough = manifest.contributes.walkthroughs[0];
    await runCommand(page, 'Welcome: Open Walkthrough...', { timeout: 30_000 });
    const input = page.locator('.quick-input-widget .quick-input-box input').first();
    await input.fill(walkthrough.title);
    const pick = page.locator('.quick-input-widget .monaco-list-row', { hasText: walkthrough.title }).first();
    await pick.waitFor({ state: 'visible', timeout: 20_000 });
    await input.press('Enter');
    const slide = page.locator('.gettingStartedSlideDetails').filter({ visible: true }).first();
    await slide.waitFor({ state: 'visible', timeout: 30_000 });
    const stepEl = (s) => slide.locator('.getting-started-step', { has: page.locator('h3', { hasText: s.title }) }).first();
    // A folder is open: the "open a folder" step (when: workspaceFolderCount == 0) is hidden, the others show.
    for (const s of walkthrough.steps) {
      if (s.when === 'workspaceFolderCount == 0') assert((await stepEl(s).count()) === 0 || !(await stepEl(s).isVisible()), `step "${s.title}" shows with a folder open`);
      else await stepEl(s).waitFor({ state: 'visible', timeout: 10_000 });
    }
    // The selected step's svg is shown in a webview (two iframes deep); wait until it has content.
    const svgShown = async () => {
      for (const outer of await page.locator('iframe.webview.ready').elementHandles()) {
        const f1 = await outer.contentFrame();
        const innerEl = f1 && (await f1.$('iframe#active-frame'));
        const f2 = innerEl && (await innerEl.contentFrame());
        if (f2 && (await f2.$('svg text').catch(() => null))) return true;
      }
      return false;
    };
    const deadline = Date.now() + 30_000;
    while (!(await svgShown())) {
      if (Date.now() > deadline) throw new Error('the step media (an svg from media/walkthrough/) did not render');
      await page.waitForTimeout(250);
    }
    // The "Index Workspace" button runs dicom.indexWorkspace, which checks the step off.
    const indexStep = stepEl(walkthrough.steps.find((s) => s.completionEvents.includes('onCommand:dicom.indexWorkspace')));
    await indexStep.click();
    const button = indexStep.locator('.monaco-button, a.button-link', { hasText: 'Index Workspace' }).first();
    await button.waitFor({ state: 'visible', timeout: 10_000 });
    await button.click();
    await indexStep.locator('.codicon-getting-started-step-checked').waitFor({ state: 'visible', timeout: 30_000 });
    await page.mouse.move(700, 850);
    await page.waitForTimeout(1000);
    await screenshot(page, 'vsix-walkthrough.png');
  });
} catch (err) {
  await ui.fail(err);
} finally {
  clearTimeLimit();
  await cleanup();
}
say(`done in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
process.exit(ui.finish());
