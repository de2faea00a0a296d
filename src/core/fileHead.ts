/** The first bytes of a file (fewer when it is shorter), opened non-blocking so a FIFO never waits. */
import * as fs from 'node:fs';

export function readFileHead(file: string, bytes: number): Buffer {
  const fd = fs.openSync(file, fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0));
  try {
    const buf = Buffer.alloc(bytes);
    return buf.subarray(0, fs.readSync(fd, buf, 0, bytes, 0));
  } finally {
    fs.closeSync(fd);
  }
}
