/**
 * Where an indexed file is on this machine: its path in the index (relative, '/'-separated) under the
 * folder. A path that would lead out of the folder (`..`, an absolute path) gives undefined: a shared
 * index is written by other machines, and nothing outside the folder is read because it says so.
 */
import * as path from 'node:path';

export function indexedFile(folder: string, rel: string): string | undefined {
  if (!rel || rel.startsWith('/') || path.isAbsolute(rel)) return undefined;
  const file = path.join(folder, ...rel.split('/'));
  return isInside(folder, file) ? file : undefined;
}

/** `file` is below `dir` (not `dir` itself). */
export function isInside(dir: string, file: string): boolean {
  const rel = path.relative(dir, file);
  return !!rel && !rel.startsWith('..') && !path.isAbsolute(rel);
}
