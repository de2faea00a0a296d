/**
 * Show Tags: every element of one file's header in a read-only document (a TextDocumentContentProvider
 * for the `dicom-tags` scheme, so the document cannot be edited or saved over anything). Works for
 * a tree node, the Explorer's context menu on `.dcm` files, or the active editor's file.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { readFileTags } from '../../core/tags';
import { fileOf, isTreeElement } from '../tree/elements';
import { formatCount } from '../../shared/format';

export const TAGS_SCHEME = 'dicom-tags';

/** `dicom-tags:/abs/file.dcm (tags)?file=<file uri>`: the tab reads "file.dcm (tags)". */
export function tagsUri(file: vscode.Uri): vscode.Uri {
  return vscode.Uri.from({ scheme: TAGS_SCHEME, path: `${file.path} (tags)`, query: new URLSearchParams({ file: file.toString() }).toString() });
}

export function sourceOf(tags: vscode.Uri): vscode.Uri | undefined {
  const f = new URLSearchParams(tags.query).get('file');
  return f ? vscode.Uri.parse(f, true) : undefined;
}

export class TagsDocumentProvider implements vscode.TextDocumentContentProvider {
  async provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
    const file = sourceOf(uri);
    if (!file || file.scheme !== 'file') return 'Not a file on this machine.';
    let tags;
    try {
      tags = await readFileTags(file.fsPath, { maxValueLength: 2048, maxRows: 50_000, maxDepth: 16 });
    } catch (e) {
      return `${file.fsPath}\n\nCould not be read: ${(e as Error).message.split('\n')[0]}\n`;
    }
    const head = [
      `# ${path.basename(file.fsPath)}`,
      `# ${file.fsPath}`,
      `# ${formatCount(tags.size)} bytes · status ${tags.status}${tags.error ? ` (${tags.error})` : ''}${tags.transferSyntax ? ` · transfer syntax ${tags.transferSyntax}` : ''}`,
      `# ${tags.rows.length} elements`,
      '',
    ];
    const kw = Math.min(44, Math.max(8, ...tags.rows.map((r) => r.keyword.length + 2 * r.depth)));
    const lines = tags.rows.map((r) => {
      const indent = '  '.repeat(r.depth);
      return `${indent}${r.tag} ${(r.vr || '  ').padEnd(2)} ${(indent + r.keyword).padEnd(kw)} ${r.value}`.trimEnd();
    });
    return [...head, ...lines, ''].join('\n');
  }
}

/** The file a Show Tags call is about: a tree node, a Uri, or the active editor's file. */
function targetFiles(arg: unknown, many: unknown): vscode.Uri[] {
  if (Array.isArray(many) && many.length && many.every((u) => u instanceof vscode.Uri)) return many as vscode.Uri[];
  if (isTreeElement(arg)) {
    const f = fileOf(arg);
    return f ? [f] : [];
  }
  if (arg instanceof vscode.Uri) return [arg.scheme === TAGS_SCHEME ? sourceOf(arg) ?? arg : arg];
  const doc = vscode.window.activeTextEditor?.document.uri;
  if (doc) return [doc.scheme === TAGS_SCHEME ? sourceOf(doc) ?? doc : doc].filter((u) => u.scheme === 'file');
  const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input as { uri?: unknown } | undefined;
  if (input && input.uri instanceof vscode.Uri && input.uri.scheme === 'file') return [input.uri];
  return [];
}

export function registerShowTags(): vscode.Disposable {
  return vscode.Disposable.from(
    vscode.workspace.registerTextDocumentContentProvider(TAGS_SCHEME, new TagsDocumentProvider()),
    vscode.commands.registerCommand('dicom.showTags', async (arg?: unknown, many?: unknown) => {
      let files = targetFiles(arg, many);
      if (!files.length) {
        const picked = await vscode.window.showOpenDialog({
          canSelectMany: false,
          openLabel: 'Show Tags',
          filters: { DICOM: ['dcm', 'DCM'], 'All files': ['*'] },
          defaultUri: vscode.workspace.workspaceFolders?.[0]?.uri,
        });
        files = picked ?? [];
      }
      let last: vscode.TextEditor | undefined;
      for (const f of files.slice(0, 10)) {
        const doc = await vscode.workspace.openTextDocument(tagsUri(f));
        last = await vscode.window.showTextDocument(doc, { preview: files.length === 1, preserveFocus: false });
      }
      return last?.document.uri;
    }),
  );
}
