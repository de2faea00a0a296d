#!/usr/bin/env node
// Standalone preview of the summary webview, without VS Code: renders dist/webview.js + dist/webview.css
// in headless chromium with a fake acquireVsCodeApi, a sample state, and a small set of --vscode-*
// variables (light / dark / high contrast), and writes screenshots.
//
//   node scripts/build.mjs && node webview/preview/preview.mjs [--out DIR] [--width N] [--state FILE.json] [--themes light,dark]
//
// --state: a SummaryState (JSON) to show instead of the built-in sample.
//
// Prints the messages the webview posted (ready, …) so the protocol can be checked by eye.
import { readFileSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';

// The protocol version, read from its one definition (src/shared/messages.ts).
const PROTOCOL_VERSION = Number(/export const PROTOCOL_VERSION = (\d+)/.exec(readFileSync(path.join(path.dirname(fileURLToPath(import.meta.url)), '../../src/shared/messages.ts'), 'utf8'))[1]);

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const { values: opts } = parseArgs({
  options: {
    out: { type: 'string', default: path.join(root, 'test-results', 'preview') },
    width: { type: 'string', default: '1200' },
    state: { type: 'string' },
    themes: { type: 'string', default: 'light,dark,hc' },
  },
});
mkdirSync(opts.out, { recursive: true });

const THEMES = {
  light: {
    cls: 'vscode-light',
    vars: {
      'foreground': '#3b3b3b', 'descriptionForeground': '#717171', 'editor-background': '#ffffff', 'editorWidget-background': '#f8f8f8',
      'widget-border': '#e5e5e5', 'button-background': '#005fb8', 'button-foreground': '#ffffff', 'button-hoverBackground': '#0258a8',
      'button-secondaryBackground': '#e5e5e5', 'button-secondaryForeground': '#3b3b3b', 'button-secondaryHoverBackground': '#cccccc',
      'focusBorder': '#005fb8', 'textLink-foreground': '#005fb8', 'input-background': '#ffffff', 'input-border': '#cecece', 'input-foreground': '#3b3b3b',
      'list-hoverBackground': '#f2f2f2', 'charts-foreground': '#616161', 'charts-lines': 'rgba(97, 97, 97, 0.5)', 'charts-blue': '#1a85ff',
      'charts-purple': '#652d90', 'charts-green': '#388a34', 'editorWarning-foreground': '#bf8803', 'errorForeground': '#f85149',
      'font-family': 'system-ui, "Ubuntu", "Droid Sans", sans-serif', 'font-size': '13px',
    },
  },
  dark: {
    cls: 'vscode-dark',
    vars: {
      'foreground': '#cccccc', 'descriptionForeground': '#9d9d9d', 'editor-background': '#1f1f1f', 'editorWidget-background': '#202020',
      'widget-border': '#313131', 'button-background': '#0078d4', 'button-foreground': '#ffffff', 'button-hoverBackground': '#026ec1',
      'button-secondaryBackground': '#313131', 'button-secondaryForeground': '#cccccc', 'button-secondaryHoverBackground': '#3c3c3c',
      'focusBorder': '#0078d4', 'textLink-foreground': '#4daafc', 'input-background': '#313131', 'input-border': '#3c3c3c', 'input-foreground': '#cccccc',
      'list-hoverBackground': '#2a2d2e', 'charts-foreground': '#cccccc', 'charts-lines': 'rgba(204, 204, 204, 0.5)', 'charts-blue': '#3794ff',
      'charts-purple': '#b180d7', 'charts-green': '#89d185', 'editorWarning-foreground': '#cca700', 'errorForeground': '#f85149',
      'font-family': 'system-ui, "Ubuntu", "Droid Sans", sans-serif', 'font-size': '13px',
    },
  },
  hc: {
    cls: 'vscode-high-contrast',
    vars: {
      'foreground': '#ffffff', 'descriptionForeground': '#ffffff', 'editor-background': '#000000', 'contrastBorder': '#6fc3df',
      'contrastActiveBorder': '#f38518', 'button-background': '#000000', 'button-foreground': '#ffffff', 'button-border': '#6fc3df',
      'focusBorder': '#f38518', 'textLink-foreground': '#21a6ff', 'input-background': '#000000', 'input-border': '#6fc3df',
      'charts-foreground': '#ffffff', 'charts-lines': 'rgba(255, 255, 255, 0.5)', 'charts-blue': '#3794ff', 'charts-purple': '#b180d7', 'charts-green': '#89d185',
      'font-family': 'system-ui, sans-serif', 'font-size': '13px',
    },
  },
};

function sampleState() {
  const series = [];
  const descs = ['CHEST W/O CONTRAST', 'Recon 2: CHEST', 'LUNG SCREEN <b>bold?</b>', 'AXIAL 1.25mm', ''];
  const thick = [1.25, 2.5, 0.625, 1, 2, 3, 5];
  for (let p = 1; p <= 40; p++) {
    const n = 1 + (p % 3);
    for (let s = 0; s < n; s++) {
      const t = thick[(p * 3 + s) % thick.length];
      series.push({
        uid: `1.2.3.${p}.${s}`,
        patient: `LIDC-IDRI-${String(p).padStart(4, '0')}`,
        patientId: `LIDC-IDRI-${String(p).padStart(4, '0')}`,
        patientName: p % 5 === 0 ? '' : `Case^${p}`,
        conflicts: p === 7 ? ['SeriesDescription'] : [],
        studyDate: `2000${String((p % 12) + 1).padStart(2, '0')}${String((p % 27) + 1).padStart(2, '0')}`,
        modality: p % 9 === 0 ? 'DX' : 'CT',
        description: descs[(p + s) % descs.length],
        seriesNumber: 3000 + s,
        images: 60 + ((p * 37 + s * 11) % 280),
        thickness: p % 13 === 0 ? [t, 2.5] : [t],
        pixelSpacing: ['0.703125\\0.703125'],
        size: p % 9 === 0 ? ['2048×2048'] : ['512×512'],
        findings: p % 11 === 0 ? ['missing_slices'] : p % 7 === 0 ? ['irregular_spacing', 'instance_number_gaps'] : p % 9 === 0 ? ['localizer'] : [],
        step: p % 9 === 0 ? null : t,
      });
    }
  }
  const histogram = {};
  const seriesHistogram = {};
  for (const r of series) for (const t of r.thickness) {
    histogram[String(t)] = (histogram[String(t)] ?? 0) + Math.round(r.images / r.thickness.length);
    seriesHistogram[String(t)] = (seriesHistogram[String(t)] ?? 0) + 1;
  }
  const instances = Object.values(histogram).reduce((a, b) => a + b, 0);
  return {
    folders: [{ uri: 'file:///data/LIDC', name: 'LIDC' }],
    folder: 'file:///data/LIDC',
    stats: {
      patients: 40, studies: 41, series: series.length, instances: instances + 12, distinctSopInstances: instances + 12, duplicateSopInstances: 0, duplicateSopFiles: 0,
      conflicts: { patients: 0, studies: 0, series: 1 },
      files: { total: instances + 20, ok: instances + 10, partial: 2, error: 3, notDicom: 5 },
      instancesPerStudy: { mean: (instances + 12) / 41, min: 1, max: 612 },
      sliceThickness: { min: 0.625, max: 5, missing: 12, invalid: 0, histogram, seriesHistogram },
      modalities: { CT: instances - 30, DX: 42 },
      totalBytes: 12.7 * 1024 ** 3,
      missingKeys: { PatientID: 0, StudyInstanceUID: 0, SeriesInstanceUID: 0, SOPInstanceUID: 0 },
      lastIndexed: '2025-01-31T10:20:30.000Z',
      incomplete: false,
    },
    series,
    seriesTotal: series.length,
    checks: {
      series: series.length,
      volumes: series.length - 14,
      rows: [
        { check: 'missing_slices', severity: 'error', series: 3, images: 512, count: null, detail: '' },
        { check: 'irregular_spacing', severity: 'warning', series: 5, images: 1020, count: null, detail: '' },
        { check: 'study_in_several_patients', severity: 'warning', series: null, images: null, count: 1, detail: '1 Study UID found under more than one PatientID' },
        { check: 'instance_number_gaps', severity: 'info', series: 5, images: 1020, count: null, detail: '' },
        { check: 'localizer', severity: 'info', series: 4, images: 8, count: null, detail: '' },
      ],
      stepHistogram: Object.fromEntries(Object.entries(seriesHistogram).map(([k, n]) => [k, Math.max(1, n - 1)])),
      noStep: 4,
    },
    indexing: false,
    computedAt: new Date().toISOString(),
  };
}

function pageHtml(theme) {
  const style = Object.entries(theme.vars).map(([k, v]) => `--vscode-${k}: ${v};`).join(' ');
  return `<!DOCTYPE html><html style='${style}'><head><meta charset="utf-8">
<style>${readFileSync(path.join(root, 'dist', 'webview.css'), 'utf8')}</style></head>
<body class="${theme.cls}"><div id="app"></div>
<script>
  window.__posted = [];
  // The host's side of the cohort count, faked: a count that shrinks with every field set.
  const answer = (m) => {
    const n = Object.keys(m.filter).length;
    const where = m.filter.where;
    const msg = where && /bad/.test(where)
      ? { v: m.v, type: 'cohortCount', seq: m.seq, count: null, error: 'The SQL condition was refused: no such column: bad' }
      : { v: m.v, type: 'cohortCount', seq: m.seq, count: { patients: 40 - 5 * n, studies: 41 - 5 * n, series: 80 - 9 * n, images: 14000 - 1500 * n, files: 14000 - 1500 * n } };
    setTimeout(() => window.postMessage(msg, '*'), 20);
  };
  window.acquireVsCodeApi = () => ({ postMessage: (m) => { window.__posted.push(m); if (m.type === 'cohortCount') answer(m); }, getState: () => undefined, setState: (s) => s });
</script>
<script>${readFileSync(path.join(root, 'dist', 'webview.js'), 'utf8')}</script></body></html>`;
}

const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium', headless: true, args: ['--no-sandbox', '--disable-gpu'] });
try {
  const state = opts.state ? JSON.parse(readFileSync(opts.state, 'utf8')) : sampleState();
  for (const [name, theme] of Object.entries(THEMES).filter(([n]) => opts.themes.split(',').includes(n))) {
    for (const width of [Number(opts.width), 420]) {
      const page = await browser.newPage({ viewport: { width, height: 900 } });
      const errors = [];
      page.on('pageerror', (e) => errors.push(e.message));
      page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
      await page.setContent(pageHtml(theme));
      await page.evaluate(([s, v]) => window.postMessage({ v, type: 'state', state: s }, '*'), [state, PROTOCOL_VERSION]);
      await page.waitForSelector('canvas');
      await page.waitForTimeout(300);
      const file = path.join(opts.out, `preview-${name}-${width}.png`);
      await page.screenshot({ path: file, fullPage: true });
      await page.screenshot({ path: file.replace(/\.png$/, '-top.png') });
      if (width !== 420) {
        await page.locator('figure[data-chart="thickness"] button').click();
        const png = await page.evaluate(() => window.__posted.find((m) => m.type === 'savePng')?.dataUrl);
        if (png) writeFileSync(path.join(opts.out, `chart-${name}.png`), Buffer.from(png.split(',')[1], 'base64'));
      }
      const posted = await page.evaluate(() => window.__posted);
      console.log(`${file}  posted: ${posted.map((m) => m.type).join(', ')}${errors.length ? `  ERRORS: ${errors.join(' | ')}` : ''}`);
      await page.close();
    }
  }
} finally {
  await browser.close();
}
