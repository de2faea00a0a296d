/**
 * Escaping untrusted text (every value read from a DICOM file) for Markdown tooltips.
 *
 * Every ASCII punctuation character is backslash-escaped (CommonMark allows that for all of them),
 * so no link, image, emphasis, code span, autolink, table cell break (`|`) or heading can start;
 * `<`, `>` and `&` become entities, so no HTML tag or entity can either, even where a renderer
 * allowed HTML. Line breaks and other control characters become spaces: a value cannot end a
 * table row. The tooltips are built with `isTrusted = false` and `supportHtml = false` as well.
 */
import * as vscode from 'vscode';

const ENTITY: Record<string, string> = { '<': '&lt;', '>': '&gt;', '&': '&amp;' };

export function escapeMarkdown(value: unknown): string {
  const s = value === null || value === undefined ? '' : String(value);
  return (
    s
      // eslint-disable-next-line no-control-regex
      .replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ')
      .replace(/[!-/:-@[-`{-~]/g, (c) => ENTITY[c] ?? `\\${c}`)
  );
}

/** Shortens long values (before escaping) so one tag cannot make the hover huge. */
export function clip(value: string, max = 96): string {
  return value.length > max ? `${value.slice(0, max - 1)}…` : value;
}

/** An untrusted Markdown string: no command links, no HTML. */
export function safeMarkdown(text = ''): vscode.MarkdownString {
  const md = new vscode.MarkdownString(text, false);
  md.isTrusted = false;
  md.supportHtml = false;
  md.supportThemeIcons = false;
  return md;
}

/** A Markdown table whose cells are all escaped. */
export function table(header: string[], rows: unknown[][]): string {
  const line = (cells: unknown[]) => `| ${cells.map((c) => escapeMarkdown(c) || ' ').join(' | ')} |`;
  return [line(header), `|${header.map(() => ' --- ').join('|')}|`, ...rows.map(line)].join('\n');
}
