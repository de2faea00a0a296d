/** Stat a given list of relative paths (watcher updates): which are candidate files, which are gone. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Candidate } from './scanner';

export async function statCandidates(root: string, relPaths: string[]): Promise<{ present: Candidate[]; missing: string[] }> {
  const present: Candidate[] = [];
  const missing: string[] = [];
  await Promise.all(
    [...new Set(relPaths)].map(async (rel) => {
      try {
        const st = await fs.promises.lstat(path.join(root, rel));
        if (st.isFile()) present.push({ relPath: rel, size: st.size, mtimeMs: Math.round(st.mtimeMs) });
        else missing.push(rel);
      } catch {
        missing.push(rel);
      }
    }),
  );
  present.sort((a, b) => (a.relPath < b.relPath ? -1 : 1));
  return { present, missing };
}
