/**
 * Tuning for a process that does nothing but index (the CLI, the benchmark). Not for the VS Code
 * extension host: V8 flags are process-wide and would touch every other extension.
 *
 * - `--liftoff-only`: sql.js's WebAssembly runs as compiled by Liftoff, without TurboFan's
 *   re-compilation of hot functions (which would stall the main thread and compete for the cores).
 * - `--no-wasm-lazy-compilation`: the whole module is compiled up front on V8's background threads,
 *   while the indexer scans the folder, instead of function by function on the main thread.
 * - `--expose-gc`, for `collectBeforeCopy` below.
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

/** Below this, the copies a collection would free are too small to be worth its time. */
const COLLECT_ABOVE_BYTES = 32 * 2 ** 20;

/**
 * Called before a copy of `bytes` bytes is made (a save's export of the whole database): in a tuned
 * process, a full collection first, when the copy is large. Each save leaves a copy of the database
 * behind it, and sql.js's in-memory file leaves its old storage each time it grows; V8 frees such
 * buffers only at a full collection, which may not come before the next copy is made. At 244,000
 * files (an 89 MB index) that was 2–3 copies at once: peak RSS 379–457 MB in 7 runs without, 359–382
 * MB in 6 runs with, at 60–70 ms per save (README, Performance).
 */
export function collectBeforeCopy(bytes: number): void {
  if (collect && bytes >= COLLECT_ABOVE_BYTES) collect();
}
