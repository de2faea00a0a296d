/**
 * Tuning for a process that does nothing but index (the CLI, the benchmark). Not for the VS Code
 * extension host: V8 flags are process-wide and would touch every other extension.
 *
 * - `--liftoff-only`: sql.js's WebAssembly runs as compiled by Liftoff, without TurboFan's
 *   re-compilation of hot functions (which would stall the main thread and compete for the cores).
 * - `--no-wasm-lazy-compilation`: the whole module is compiled up front on V8's background threads,
 *   while the indexer scans the folder, instead of function by function on the main thread.
 * The measurements behind both are in the README's Performance section.
 * `DICOM_INDEX_V8_DEFAULTS=1` leaves V8's defaults, for measuring the difference.
 */
import * as v8 from 'node:v8';

let tuned = false;

export function tuneProcessForIndexing(): void {
  if (tuned) return;
  tuned = true;
  if (process.env.DICOM_INDEX_V8_DEFAULTS) return;
  v8.setFlagsFromString('--liftoff-only');
  v8.setFlagsFromString('--no-wasm-lazy-compilation');
}
