/**
 * Shared by the integration suites (not a test file itself): the extension's API, the opened
 * workspace folder, a clean workspace for each suite, polling with a deadline, and tree walks.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import type { DicomApi } from '../../src/extension/api';
import type { TreeElement } from '../../src/extension/tree/elements';
import type { IndexDatabase } from '../../src/core/db/database';
import type { IndexSource } from '../../src/core/store/source';

/** The folder's index as the SQLite file it is in these suites (the shared-index suite has its own). */
export function fileDb(idx: IndexSource): IndexDatabase {
  // By shape: the extension's IndexDatabase (dist/) is not the class these tests import (out/).
  assert.ok(!('store' in idx) && typeof (idx as IndexDatabase).scalar === 'function', 'the index is the SQLite file');
  return idx as IndexDatabase;
}

export const EXTENSION_ID = 'dicom-workspace-index.dicom-workspace-index';

export async function getApi(): Promise<DicomApi> {
  const ext = vscode.extensions.getExtension<DicomApi>(EXTENSION_ID);
  assert.ok(ext, `extension ${EXTENSION_ID} not found`);
  const api = ext.isActive ? ext.exports : await ext.activate();
  assert.ok(api && api.service, 'activate() returned the API');
  return api;
}

export function workspaceFolder(): vscode.WorkspaceFolder {
  const f = vscode.workspace.workspaceFolders?.[0];
  assert.ok(f, 'a workspace folder is open');
  return f;
}

export const root = () => workspaceFolder().uri.fsPath;
export const dbPath = () => path.join(root(), '.dicom', 'index.sqlite');

/**
 * Empties the workspace folder (fixtures and the index) with the watcher off, and waits until the
 * extension has dropped its copy of the index. The watcher stays off: a suite turns it on itself.
 */
export async function freshWorkspace(api: DicomApi): Promise<string> {
  api.setWatching(false);
  await api.waitIdle();
  const dir = root();
  for (const e of fs.readdirSync(dir)) fs.rmSync(path.join(dir, e), { recursive: true, force: true });
  await waitFor('the extension to forget the deleted index', async () => (await api.tree.getChildren()).length === 0);
  return dir;
}

export async function waitFor<T>(what: string, fn: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 30_000, everyMs = 150): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      lastError = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? ` (last error: ${String(lastError)})` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** One number from the extension's open database. */
export async function dbNumber(api: DicomApi, sql: string): Promise<number> {
  const n = await api.service.withDatabase(workspaceFolder(), (idx) => Number(fileDb(idx).scalar(sql) ?? 0));
  return n ?? -1;
}

export const label = (api: DicomApi, el: TreeElement) => {
  const l = api.tree.getTreeItem(el).label;
  return typeof l === 'string' ? l : l?.label ?? '';
};
export const description = (api: DicomApi, el: TreeElement) => String(api.tree.getTreeItem(el).description ?? '');

/** The whole tree below `el` as "label — description" lines, indented (for messages and checks). */
export async function dumpTree(api: DicomApi, el?: TreeElement, depth = 0, out: string[] = []): Promise<string[]> {
  for (const c of await api.tree.getChildren(el)) {
    out.push(`${'  '.repeat(depth)}${label(api, c)} — ${description(api, c)}`);
    await dumpTree(api, c, depth + 1, out);
  }
  return out;
}

/** Every instance node of the tree. */
export async function allInstances(api: DicomApi, el?: TreeElement): Promise<TreeElement[]> {
  const out: TreeElement[] = [];
  for (const c of await api.tree.getChildren(el)) {
    if (c.kind === 'instance') out.push(c);
    else if (c.kind !== 'problems' && c.kind !== 'checks') out.push(...(await allInstances(api, c)));
  }
  return out;
}

/** The raw text of an escaped Markdown string (backslash escapes and the three entities undone). */
export function unescapeMarkdown(s: string): string {
  return s
    .replace(/\\([!-/:-@[-`{-~])/g, '$1')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&')
    .replace(/\u200b/g, '');
}

/**
 * A hover's Markdown without its thumbnail: the one image of our own (`![thumbnail](data:image/png;base64,…)`,
 * alt text ours, base64 only), so the escaping checks see that nothing else carries image or link syntax.
 */
export function withoutThumbnail(v: string): string {
  return v.replace(/!\[thumbnail\]\(data:image\/png;base64,[A-Za-z0-9+/=]+\)/, '');
}
