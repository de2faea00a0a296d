/**
 * Reading one file's header from the disk: a small first read, dicom-parser up to the pixel data
 * (7FE0,0010), and a larger read only when the header needs it. Never throws for bad files: the
 * result carries a status, a one-line reason and the kind of the failure.
 */
import * as fs from 'node:fs';
import { headerProcess } from './process';
import { failure, ioProblem, notRegularFile } from './problems';
import { DEFAULT_LIMITS, HeaderRead, IoTiming, KnownStat, ReadLimits } from './types';

/** Read-only, and never blocking on a FIFO that replaced a file after the scan saw it. */
const OPEN_FLAGS = fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0);

/**
 * Reads and parses one file's header with asynchronous I/O.
 * - `known`: the scan's size and mtime, which spare an fstat (a thread-pool round trip) per file.
 *   A file that shrank since is caught by the short read; one that grew is re-read by the next
 *   run, whose scan sees its new size and mtime.
 * - `scratch` takes the first read (a fresh 16 KiB buffer per file is external memory that V8
 *   collects with full garbage collections); the result's data set may point into it.
 * - `timing` (with `known`): open and close the file synchronously, and add the time the opens
 *   take to it. Right after the scan's stat the inode is cached, so that costs a few microseconds
 *   on a local disk, where each thread-pool round trip costs far more; only the data read waits.
 *   The time tells a caller when opens are slow (a network file system).
 */
export async function readHeader(filePath: string, limits: ReadLimits = DEFAULT_LIMITS, known?: KnownStat, scratch?: Buffer, timing?: IoTiming): Promise<HeaderRead> {
  let fd: number;
  const openSync = !!known && !!timing;
  try {
    if (openSync) {
      const t = performance.now();
      fd = fs.openSync(filePath, OPEN_FLAGS);
      timing.ms += performance.now() - t;
      timing.reads++;
    } else {
      fd = await fsOpen(filePath);
    }
  } catch (e) {
    return failure('error', ioProblem(e), 0, 0);
  }
  try {
    const file = known ?? regularFile(await fsFstat(fd));
    if (isRecord(file)) return file;
    const steps = headerProcess(file.size, file.mtimeMs, limits, scratch);
    let step = steps.next();
    while (!step.done) step = steps.next(await readFully(fd, step.value.buf, step.value.offset, step.value.length));
    return step.value;
  } catch (e) {
    return readThrew(e);
  } finally {
    if (openSync) closeQuietly(fd);
    else fs.close(fd, () => undefined);
  }
}

/**
 * The same with synchronous I/O: measurably faster per file when the page cache is warm (no
 * thread-pool round trips). The parameters are readHeader's, except that `timing` gets the time of
 * the open and the first read together (what the page cache, or the disk, costs per file). The
 * result's data set may point into `scratch`: use it before the next call with the same buffer.
 */
export function readHeaderSync(filePath: string, limits: ReadLimits = DEFAULT_LIMITS, known?: KnownStat, scratch?: Buffer, timing?: IoTiming): HeaderRead {
  let fd: number;
  const t0 = timing ? performance.now() : 0;
  try {
    fd = fs.openSync(filePath, OPEN_FLAGS);
  } catch (e) {
    return failure('error', ioProblem(e), 0, 0);
  }
  try {
    const file = known ?? regularFile(fs.fstatSync(fd));
    if (isRecord(file)) return file;
    const steps = headerProcess(file.size, file.mtimeMs, limits, scratch);
    let step = steps.next();
    let first = true;
    while (!step.done) {
      const got = readFullySync(fd, step.value.buf, step.value.offset, step.value.length);
      if (first && timing) {
        timing.ms += performance.now() - t0;
        timing.reads++;
        first = false;
      }
      step = steps.next(got);
    }
    return step.value;
  } catch (e) {
    return readThrew(e);
  } finally {
    closeQuietly(fd);
  }
}

/** An open file's size and mtime, or the record of a file that is not a regular file. */
function regularFile(st: fs.Stats): KnownStat | HeaderRead {
  return st.isFile() ? { size: st.size, mtimeMs: st.mtimeMs } : failure('not_dicom', notRegularFile(st.isDirectory() ? 'a folder' : undefined), 0, st.mtimeMs);
}

const isRecord = (f: KnownStat | HeaderRead): f is HeaderRead => 'status' in f;

/** The record of a read that threw: a directory opened as a file is not DICOM, anything else cannot be read. */
function readThrew(e: unknown): HeaderRead {
  if ((e as NodeJS.ErrnoException).code === 'EISDIR') return failure('not_dicom', notRegularFile('a folder'), 0, 0);
  return failure('error', ioProblem(e), 0, 0);
}

/** Closes a file read only: an error closing it changes nothing of what was read. */
function closeQuietly(fd: number): void {
  try {
    fs.closeSync(fd);
  } catch {
    // nothing to do
  }
}

function readFullySync(fd: number, buf: Buffer, offset: number, length: number): number {
  let got = 0;
  while (got < length) {
    const n = fs.readSync(fd, buf, offset + got, length - got, offset + got);
    if (n === 0) break;
    got += n;
  }
  return got;
}

// Thin promise wrappers over the callback API: measurably cheaper per call than fs.promises' FileHandle.
const fsOpen = (p: string) => new Promise<number>((res, rej) => fs.open(p, OPEN_FLAGS, (e, fd) => (e ? rej(e) : res(fd))));
const fsFstat = (fd: number) => new Promise<fs.Stats>((res, rej) => fs.fstat(fd, (e, st) => (e ? rej(e) : res(st))));
const fsRead = (fd: number, buf: Buffer, off: number, len: number, pos: number) =>
  new Promise<number>((res, rej) => fs.read(fd, buf, off, len, pos, (e, n) => (e ? rej(e) : res(n))));

async function readFully(fd: number, buf: Buffer, offset: number, length: number): Promise<number> {
  let got = 0;
  while (got < length) {
    const n = await fsRead(fd, buf, offset + got, length - got, offset + got);
    if (n === 0) break;
    got += n;
  }
  return got;
}
