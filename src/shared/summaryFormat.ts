/**
 * The summary's own phrases, shared by the webview (cards, table, chart labels) and the host (the
 * "Copy summary" Markdown), so both show the same text. Numbers, names and dates go through
 * ./format (the formatters the tree and the CLI use too). Pure; no `vscode` or node imports.
 */
import { formatNumber, formatRange } from './format';
import type { StatsData } from './messages';

/** The count formatter lives in ./format; re-exported for the modules that import it from here (src/core/dicom/header/). */

/** 1.6 GB style, binary units named as most users read them (KiB shown as KB would be wrong: use KiB). */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes <= 0) return '0 B';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  let v = bytes;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${i === 0 ? v : v.toFixed(v < 10 ? 2 : 1)} ${units[i]}`;
}

/** `0.703125\0.703125` → `0.703 × 0.703` */
export function formatPixelSpacing(ps: string): string {
  const parts = ps.split('\\').map((p) => Number(p));
  if (parts.length === 2 && parts.every((p) => Number.isFinite(p))) return parts.map((p) => formatNumber(p, 3)).join(' × ');
  return ps;
}

/** "0.8–650.182 mm", "2.5 mm", or "none". */
export function thicknessRange(s: StatsData): string {
  return formatRange(s.sliceThickness.min, s.sliceThickness.max, 'mm') || 'none';
}

export function perStudyText(s: StatsData): string {
  const p = s.instancesPerStudy;
  if (p.mean == null) return '–';
  return `${formatNumber(p.mean, 1)} (min ${formatNumber(p.min)}, max ${formatNumber(p.max)})`;
}

/** Modalities by count, most first, '' shown as "(none)". */
export function modalityList(s: StatsData): [string, number][] {
  return Object.entries(s.modalities)
    .map(([m, n]): [string, number] => [m || '(none)', n])
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
}

export function problemFiles(s: StatsData): number {
  return s.files.partial + s.files.error + s.files.notDicom;
}

/** Histogram entries sorted by numeric key. */
export function sortedHistogram(h: Record<string, number>): [string, number][] {
  return Object.entries(h).sort((a, b) => Number(a[0]) - Number(b[0]));
}

/** "12.5%" style share; '' when total is 0. */
export function percent(n: number, total: number): string {
  if (!total) return '';
  const p = (100 * n) / total;
  return `${p >= 10 || p === 0 ? p.toFixed(0) : p.toFixed(1)}%`;
}
