/**
 * The chunk reader on real files in each reading mode: every file delivered once, the commit hook
 * called every chunk, pixel statistics made with no more files in hand than the reads allow, and
 * the adaptive strategy's choice following the measured read latency.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { AdaptiveStrategy, ChunkReader, COLD_READ_US, IoMode } from '../../src/core/read/chunkReader';
import { DEFAULT_LIMITS } from '../../src/core/dicom/header/types';
import type { FileRecord } from '../../src/core/records';
import { scanFolder } from '../../src/core/scan/scanner';
import * as fx from '../fixtures/dicomFiles';
import { makeTempDir, removeTempDir } from '../fixtures/tmp';

/** Open file descriptors of this process (Linux), or null where /proc is not there. */
function openFds(): number | null {
  try {
    return fs.readdirSync('/proc/self/fd').length;
  } catch {
    return null;
  }
}

describe('chunk reader', function () {
  this.timeout(60_000);
  let root: string;
  before(() => {
    root = makeTempDir('dwi-chunks-');
    fx.writeSeries(path.join(root, 'S1'), { count: 30, sliceThickness: 1, patientId: 'P', rows: 128, cols: 128 });
    fx.writeSeries(path.join(root, 'S2'), { count: 30, sliceThickness: 2, patientId: 'P', rows: 128, cols: 128 });
    fx.writeNotDicom(root);
  });
  after(() => removeTempDir(root));

  for (const ioMode of ['sync', 'async', 'adaptive'] as IoMode[]) {
    for (const pixelStats of [false, true]) {
      it(`${ioMode}${pixelStats ? ', pixel statistics' : ''}: every file once, the commit hook every 8 records`, async () => {
        const { candidates } = await scanFolder(root);
        assert.equal(candidates.length, 61);
        const concurrency = 3;
        const reader = new ChunkReader({ root, limits: DEFAULT_LIMITS, pixelStats, concurrency, ioMode });
        const seen: FileRecord[] = [];
        let commits = 0;
        const fdsBefore = openFds();
        let maxFds = 0;
        await reader.readAll(
          candidates,
          (rec) => {
            seen.push(rec);
            maxFds = Math.max(maxFds, openFds() ?? 0);
          },
          {
            afterChunk: () => {
              assert.equal(seen.length % 8, 0, 'the hook comes right after a whole chunk');
              commits++;
            },
            chunkSize: 8,
          },
        );
        assert.deepEqual(seen.map((r) => r.relPath).sort(), candidates.map((c) => c.relPath).sort());
        assert.equal(commits, Math.floor(61 / 8));
        assert.equal(seen.filter((r) => r.status === 'ok').length, 60);
        if (pixelStats) for (const r of seen.filter((x) => x.status === 'ok')) assert.match(r.pixel?.summary ?? '', /^128x128 /);
        // Files in hand at once: the reads in flight and the records being made, nothing piles up.
        if (fdsBefore !== null) assert.ok(maxFds - fdsBefore <= 2 * concurrency + 1, `${maxFds - fdsBefore} files open at once`);
      });
    }
  }

  it('the adaptive strategy reads synchronously from the page cache and asynchronously from a disk', () => {
    const s = new AdaptiveStrategy();
    assert.equal(s.probeNext(), true, 'a probe first');
    s.recordSync(16, (16 * 20) / 1000); // 20 µs a file: the page cache
    assert.equal(s.best(), 'sync');
    assert.equal(s.probeNext(), false);
    s.recordSync(128, (128 * 600) / 1000); // the cache went cold: 600 µs a file
    assert.equal(s.best(), 'async');
    assert.equal(s.probeNext(), false, 'just measured');
    s.count('async', 2048);
    assert.equal(s.probeNext(), true, 'probed again after 2,048 asynchronous files');
    s.recordSync(16, (16 * COLD_READ_US * 0.1) / 1000);
    s.recordSync(16, (16 * COLD_READ_US * 0.1) / 1000);
    assert.equal(s.best(), 'sync', 'back to synchronous reads once the cache is warm again');
    assert.equal(new AdaptiveStrategy('async').probeNext(), false, 'a forced mode never probes');
  });
});
