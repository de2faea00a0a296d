/**
 * A series' checks in the patient tree: its icon by the worst finding, the measured step of a
 * volume in its description, and the findings and spacing in its hover.
 */
import * as vscode from 'vscode';
import type { SeriesChecks } from '../../core/queries/checks';
import { ALL_CHECKS } from '../../shared/checks';
import { formatMm, num } from './format';
import { escapeMarkdown as esc, table } from './markdown';
import { severityIcon } from './severity';

/** The series' icon: its worst finding's severity, else the plain series icon. */
export function seriesIcon(checks: SeriesChecks | undefined, hasUid: boolean): vscode.ThemeIcon {
  if (!hasUid) return new vscode.ThemeIcon('question');
  return checks?.worst ? severityIcon(checks.worst) : new vscode.ThemeIcon('layers');
}

/** "2.5 mm step" for a volume (its median measured step), else ''. */
export function stepText(checks: SeriesChecks | undefined): string {
  const step = checks?.volume ? checks.spacing?.median : null;
  return step == null ? '' : `${formatMm(step)} step`;
}

/** "161 slices missing", "1 slice missing" (the check's count in its words), or '' for a check without a count. */
export function countText(check: string, count: number | null): string {
  const what = ALL_CHECKS[check as keyof typeof ALL_CHECKS]?.counts;
  return count === null || !what ? '' : `${num(count)} ${count === 1 ? singular(what) : what}`;
}

/** The words of SERIES_CHECKS' `counts` for one: "slices missing" → "slice missing", "extra images" → "extra image". */
function singular(words: string): string {
  const w = words.split(' ');
  const i = w.findIndex((x) => x.length > 3 && x.endsWith('s'));
  if (i >= 0) w[i] = w[i].endsWith('sses') ? w[i].slice(0, -2) : w[i].slice(0, -1);
  return w.join(' ');
}

/**
 * The hover's Checks section (Markdown; every value escaped): a paragraph (so it never runs into the
 * facts list after it) with the verdict and the measured spacing, then the findings as a table.
 */
export function checksMarkdown(checks: SeriesChecks | undefined): string {
  if (!checks) return `**Checks**: ${esc('not checked yet (index the folder again)')}`;
  const f = checks.findings;
  const verdict = [f.length ? `${f.length === 1 ? '1 finding' : `${num(f.length)} findings`}, worst ${checks.worst}` : 'no findings', checks.volume ? 'a volume' : 'not a volume'].join(' · ');
  const s = checks.spacing;
  const spacing = s
    ? `Measured spacing: ${esc(`min ${formatMm(s.min)} · median ${s.median === null ? '–' : formatMm(s.median)} · max ${formatMm(s.max)}`)}`
    : `Spacing: ${esc(checks.spacingNote ?? 'not measured')}`;
  // The count as a number (the detail says what it counts).
  const rows = f.map((x) => [`${ALL_CHECKS[x.check]?.title ?? x.check} (${x.check})`, x.severity, x.count === null ? '–' : num(x.count), x.detail]);
  return [`**Checks**: ${esc(verdict)}  \n${spacing}`, ...(rows.length ? [table(['Check', 'Severity', 'Count', 'Detail'], rows)] : [])].join('\n\n');
}
