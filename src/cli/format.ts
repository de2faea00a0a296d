/** Plain-text rendering for the CLI. */
import type { IndexResult } from '../core/indexer';
import type { Stats } from '../core/stats';
import type { TagRow } from '../core/dicom/dump';

import { conflictsSentence, duplicatesSentence, formatCount as n, formatNumber, formatTimestamp } from '../shared/format';
import { perStudyText, thicknessRange } from '../shared/summaryFormat';

export function formatIndexSummary(r: IndexResult): string {
  if (!r.written) return `No DICOM files found under ${r.root} (no .dcm file, no file with a DICM marker): no index written.`;
  if (!r.cancelled && r.read === 0 && r.removed === 0) return `Up to date: ${n(r.unchanged)} file${r.unchanged === 1 ? '' : 's'} unchanged (${(r.durationMs / 1000).toFixed(1)} s). Index: ${r.dbPath}`;
  const dicom = r.counts.ok + r.counts.partial;
  const parts = [
    `${r.cancelled ? 'Interrupted after' : 'Indexed'} ${n(r.read)} file${r.read === 1 ? '' : 's'} in ${(r.durationMs / 1000).toFixed(1)} s`,
    `${n(dicom)} DICOM (${n(r.counts.ok)} ok, ${n(r.counts.partial)} partial), ${n(r.counts.error)} unreadable, ${n(r.counts.not_dicom)} not DICOM`,
    `${n(r.unchanged)} unchanged, ${n(r.removed)} removed`,
  ];
  return `${parts.join('; ')}. Index: ${r.dbPath}`;
}

export function formatStatsTable(s: Stats): string {
  const rows: [string, string][] = [
    ['Patients', n(s.patients)],
    ['Studies', n(s.studies)],
    ['Series', n(s.series)],
    ['Instances (DICOM files)', n(s.instances)],
    ['Distinct SOP instances', n(s.distinctSopInstances)],
    ['Instances per study', perStudyText(s)],
    ['Slice thickness', thicknessRange(s)],
    ['  without a thickness', n(s.sliceThickness.missing)],
    ['Modalities', Object.entries(s.modalities).map(([m, c]) => `${m || '(none)'} ${n(c)}`).join(', ') || 'none'],
    ['Files', `${n(s.files.total)} (${n(s.files.ok)} ok, ${n(s.files.partial)} partial, ${n(s.files.error)} unreadable, ${n(s.files.notDicom)} not DICOM)`],
    ['Size on disk', `${(s.totalBytes / 1048576).toFixed(1)} MiB`],
    ['Last indexed', formatTimestamp(s.lastIndexed) || 'never'],
  ];
  const noUid = s.missingKeys.SeriesInstanceUID;
  if (noUid) rows.splice(3, 0, ['  files without a Series UID', n(noUid)]);
  const width = Math.max(...rows.map((r) => r[0].length));
  const lines = rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`);
  for (const sentence of [duplicatesSentence(s), conflictsSentence(s)]) if (sentence) lines.push('', sentence);
  const hist = Object.entries(s.sliceThickness.histogram).sort((a, b) => Number(a[0]) - Number(b[0]));
  if (hist.length) {
    const max = Math.max(...hist.map((h) => h[1]));
    lines.push('', 'Slice thickness histogram (files per value, mm):');
    const kw = Math.max(...hist.map((h) => formatNumber(Number(h[0])).length));
    for (const [k, c] of hist) lines.push(`  ${formatNumber(Number(k)).padStart(kw)}  ${'█'.repeat(Math.max(1, Math.round((30 * c) / max)))} ${n(c)}`);
  }
  return lines.join('\n');
}

export function formatTagsTable(rows: TagRow[]): string {
  return rows.map((r) => `${'  '.repeat(r.depth)}${r.tag} ${r.vr.padEnd(2)} ${r.keyword.padEnd(36 - 2 * r.depth)} ${r.value}`).join('\n');
}
