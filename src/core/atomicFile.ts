/**
 * Writing a file so that a crash at any moment leaves either the old file or the new one: write a
 * temporary file beside it, flush it to disk, rename it over the target. Used by the database's
 * saves and by the exports.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * Creates an empty temporary file beside `file` (exclusively: a file of that name that is not ours
 * is never written over or removed) and returns its path; the caller writes into it.
 */
function tempBeside(file: string): string {
  const dir = path.dirname(path.resolve(file));
  const stem = path.join(dir, `.${path.basename(file)}.tmp-${process.pid}-${Date.now()}`);
  for (let n = 0; ; n++) {
    const tmp = n === 0 ? stem : `${stem}-${n}`;
    try {
      fs.closeSync(fs.openSync(tmp, 'wx'));
      return tmp;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || n >= 99) throw e;
    }
  }
}

/** Flushes `tmp` and renames it over `file`; removes `tmp` if that fails. */
function replaceWith(tmp: string, file: string): void {
  try {
    const fd = fs.openSync(tmp, 'r+');
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, file);
  } catch (e) {
    throw replaceFailed(e, tmp, file);
  }
}

/** After a failed flush or rename: our temporary file removed, and a file in use said plainly. */
function replaceFailed(e: unknown, tmp: string, file: string): unknown {
  fs.rmSync(tmp, { force: true });
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'EBUSY' || code === 'EPERM' || code === 'EACCES') return new Error(`Could not replace ${file} (${code}): is it open in another program?`, { cause: e });
  return e;
}

/** Writes `bytes` to `file` atomically. */
export function writeFileAtomic(file: string, bytes: Uint8Array): void {
  const tmp = tempBeside(file);
  try {
    fs.writeFileSync(tmp, bytes);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  }
  replaceWith(tmp, file);
}

/**
 * writeFileAtomic with the write, the flush and the rename off the main thread (the thread pool): a
 * host's event loop stays free while a large index is written. `bytes` must not change meanwhile.
 */
export async function writeFileAtomicAsync(file: string, bytes: Uint8Array): Promise<void> {
  const tmp = tempBeside(file);
  try {
    const fh = await fs.promises.open(tmp, 'r+');
    try {
      await fh.writeFile(bytes);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await fs.promises.rename(tmp, file);
  } catch (e) {
    throw replaceFailed(e, tmp, file);
  }
}

/**
 * Runs `write(tmp)` on a temporary file beside `file`, then puts it in place atomically. On any
 * error (cancellation included) the temporary file is removed and the error rethrown.
 */
export async function writeViaTemp<T>(file: string, write: (tmp: string) => Promise<T>): Promise<T> {
  const tmp = tempBeside(file);
  let result: T;
  try {
    result = await write(tmp);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  }
  replaceWith(tmp, file);
  return result;
}
