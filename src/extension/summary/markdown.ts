/**
 * "Copy summary": the statistics as a Markdown table, to paste into a notebook or a report.
 * Pure (no `vscode`): unit-tested. Values that come from DICOM files (modality codes) are escaped.
 */
import type { StatsData } from '../../shared/messages';
import { conflictsSentence, duplicatesSentence, formatCount, formatNumber, formatTimestamp } from '../../shared/format';
import { formatBytes, modalityList, perStudyText, problemFiles, sortedHistogram, thicknessRange } from '../../shared/summaryFormat';

/** Escapes untrusted text for a Markdown table cell: pipes, backslashes, HTML, emphasis and link characters, line breaks. */
export function mdCell(s: string): string {
  return s
    .replace(/[\r\n]+/g, ' ')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/[\\`*_[\]|~]/g, (c) => `\\${c}`)
    .trim();
}

export function summaryMarkdown(s: StatsData, title?: string): string {
  const rows: [string, string][] = [
    ['Patients', formatCount(s.patients)],
    ['Studies', formatCount(s.studies)],
    ['Series', formatCount(s.series)],
    ['Instances (slices)', formatCount(s.instances)],
    ['Instances per study', perStudyText(s)],
    ['Slice thickness', thicknessRange(s) + (s.sliceThickness.missing ? ` (${formatCount(s.sliceThickness.missing)} without)` : '')],
    ['Modalities', modalityList(s).map(([m, n]) => `${mdCell(m)} ${formatCount(n)}`).join(', ') || 'none'],
    ['Size on disk', formatBytes(s.totalBytes)],
    [
      'Files with problems',
      `${formatCount(problemFiles(s))} (${formatCount(s.files.partial)} partial, ${formatCount(s.files.error)} unreadable, ${formatCount(s.files.notDicom)} not DICOM)`,
    ],
  ];
  const duplicates = duplicatesSentence(s);
  if (duplicates) rows.push(['SOP Instance UIDs', mdCell(duplicates)]);
  const conflicts = conflictsSentence(s);
  if (conflicts) rows.push(['Conflicting attributes', mdCell(conflicts)]);
  const lines: string[] = [];
  if (title) lines.push(`### ${mdCell(title)}`, '');
  lines.push('| Statistic | Value |', '|---|---:|');
  for (const [k, v] of rows) lines.push(`| ${k} | ${v} |`);
  const hist = sortedHistogram(s.sliceThickness.histogram);
  if (hist.length) {
    const series = s.sliceThickness.seriesHistogram;
    lines.push('', '| Slice thickness (mm) | Instances | Series |', '|---:|---:|---:|');
    for (const [k, n] of hist) lines.push(`| ${formatNumber(Number(k), 3)} | ${formatCount(n)} | ${formatCount(series[k] ?? 0)} |`);
  }
  if (s.lastIndexed) lines.push('', `Indexed ${mdCell(formatTimestamp(s.lastIndexed))}${s.incomplete ? ' (the last run was interrupted: incomplete)' : ''}.`);
  return lines.join('\n') + '\n';
}
