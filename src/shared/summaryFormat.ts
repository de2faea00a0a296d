/**
 * Number and value formatting shared by the summary webview (cards, table, chart labels) and the
 * host (the "Copy summary" Markdown), so both show the same text. Pure; no `vscode` or node imports.
 */
import type { StatsData } from './messages';

/** 12,345 */
export const formatCount = (n: number): string => n.toLocaleString('en-US');

/** Mean / thickness style: integers as is, else up to `digits` decimals without trailing zeros. */
export function formatNumber(x: number | null | undefined, digits = 2): string {
  if (x == null || !Number.isFinite(x)) return '–';
  if (Number.isInteger(x)) return formatCount(x);
  return x.toLocaleString('en-US', { maximumFractionDigits: digits });
}

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

/** 20240131 → 2024-01-31; anything else is returned as is. */
export function formatDicomDate(da: string): string {
  const m = /^(\d{4})(\d{2})(\d{2})$/.exec(da.trim());
  return m ? `${m[1]}-${m[2]}-${m[3]}` : da;
}

/** `0.703125\0.703125` → `0.703 × 0.703` */
export function formatPixelSpacing(ps: string): string {
  const parts = ps.split('\\').map((p) => Number(p));
  if (parts.length === 2 && parts.every((p) => Number.isFinite(p))) return parts.map((p) => formatNumber(p, 3)).join(' × ');
  return ps;
}

export function thicknessRange(s: StatsData): string {
  const { min, max } = s.sliceThickness;
  if (min == null || max == null) return 'none';
  return min === max ? `${formatNumber(min, 3)} mm` : `${formatNumber(min, 3)} – ${formatNumber(max, 3)} mm`;
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
