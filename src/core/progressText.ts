/**
 * The one wording of an index run's progress, for the CLI's progress line, the VS Code notification
 * and the status bar alike. Counts only, never file names or tag values.
 */
import type { IndexProgress } from './indexer';
import { formatCount as count } from '../shared/format';

/** "scanning: 1,024 files found", "reading headers: 512 of 1,292 files (39%)", "saving the index…". */
export function progressText(p: IndexProgress): string {
  if (p.phase === 'scan') return `scanning: ${count(p.done)} file${p.done === 1 ? '' : 's'} found`;
  if (p.phase === 'save') return 'saving the index…';
  const pct = p.total ? Math.floor((100 * p.done) / p.total) : 100;
  return `reading headers: ${count(p.done)} of ${count(p.total)} files (${pct}%)`;
}

/** The share of the run done, 0 to 1 (scanning counts as 0, saving as 1). */
export function progressFraction(p: IndexProgress): number {
  if (p.phase === 'scan') return 0;
  if (p.phase === 'save') return 1;
  return p.total ? p.done / p.total : 1;
}
