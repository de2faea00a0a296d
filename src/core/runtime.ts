/**
 * Tuning for a process that does nothing but index (the CLI, the benchmark). Not for the VS Code
 * extension host: V8 flags are process-wide and would touch every other extension.
 *
 * sql.js is WebAssembly. By default V8 compiles it with Liftoff and then re-compiles hot functions
 * with TurboFan; on 2 cores that re-compilation ran on the main thread at the first turn of the
 * event loop (85–125 ms) and competed for the second core. Liftoff code alone measured faster over
 * whole index runs here (3,000 files: 0.48–0.63 s against 0.66–0.83 s; 20,000 files: the same).
 *
 * Without lazy compilation the whole module is compiled (Liftoff, on V8's background threads) while
 * the indexer scans the folder, instead of function by function on the main thread when first
 * called: creating the schema took 30 ms of the main thread, now 17 (3,000 files: median 0.43 s
 * against 0.49 s over 10 interleaved runs).
 */
import * as v8 from 'node:v8';

let tuned = false;

export function tuneProcessForIndexing(): void {
  if (tuned) return;
  tuned = true;
  if (process.env.DICOM_INDEX_V8_DEFAULTS) return; // escape hatch, for measuring the difference
  v8.setFlagsFromString('--liftoff-only');
  v8.setFlagsFromString('--no-wasm-lazy-compilation');
}
