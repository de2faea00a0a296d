/**
 * Tuning for a process that does nothing but index (the CLI, the benchmark). Not for the VS Code
 * extension host: V8 flags are process-wide and would touch every other extension.
 *
 * - `--liftoff-only`: sql.js's WebAssembly runs as compiled by Liftoff, without TurboFan's
 *   re-compilation of hot functions (which would stall the main thread and compete for the cores).
 * - `--no-wasm-lazy-compilation`: the whole module is compiled up front on V8's background threads,
 *   while the indexer scans the folder, instead of function by function on the main thread.
 * - `--expose-gc`, for `collectBeforeCopy` and `collectAfterGrowth` below.
 * The measurements behind these are in the README's Performance section.
 * `DICOM_INDEX_V8_DEFAULTS=1` leaves V8's defaults, for measuring the difference.
 */
import * as v8 from 'node:v8';
import * as vm from 'node:vm';

let tuned = false;
/** V8's full collection, where the process is tuned (null elsewhere). */
let collect: (() => void) | null = null;

export function tuneProcessForIndexing(): void {
  if (tuned) return;
  tuned = true;
  if (process.env.DICOM_INDEX_V8_DEFAULTS) return;
  v8.setFlagsFromString('--liftoff-only');
  v8.setFlagsFromString('--no-wasm-lazy-compilation');
  // A context made after the flag has `gc`; this one (and every other) stays as it was.
  v8.setFlagsFromString('--expose-gc');
  collect = vm.runInNewContext('gc') as () => void;
}

/** The database's size at the last collection, and whether a copy of it was made since. */
let collectedAt = 0;
let copiedSince = false;

/** Below this, the copies a collection would free are too small to be worth its time. */
const COLLECT_ABOVE_BYTES = 32 * 2 ** 20;

/**
 * Called before a copy of `size()` bytes is made (a save's export of the whole database): in a tuned
 * process, a full collection first, when the copy is large. Each save leaves a copy of the database
 * behind it, and sql.js's in-memory file leaves its old storage each time it grows; V8 frees such
 * buffers only at a full collection, which may not come before the next copy is made. At 244,000
 * files (an 89 MB index) that was 2–3 copies at once: peak RSS 379–457 MB in 7 runs without, 359–382
 * MB in 6 runs with, at 60–70 ms per save (README, Performance).
 */
export function collectBeforeCopy(size: () => number): void {
  if (!collect) return;
  const bytes = size();
  // Not twice in a row: a commit that crossed a growth step has just collected, and nothing large was left since.
  if (bytes >= COLLECT_ABOVE_BYTES && !(bytes === collectedAt && !copiedSince)) {
    collect();
    collectedAt = bytes;
  }
  copiedSince = true;
}

/** sql.js's in-memory file grows by an eighth at a time past 1 MB (a new buffer, the old one left to V8). */
const GROWTH_STEP = 1.125;

/**
 * Called after each commit with the database's size (read only in a tuned process, the only kind
 * that collects; the extension host's commits pay nothing): there, a full collection each
 * time the database has grown by about one of sql.js's growth steps since the last one, once it is
 * large. Each growth leaves the file's old storage behind; a run whose main thread makes little
 * other garbage (the writer beside reader threads) may not collect it before the next growth or
 * save: 1 run in 13 peaked at 415 MB at 244,000 files without this (README, Every core).
 */
export function collectAfterGrowth(size: () => number): void {
  if (!collect) return;
  const bytes = size();
  if (bytes >= COLLECT_ABOVE_BYTES && bytes >= collectedAt * GROWTH_STEP) {
    collect();
    collectedAt = bytes;
    copiedSince = false;
  }
}
