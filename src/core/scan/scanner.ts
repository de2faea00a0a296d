/**
 * Finds candidate files under a root: names ending in `.dcm` (any case), and, when asked, files
 * with no extension whose bytes 128–131 are `DICM` (DICOMDIR-style layouts). Symbolic links are
 * never followed, so a link to `.` or `..` or a cycle cannot loop the walk.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import picomatch from 'picomatch';

export interface ScanOptions {
  include?: string[];
  exclude?: string[];
  /** Also take extension-less files that carry the DICM marker. Default true. */
  sniffExtensionless?: boolean;
  /** Folder names never entered (besides `.git`, `node_modules`). */
  skipDirs?: string[];
  /** Relative folder holding the index itself, skipped. */
  indexDir?: string;
  signal?: AbortSignal;
  onProgress?: (found: number) => void;
}

export interface Candidate {
  relPath: string;
  size: number;
  mtimeMs: number;
}

export interface ScanResult {
  candidates: Candidate[];
  /** Folders that could not be listed, with the reason (relative paths). */
  unreadableDirs: { relPath: string; reason: string }[];
  /**
   * Candidate files that could not be examined (their stat failed: EACCES, ELOOP, EIO, ENAMETOOLONG…),
   * with the reason (the error code): left out of the candidates, as the files of an unreadable folder are.
   */
  unreadableFiles: { relPath: string; reason: string }[];
}

/** Folders never entered: a scan and a watcher alike. */
export const ALWAYS_SKIP_DIRS: ReadonlySet<string> = new Set(['.git', 'node_modules', '.dicom']);

/**
 * Whether a file is a candidate, by its path relative to the root: not excluded, included (when
 * include globs are given), and named `*.dcm` (any case), or extension-less with the DICM marker.
 * The scan and the extension's file watcher share this one rule.
 */
export function fileFilter(opts: Pick<ScanOptions, 'include' | 'exclude' | 'sniffExtensionless'>, marker: (absPath: string) => boolean = hasDicmMarker): (relPath: string, absPath: string) => boolean {
  const include = opts.include?.length ? picomatch(opts.include, { dot: true }) : null;
  const exclude = opts.exclude?.length ? picomatch(opts.exclude, { dot: true }) : null;
  const sniff = opts.sniffExtensionless !== false;
  return (rel, abs) => {
    if (exclude && exclude(rel)) return false;
    if (include && !include(rel)) return false;
    const base = rel.slice(rel.lastIndexOf('/') + 1);
    if (/\.dcm$/i.test(base)) return true;
    return sniff && !base.includes('.') && marker(abs);
  };
}

/** The longest stretch of synchronous scanning between two turns of the event loop (ms). */
const YIELD_MS = 20;

/**
 * Whether a path that is gone may have been a candidate: the same rule, by name and globs alone (an
 * extension-less name counts, since its marker can no longer be read). For watchers' deletions.
 */
export function goneFileFilter(opts: Pick<ScanOptions, 'include' | 'exclude' | 'sniffExtensionless'>): (relPath: string) => boolean {
  const f = fileFilter(opts, () => true);
  return (rel) => f(rel, '');
}

export async function scanFolder(root: string, opts: ScanOptions = {}): Promise<ScanResult> {
  const exclude = opts.exclude?.length ? picomatch(opts.exclude, { dot: true }) : null;
  const isCandidate = fileFilter(opts);
  const skip = new Set([...ALWAYS_SKIP_DIRS, ...(opts.skipDirs ?? [])]);
  const candidates: Candidate[] = [];
  const unreadableDirs: ScanResult['unreadableDirs'] = [];
  const unreadableFiles: ScanResult['unreadableFiles'] = [];
  const stack: string[] = [''];
  let lastReport = 0;
  let lastYield = performance.now();
  while (stack.length) {
    if (opts.signal?.aborted) break;
    const rel = stack.pop()!;
    const abs = rel ? resolveRel(root, rel) : root;
    let entries: fs.Dirent[];
    try {
      // Synchronous: on 2 cores the thread pool competes with V8's background compilation of
      // sql.js's WebAssembly at start-up, which made an async scan several times slower.
      entries = fs.readdirSync(abs, { withFileTypes: true });
    } catch (e) {
      unreadableDirs.push({ relPath: rel, reason: (e as NodeJS.ErrnoException).code ?? 'unreadable' });
      continue;
    }
    entries.sort((a, b) => (a.name < b.name ? 1 : a.name > b.name ? -1 : 0));
    // Give the event loop a turn every YIELD_MS of work (a host stays responsive; on a cold cache
    // each synchronous stat waits for the disk, so a count of entries is no measure of the time).
    if (performance.now() - lastYield > YIELD_MS) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      lastYield = performance.now();
    }
    const files: string[] = [];
    for (const e of entries) {
      const childRel = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) {
        if (skip.has(e.name) || childRel === opts.indexDir) continue;
        if (exclude && exclude(childRel + '/')) continue;
        stack.push(childRel);
      } else if (e.isFile() && isCandidate(childRel, resolveRel(root, childRel))) {
        files.push(childRel);
      }
      // Symbolic links, sockets, FIFOs and devices are not followed or read.
    }
    for (const f of files.reverse()) {
      if ((candidates.length & 63) === 63 && performance.now() - lastYield > YIELD_MS) {
        await new Promise<void>((resolve) => setImmediate(resolve));
        lastYield = performance.now();
      }
      // Synchronous stat: a few microseconds with a warm cache, and it warms the inode for the read.
      // A file that cannot be examined is that file's problem (reported with its code), never the scan's.
      let st: fs.Stats | undefined;
      try {
        st = fs.statSync(resolveRel(root, f), { throwIfNoEntry: false });
      } catch (e) {
        unreadableFiles.push({ relPath: f, reason: (e as NodeJS.ErrnoException).code ?? 'unreadable' });
        continue;
      }
      if (st?.isFile()) candidates.push({ relPath: f, size: st.size, mtimeMs: Math.round(st.mtimeMs) });
    }
    if (opts.onProgress && candidates.length - lastReport >= 500) {
      lastReport = candidates.length;
      opts.onProgress(candidates.length);
    }
  }
  return { candidates, unreadableDirs, unreadableFiles };
}

/**
 * What a scan could not look at, as warnings for the user: the error codes and counts, never a path
 * (folder names can be patient IDs). One problem each for the run's error count: `scanProblems`.
 */
export function scanWarnings(scan: ScanResult): string[] {
  const out = scan.unreadableDirs.map((d) => `a folder could not be listed (${d.reason})`);
  const files = new Map<string, number>();
  for (const f of scan.unreadableFiles) files.set(f.reason, (files.get(f.reason) ?? 0) + 1);
  for (const [reason, n] of files) out.push(n === 1 ? `a file could not be examined (${reason})` : `${n} files could not be examined (${reason})`);
  return out;
}

/** The number of folders and files a scan could not look at (each a `scan` error of the run). */
export function scanProblems(scan: ScanResult): number {
  return scan.unreadableDirs.length + scan.unreadableFiles.length;
}

/**
 * `root` joined with a scan-relative path (`/`-separated, already normal): plain concatenation where
 * `/` is the separator (path.join normalises every time, measurably, at 244,000 files).
 */
export function resolveRel(root: string, rel: string): string {
  if (path.sep !== '/') return path.join(root, rel);
  return root.endsWith('/') ? root + rel : `${root}/${rel}`;
}

/** Bytes 128–131 are `DICM` (a Part 10 file, whatever its name). */
export function hasDicmMarker(file: string): boolean {
  let fd: number | undefined;
  try {
    fd = fs.openSync(file, 'r');
    const buf = Buffer.alloc(4);
    return fs.readSync(fd, buf, 0, 4, 128) === 4 && buf.toString('latin1') === 'DICM';
  } catch {
    return false;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}
