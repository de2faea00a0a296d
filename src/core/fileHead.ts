/** The first bytes of a file (fewer when it is shorter), opened non-blocking so a FIFO never waits. */
import * as fs from 'node:fs';

export function readFileHead(file: string, bytes: number): Buffer {
  return readFileHeadAndSize(file, bytes).head;
}

/**
 * The first bytes of a file and its size, both from one open descriptor: the same file, even when
 * another process renames a new one over the path meanwhile (an index saved while it is looked at).
 */
export function readFileHeadAndSize(file: string, bytes: number): { head: Buffer; size: number } {
  const fd = fs.openSync(file, fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0));
  try {
    const buf = Buffer.alloc(bytes);
    const head = buf.subarray(0, fs.readSync(fd, buf, 0, bytes, 0));
    return { head, size: fs.fstatSync(fd).size };
  } finally {
    fs.closeSync(fd);
  }
}
