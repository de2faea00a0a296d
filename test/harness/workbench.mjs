// Small Playwright helpers for UI tests against VS Code's web workbench (code-server).
// All waits are explicit with generous timeouts: the test machines have 2 shared, noisy cores.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from './codeServer.mjs';

export const DEFAULT_TIMEOUT = 30000;

const QUICK_INPUT = '.quick-input-widget';
const QUICK_INPUT_BOX = '.quick-input-widget .quick-input-box input';
const QUICK_INPUT_ROWS = '.quick-input-widget .quick-input-list .monaco-list-row';

/** Waits until the workbench has rendered (and, by default, the activity and status bars). */
export async function waitForWorkbench(page, { timeout = 90000 } = {}) {
  await page.locator('.monaco-workbench').first().waitFor({ state: 'visible', timeout });
  await page.locator('.statusbar').first().waitFor({ state: 'visible', timeout });
}

async function quickInputHidden(page, timeout) {
  await page.locator(QUICK_INPUT).first().waitFor({ state: 'hidden', timeout });
}

/**
 * Runs a command by its palette title: F1, `>title`, then picks the row whose label is exactly `title`
 * (falls back to the first row), and waits for the palette to close.
 */
export async function runCommand(page, title, { timeout = DEFAULT_TIMEOUT } = {}) {
  await waitForWorkbench(page, { timeout });
  const input = page.locator(QUICK_INPUT_BOX).first();
  // F1 may be swallowed while the workbench is still starting, and the palette may close again before
  // it is typed in, or after (focus taken by something the workbench opens, e.g. a walkthrough page):
  // open it again until its rows are shown. A palette that stays open and lists nothing is an error.
  const deadline = Date.now() + timeout;
  const rows = page.locator(QUICK_INPUT_ROWS);
  const exact = rows.filter({ has: page.locator('.label-name', { hasText: new RegExp(`^\\s*${escapeRegExp(title)}\\s*$`) }) }).first();
  for (;;) {
    await page.keyboard.press('F1');
    try {
      await input.waitFor({ state: 'visible', timeout: 3000 });
      await input.fill(`>${title}`, { timeout: 3000 });
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`runCommand(${title}): the command palette did not open`, { cause: err });
      continue;
    }
    // Wait for the exact row while the palette stays open (up to the deadline, as before), in steps so
    // that a palette closed under us is seen and opened again.
    let open = true;
    while (open && Date.now() < deadline) {
      try {
        await exact.waitFor({ state: 'visible', timeout: Math.max(500, Math.min(3000, deadline - Date.now())) });
        break;
      } catch {
        open = await input.isVisible();
      }
    }
    if (await exact.isVisible()) {
      // The palette may close between that look and the click (focus taken): open it again then,
      // rather than wait for a row that is gone (a click that timed out did not run the command).
      try {
        await exact.click({ timeout: 3000 });
        break;
      } catch (err) {
        if (Date.now() > deadline) throw new Error(`runCommand(${title}): the command's row could not be clicked`, { cause: err });
        continue;
      }
    }
    if (!open && Date.now() < deadline) continue; // closed under us: open it again
    const first = rows.first();
    if (!open || !(await first.isVisible())) {
      if (open) await page.keyboard.press('Escape');
      throw new Error(`runCommand(${title}): no such command in the palette`);
    }
    await input.press('Enter');
    break;
  }
  await paletteClosed(page, timeout);
}

// The command palette is done when the quick input is gone, or now shows something else (e.g. the save
// dialog or a picker the command opened): its value no longer starts with '>'.
async function paletteClosed(page, timeout) {
  await page.waitForFunction(
    ([widgetSel, inputSel]) => {
      const widget = document.querySelector(widgetSel);
      const input = document.querySelector(inputSel);
      const visible = widget && widget.offsetParent !== null && getComputedStyle(widget).display !== 'none';
      return !visible || !input || !input.value.startsWith('>');
    },
    [QUICK_INPUT, QUICK_INPUT_BOX],
    { timeout, polling: 100 },
  );
}

/**
 * The pane (view) titled `viewTitle` (case-insensitive), expanded if it was collapsed. Matches a pane header's
 * title; a view that is alone in its container has no visible header, so the container's title (sidebar,
 * panel or secondary sidebar, e.g. "DICOM: Studies" or "DICOM") is matched too, and its only pane is used.
 */
export async function viewPane(page, viewTitle, { timeout = DEFAULT_TIMEOUT } = {}) {
  const exact = new RegExp(`^\\s*${escapeRegExp(viewTitle)}\\s*$`, 'i');
  const inTitle = new RegExp(`(^|:\\s*)${escapeRegExp(viewTitle)}\\s*$`, 'i');
  const header = page.locator('.pane-header').filter({ visible: true }).filter({ has: page.locator('.title', { hasText: exact }) }).first();
  const part = page
    .locator('.part.sidebar, .part.panel, .part.auxiliarybar')
    .filter({ has: page.locator('.composite.title .title-label h2', { hasText: inTitle }) })
    .first();
  const deadline = Date.now() + timeout;
  for (;;) {
    if (await header.isVisible()) {
      if ((await header.getAttribute('aria-expanded')) === 'false') await header.click();
      return page.locator('.pane').filter({ has: header }).first();
    }
    if ((await part.isVisible()) && (await part.locator('.pane').count()) === 1) return part.locator('.pane').first();
    if (Date.now() > deadline) throw new Error(`viewPane(${viewTitle}): no visible view with that title after ${timeout} ms (open it first)`);
    await page.waitForTimeout(200);
  }
}

/**
 * Waits until the tree/list in the view titled `viewTitle` shows at least `minRows` rows; returns the
 * rows locator (`.monaco-list-row`). Open the view first (e.g. runCommand(page, 'View: Focus on X View')).
 */
export async function waitForTreeRows(page, viewTitle, { minRows = 1, timeout = DEFAULT_TIMEOUT } = {}) {
  const pane = await viewPane(page, viewTitle, { timeout });
  const rows = pane.locator('.pane-body .monaco-list-row');
  const deadline = Date.now() + timeout;
  while ((await rows.count()) < minRows) {
    if (Date.now() > deadline) throw new Error(`waitForTreeRows(${viewTitle}): fewer than ${minRows} rows after ${timeout} ms`);
    await page.waitForTimeout(200);
  }
  return rows;
}

/** Hovers a row (or any element) and returns the text of the hover/tooltip that appears. */
export async function hoverAndReadTooltip(page, rowLocator, { timeout = DEFAULT_TIMEOUT } = {}) {
  const hover = page.locator('.workbench-hover, .monaco-hover').filter({ visible: true }).first();
  // Move away first so a previous hover closes and the next one is fresh.
  await page.mouse.move(0, 0);
  await hover.waitFor({ state: 'hidden', timeout: 5000 }).catch(() => {});
  await rowLocator.scrollIntoViewIfNeeded({ timeout });
  await rowLocator.hover({ timeout });
  try {
    await hover.waitFor({ state: 'visible', timeout });
  } catch {
    // Some hovers need the mouse to move inside the element before the delay starts.
    const box = await rowLocator.boundingBox();
    if (box) await page.mouse.move(box.x + Math.min(40, box.width / 2), box.y + box.height / 2, { steps: 3 });
    await hover.waitFor({ state: 'visible', timeout });
  }
  const text = (await hover.innerText()).trim();
  return text;
}

/**
 * Answers VS Code web's save dialog, a quick-input "simple file dialog": replaces the path with
 * `filePath`, Enter; confirms an "already exists / replace" dialog when `overwrite` (default true).
 */
export async function answerSaveDialog(page, filePath, { overwrite = true, timeout = DEFAULT_TIMEOUT } = {}) {
  const input = page.locator(QUICK_INPUT_BOX).first();
  await input.waitFor({ state: 'visible', timeout });
  // The dialog fills the input asynchronously with the default path: let it settle before replacing it.
  await page.waitForTimeout(300);
  await input.fill(filePath);
  await page.waitForTimeout(200);
  await input.press('Enter');
  const replace = page.locator('.monaco-dialog-box .monaco-button', { hasText: /^(Replace|Overwrite)$/ }).first();
  const outcome = await Promise.race([
    quickInputHidden(page, timeout).then(() => 'closed'),
    replace.waitFor({ state: 'visible', timeout }).then(() => 'replace'),
  ]);
  if (outcome === 'replace') {
    if (!overwrite) throw new Error(`answerSaveDialog: ${filePath} exists and overwrite is false`);
    await replace.click();
    await quickInputHidden(page, timeout).catch(() => {});
  }
}

/** Waits for a notification toast containing `text` (string or RegExp); returns its locator. */
export async function waitForNotification(page, text, { timeout = DEFAULT_TIMEOUT } = {}) {
  const toast = page.locator('.notification-toast, .notifications-toasts .monaco-list-row', { hasText: text }).first();
  await toast.waitFor({ state: 'visible', timeout });
  return toast;
}

/** PNG screenshot; a relative path is under <repo>/test-results/. Returns the absolute path. */
export async function screenshot(page, file, { fullPage = false } = {}) {
  const out = path.isAbsolute(file) ? file : path.join(repoRoot, 'test-results', file);
  mkdirSync(path.dirname(out), { recursive: true });
  await page.screenshot({ path: out, fullPage });
  return out;
}

function escapeRegExp(s) {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * The summary panel's document, a Playwright Frame two iframes deep (iframe.webview.ready →
 * iframe#active-frame), once it shows its cards.
 */
export async function summaryWebviewFrame(page, timeout = 60_000) {
  const deadline = Date.now() + timeout;
  for (;;) {
    for (const outer of await page.locator('iframe.webview.ready').elementHandles()) {
      const f1 = await outer.contentFrame();
      const innerEl = f1 && (await f1.$('iframe#active-frame'));
      const f2 = innerEl && (await innerEl.contentFrame());
      if (f2 && (await f2.$('.card[data-key="patients"] .value').catch(() => null))) return f2;
    }
    if (Date.now() > deadline) throw new Error('the summary webview did not show its cards');
    await page.waitForTimeout(250);
  }
}
