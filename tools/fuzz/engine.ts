/**
 * A small mutation fuzzer of the header reader: valid files (written by dcmjs and raw bytes, see
 * test/fixtures) are bit-flipped, truncated, given spliced lengths and shuffled chunks; each mutant
 * must come back from the reader as a record or a clear error, within its budget, always.
 * Used by test/unit/fuzz.test.ts (a bounded run) and tools/fuzz/run.ts (`npm run fuzz`).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readHeaderSync, readHeader } from '../../src/core/dicom/header/read';
import { DEFAULT_LIMITS, ReadLimits, HeaderRead } from '../../src/core/dicom/header/types';
import { extractFields } from '../../src/core/dicom/extract';
import { dumpDataSet } from '../../src/core/dicom/dump';
import { buildCt } from '../../test/fixtures/dicomFiles';
import { baseElements, encodeElements, nestedSequences, part10, prng } from '../../test/fixtures/hostile';

const STATUSES = new Set(['ok', 'partial', 'error', 'not_dicom']);

/** The valid files the mutants start from. */
export function seedFiles(): { name: string; bytes: Buffer }[] {
  const seeds = [
    { name: 'explicit-le', bytes: buildCt('explicitLittle').buffer },
    { name: 'implicit-le', bytes: buildCt('implicitLittle').buffer },
    { name: 'explicit-be', bytes: buildCt('explicitBig').buffer },
    { name: 'deflated', bytes: buildCt('deflatedExplicitLittle').buffer },
  ];
  const els = baseElements({ pixels: 64 });
  const before = new Map([...els].filter(([t]) => t < 0x00081140));
  const after = new Map([...els].filter(([t]) => t > 0x00081140));
  for (const explicit of [true, false]) {
    for (const undefinedLength of [true, false]) {
      const ds = Buffer.concat([encodeElements(before, explicit), nestedSequences(4, { explicit, undefinedLength }), encodeElements(after, explicit)]);
      seeds.push({ name: `seq-${explicit ? 'ex' : 'im'}-${undefinedLength ? 'undef' : 'def'}`, bytes: part10(explicit ? '1.2.840.10008.1.2.1' : '1.2.840.10008.1.2', ds) });
    }
  }
  const full = buildCt('explicitLittle').buffer;
  seeds.push({ name: 'no-preamble', bytes: full.subarray(132) });
  return seeds;
}

const INTERESTING16 = [0, 1, 0x7fff, 0x8000, 0xfffe, 0xffff];
const INTERESTING32 = [0, 1, 0x7fffffff, 0x80000000, 0xfffffff0, 0xfffffffe, 0xffffffff, 0x10000, 0x3fffffff];

/** One mutant of `seed`: 1–4 mutations of random kinds. */
export function mutate(seed: Buffer, rnd: () => number): { bytes: Buffer; what: string[] } {
  let b = Buffer.from(seed);
  const what: string[] = [];
  const int = (n: number) => Math.floor(rnd() * n);
  // Mutations cluster in the header (the first few hundred bytes), where the parser works.
  const spot = () => (rnd() < 0.8 ? int(Math.min(b.length, 1200)) : int(b.length));
  const n = 1 + int(4);
  for (let k = 0; k < n && b.length > 0; k++) {
    const kind = int(7);
    const at = spot();
    switch (kind) {
      case 0: {
        const bits = 1 + int(8);
        for (let i = 0; i < bits; i++) {
          const p = spot();
          b[p] ^= 1 << int(8);
        }
        what.push(`flip ${bits} bits near ${at}`);
        break;
      }
      case 1:
        b[at] = [0, 0xff, 0x7f, 0x80, 0x20][int(5)];
        what.push(`byte ${at}`);
        break;
      case 2: {
        const cut = rnd() < 0.5 ? spot() : int(b.length + 1);
        b = b.subarray(0, cut);
        what.push(`truncate at ${cut}`);
        break;
      }
      case 3:
        if (at + 2 <= b.length) {
          b.writeUInt16LE(INTERESTING16[int(INTERESTING16.length)], at & ~1);
          what.push(`length16 at ${at & ~1}`);
        }
        break;
      case 4:
        if (at + 4 <= b.length) {
          b.writeUInt32LE(INTERESTING32[int(INTERESTING32.length)], at & ~1);
          what.push(`length32 at ${at & ~1}`);
        }
        break;
      case 5: {
        // Splice: copy a chunk of the file over another place (element headers land on values).
        const from = spot();
        const len = 1 + int(64);
        const chunk = Buffer.from(b.subarray(from, from + len));
        b = Buffer.concat([b.subarray(0, at), chunk, b.subarray(at)]);
        what.push(`splice ${chunk.length} bytes from ${from} to ${at}`);
        break;
      }
      default: {
        const len = 1 + int(32);
        b = Buffer.concat([b.subarray(0, at), b.subarray(Math.min(b.length, at + len))]);
        what.push(`delete ${len} bytes at ${at}`);
      }
    }
  }
  return { bytes: b, what };
}

export interface FuzzFailure {
  seed: string;
  iteration: number;
  what: string[];
  problem: string;
  file?: string;
}

export interface FuzzReport {
  iterations: number;
  ms: number;
  slowestMs: number;
  statuses: Record<string, number>;
  failures: FuzzFailure[];
}

/** Checks one read: a record or a clear error, consistent, extractable. Returns a problem or null. */
export function checkRead(h: HeaderRead): string | null {
  if (!STATUSES.has(h.status)) return `status ${h.status}`;
  if (h.status === 'ok') {
    if (h.error !== null) return `ok with reason ${h.error}`;
  } else if (!h.error || /[\r\n]/.test(h.error) || h.error.length > 300) {
    return `reason not one line: ${JSON.stringify(h.error)}`;
  }
  if ((h.status === 'error' || h.status === 'not_dicom') && h.dataSet) return `${h.status} with a data set`;
  if ((h.status === 'ok' || h.status === 'partial') && !h.dataSet) return `${h.status} without a data set`;
  if (h.dataSet) {
    const ex = extractFields(h.dataSet, h.transferSyntax);
    for (const [k, v] of Object.entries(ex.values)) if (typeof v === 'number' && !Number.isFinite(v)) return `${k} is ${v}`;
    dumpDataSet(h.dataSet);
  }
  return null;
}

/**
 * Runs `iterations` mutants (or until `seconds` pass), each written to a file in `dir` and read by
 * the synchronous reader (every 8th also by the asynchronous one, which must agree). Failing
 * mutants are kept in `dir/failures`.
 */
export async function fuzz(opts: { dir: string; iterations: number; seconds?: number; seed?: number; budgetMs?: number; limits?: ReadLimits }): Promise<FuzzReport> {
  const rnd = prng(opts.seed ?? 1);
  const seeds = seedFiles();
  const budget = opts.budgetMs ?? 5000;
  const file = path.join(opts.dir, 'mutant.dcm');
  const report: FuzzReport = { iterations: 0, ms: 0, slowestMs: 0, statuses: {}, failures: [] };
  const t0 = Date.now();
  for (let i = 0; i < opts.iterations; i++) {
    if (opts.seconds && Date.now() - t0 > opts.seconds * 1000) break;
    const seed = seeds[Math.floor(rnd() * seeds.length)];
    const { bytes, what } = mutate(seed.bytes, rnd);
    fs.writeFileSync(file, bytes);
    // Small first reads now and then, so that the grow-and-reparse path runs too.
    const limits = opts.limits ?? (rnd() < 0.25 ? { ...DEFAULT_LIMITS, firstRead: 64 + Math.floor(rnd() * 512) } : DEFAULT_LIMITS);
    let problem: string | null;
    const t = performance.now();
    try {
      const h = readHeaderSync(file, limits);
      const ms = performance.now() - t;
      report.slowestMs = Math.max(report.slowestMs, ms);
      report.statuses[h.status] = (report.statuses[h.status] ?? 0) + 1;
      problem = ms > budget ? `took ${ms.toFixed(0)} ms` : checkRead(h);
      if (!problem && i % 8 === 0) {
        const a = await readHeader(file, limits);
        if (a.status !== h.status || a.error !== h.error) problem = `async read differs: ${a.status} (${a.error}) vs ${h.status} (${h.error})`;
      }
    } catch (e) {
      problem = `threw: ${(e as Error)?.stack ?? String(e)}`;
    }
    report.iterations++;
    if (problem) {
      const keep = path.join(opts.dir, 'failures', `${seed.name}-${i}.dcm`);
      fs.mkdirSync(path.dirname(keep), { recursive: true });
      fs.writeFileSync(keep, bytes);
      report.failures.push({ seed: seed.name, iteration: i, what, problem, file: keep });
    }
  }
  report.ms = Date.now() - t0;
  return report;
}
