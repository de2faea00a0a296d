// Headless Debian chromium driven by playwright-core, and opening the VS Code web workbench.
import { mkdirSync, mkdtempSync, rmSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { format } from 'node:util';
import { chromium } from 'playwright-core';
import { parseRemoteAuthority } from './codeServer.mjs';

export const chromiumPath = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
export const chromiumArgs = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];

/**
 * @param {{ headless?: boolean, stateDir?: string, args?: string[] }} [opts]
 * @returns {Promise<import('playwright-core').Browser>}  closing the browser removes its state dir
 */
export async function launchChromium(opts = {}) {
  if (!existsSync(chromiumPath)) {
    throw new Error(`chromium not found at ${chromiumPath}: install the Debian package \`chromium\` (or set CHROMIUM_PATH)`);
  }
  const own = !opts.stateDir;
  const stateDir = opts.stateDir ?? mkdtempSync(path.join(os.tmpdir(), 'dwi-chromium-'));
  const env = { ...process.env, HOME: stateDir };
  for (const [k, sub] of [['XDG_CONFIG_HOME', 'config'], ['XDG_DATA_HOME', 'data'], ['XDG_CACHE_HOME', 'cache']]) {
    env[k] = path.join(stateDir, sub);
    mkdirSync(env[k], { recursive: true });
  }
  const browser = await chromium.launch({
    executablePath: chromiumPath,
    headless: opts.headless ?? true,
    args: [...chromiumArgs, ...(opts.args ?? [])],
    env,
  });
  if (own) browser.on('disconnected', () => rmSync(stateDir, { recursive: true, force: true }));
  return browser;
}

/**
 * Exposes the two functions VS Code's web workbench calls when it runs extension tests
 * (must be called before the page is loaded). The log carries both the extension host's console output
 * and the workbench's own info log (all as type "info"); see isWorkbenchNoise.
 * Set DWI_DEBUG_AUTOMATION=1 to see the raw calls.
 * @param {import('playwright-core').Page} page
 * @param {{ onLog?: (type: string, text: string) => void, onExit?: (code: number) => void }} handlers
 */
export async function exposeAutomation(page, { onLog, onExit } = {}) {
  await page.exposeFunction('codeAutomationLog', (type, args) => {
    if (process.env.DWI_DEBUG_AUTOMATION) process.stderr.write(`[codeAutomationLog ${type}] ${JSON.stringify(args)}\n`);
    // args are console.* arguments (already serialised), e.g. ["    ✔ %s", "title"]: apply printf-style formatting.
    const text = Array.isArray(args) ? format(...args) : String(args);
    (onLog ?? ((_t, s) => console.log(s)))(type, text);
  });
  await page.exposeFunction('codeAutomationExit', (code) => {
    onExit?.(Number(code));
  });
}

/** True for the web workbench's own chatter that codeAutomationLog also carries. */
export function isWorkbenchNoise(text) {
  return /^(Resolving connection token|Resolved connection token|Creating a socket \(|\[Service Worker\]|Ignoring fetching additional builtin extensions|Updating additional builtin extensions cache|ChatSessionStore: |Started local extension host|Extension host \()/.test(text);
}

function toRemoteUri(value, remoteAuthority) {
  if (typeof value === 'string' && path.isAbsolute(value) && remoteAuthority) {
    return `vscode-remote://${remoteAuthority}${value.split(path.sep).map(encodeURIComponent).join('/')}`;
  }
  return value;
}

/**
 * Builds the workbench URL and loads it.
 *   folder   absolute path of the folder to open (on the server machine)
 *   payload  object or [key, value][]; absolute paths for extensionDevelopmentPath / extensionTestsPath
 *            are turned into vscode-remote://AUTHORITY/... URIs. `skipWelcome` defaults to "true".
 * The remote authority is read from the page's `vscode-workbench-web-configuration` meta tag.
 * @param {import('playwright-core').Page} page
 * @param {{ url: string, folder?: string, payload?: object | [string, string][], remoteAuthority?: string,
 *           waitForWorkbench?: boolean, timeout?: number }} opts
 * @returns {Promise<string>} the URL loaded
 */
export async function openWorkbench(page, { url, folder, payload, remoteAuthority, waitForWorkbench = true, timeout = 90000 }) {
  if (!remoteAuthority) {
    const res = await page.request.get(url);
    remoteAuthority = parseRemoteAuthority(await res.text());
    if (!remoteAuthority) remoteAuthority = new URL(url).host;
  }
  const entries = Array.isArray(payload) ? [...payload] : Object.entries(payload ?? {});
  if (!entries.some(([k]) => k === 'skipWelcome')) entries.push(['skipWelcome', 'true']);
  const pairs = entries.map(([k, v]) => [k, k === 'extensionDevelopmentPath' || k === 'extensionTestsPath' ? toRemoteUri(v, remoteAuthority) : String(v)]);
  const u = new URL(url);
  if (folder) u.searchParams.set('folder', folder);
  u.searchParams.set('payload', JSON.stringify(pairs));
  const full = u.toString();
  await page.goto(full, { waitUntil: 'domcontentloaded', timeout });
  if (waitForWorkbench) await page.locator('.monaco-workbench').first().waitFor({ state: 'visible', timeout });
  return full;
}
