/**
 * The geometry of a series from its headers (PS3.3 C.7.6.2): each image's position projected on the
 * slice normal n = row × column of ImageOrientationPatient, sorted, and the steps between
 * neighbours. Pure functions on numbers; the checks (seriesChecks.ts) decide what the figures mean.
 */
import { parseDecimals } from '../dicom/values';

export { parseDecimals };
export type Vec3 = readonly [number, number, number];

export const dot = (a: Vec3, b: Vec3): number => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
export const cross = (a: Vec3, b: Vec3): Vec3 => [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
export const length = (a: Vec3): number => Math.sqrt(dot(a, a));

/** The unit slice normal of six direction cosines, or null when they do not span a plane. */
export function sliceNormal(iop: readonly number[]): Vec3 | null {
  const n = cross([iop[0], iop[1], iop[2]], [iop[3], iop[4], iop[5]]);
  const len = length(n);
  return len < 1e-6 ? null : [n[0] / len, n[1] / len, n[2] / len];
}

/** Whether two lists of numbers agree within `tol` in every component. */
export function within(a: readonly number[], b: readonly number[], tol: number): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (Math.abs(a[i] - b[i]) > tol) return false;
  return true;
}

/**
 * Groups values that agree within `tol` (each joins the first group whose first member it agrees
 * with): the distinct values, in order of first appearance, and how many of each.
 */
export function distinctWithin(values: readonly (readonly number[])[], tol: number): { value: readonly number[]; count: number }[] {
  const groups: { value: readonly number[]; count: number }[] = [];
  for (const v of values) {
    const g = groups.find((x) => within(x.value, v, tol));
    if (g) g.count++;
    else groups.push({ value: v, count: 1 });
  }
  return groups;
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Two images closer than this along the normal are at one position (mm). */
export const SAME_POSITION_MM = 0.01;
/** A step longer than this many median steps means slices are missing. */
export const MISSING_FACTOR = 1.5;
/** A step that differs from the median by more than this fraction of it is irregular. */
export const IRREGULAR_FRACTION = 0.01;

export interface Spacing {
  /** The indexes of the positions, sorted along the normal. */
  order: number[];
  /** Steps between sorted neighbours (mm), duplicates included. */
  steps: number[];
  min: number;
  /** The median of the steps that are not duplicates; null when every step is one. */
  median: number | null;
  max: number;
  /** Images at the position of another (steps under SAME_POSITION_MM). */
  duplicates: number;
  /** Σ (round(step / median) − 1) over steps longer than MISSING_FACTOR × median. */
  missing: number;
  /** Steps longer than MISSING_FACTOR × median. */
  gaps: number;
  /** Steps (not duplicates) off the median by more than IRREGULAR_FRACTION of it. */
  irregular: number;
  /** Degrees between the normal and the line from the first to the last position; null when they coincide. */
  tiltDeg: number | null;
}

/** The spacing of positions (at least 2) along a unit normal. */
export function spacingAlong(positions: readonly Vec3[], normal: Vec3): Spacing {
  const proj = positions.map((p) => dot(p, normal));
  const order = proj.map((_, i) => i).sort((a, b) => proj[a] - proj[b] || a - b);
  const steps: number[] = [];
  for (let i = 1; i < order.length; i++) steps.push(proj[order[i]] - proj[order[i - 1]]);
  const real = steps.filter((s) => s >= SAME_POSITION_MM);
  const duplicates = steps.length - real.length;
  const med = real.length ? median(real) : null;
  let missing = 0;
  let gaps = 0;
  let irregular = 0;
  if (med !== null) {
    for (const s of real) {
      if (s > MISSING_FACTOR * med) {
        gaps++;
        missing += Math.round(s / med) - 1;
      }
      if (Math.abs(s - med) > IRREGULAR_FRACTION * med) irregular++;
    }
  }
  const first = positions[order[0]];
  const last = positions[order[order.length - 1]];
  const travel: Vec3 = [last[0] - first[0], last[1] - first[1], last[2] - first[2]];
  const travelled = length(travel);
  const tiltDeg = travelled < SAME_POSITION_MM ? null : (Math.acos(Math.min(1, Math.abs(dot(travel, normal)) / travelled)) * 180) / Math.PI;
  let min = Infinity;
  let max = -Infinity;
  for (const s of steps) {
    if (s < min) min = s;
    if (s > max) max = s;
  }
  return { order, steps, min, median: med, max, duplicates, missing, gaps, irregular, tiltDeg };
}
