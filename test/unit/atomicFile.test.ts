/** Atomic writes never write over, or remove, a file of another program that has the temporary name. */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic, writeViaTemp } from '../../src/core/atomicFile';
import { makeTempDir, removeTempDir } from '../fixtures/tmp';

describe('atomic writes', () => {
  it('a file already at the temporary name (not ours) is left as it was; the write goes through another name', async () => {
    const dir = makeTempDir('dwi-atomic-');
    try {
      const target = path.join(dir, 'index.sqlite');
      // Decoys at every temporary name this process could pick in the next two seconds.
      const t0 = Date.now();
      const decoys: string[] = [];
      for (let t = t0; t < t0 + 2000; t++) {
        const p = path.join(dir, `.index.sqlite.tmp-${process.pid}-${t}`);
        fs.writeFileSync(p, `decoy ${t}`);
        decoys.push(p);
      }
      writeFileAtomic(target, Buffer.from('first'));
      await writeViaTemp(target, async (tmp) => fs.promises.writeFile(tmp, 'second'));
      assert.equal(fs.readFileSync(target, 'utf8'), 'second');
      for (const p of decoys) assert.equal(fs.readFileSync(p, 'utf8'), `decoy ${path.basename(p).split('-').pop()}`, p);
      assert.equal(fs.readdirSync(dir).length, decoys.length + 1, 'no temporary file of ours left behind');
      // A failed write removes only its own temporary file.
      await assert.rejects(writeViaTemp(target, async () => Promise.reject(new Error('cancelled'))), /cancelled/);
      assert.equal(fs.readdirSync(dir).length, decoys.length + 1);
      assert.equal(fs.readFileSync(target, 'utf8'), 'second');
    } finally {
      removeTempDir(dir);
    }
  });
});
