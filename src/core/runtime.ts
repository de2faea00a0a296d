/**
 * Tuning for a process that does nothing but index (the CLI, the benchmark). Not for the VS Code
 * extension host: V8 flags are process-wide and would touch every other extension.
 *
 * sql.js is WebAssembly. By default V8 compiles it with Liftoff and then re-compiles hot functions
 * with TurboFan; on 2 cores that re-compilation ran on the main thread at the first turn of the
 * event loop (85–125 ms) and competed for the second core. Liftoff code alone measured faster over
 * whole index runs here (3,000 files: 0.48–0.63 s against 0.66–0.83 s; 20,000 files: the same).
 */
import * as v8 from 'node:v8';

let tuned = false;

export function tuneProcessForIndexing(): void {
  if (tuned) return;
  tuned = true;
  if (process.env.DICOM_INDEX_V8_DEFAULTS) return; // escape hatch, for measuring the difference
  v8.setFlagsFromString('--liftoff-only');
}
