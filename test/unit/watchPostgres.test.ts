/**
 * `dicom-index watch` into a real PostgreSQL index (a throwaway cluster): changes reach the index, and
 * the server stopped for a while and started again loses no change (the watch says so and retries).
 */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as fx from '../fixtures/dicomFiles';
import { makeTempDir, removeTempDir } from '../fixtures/tmp';
import { Cluster, skipUnlessPostgres, startCluster } from '../../tools/pg/cluster';
import { CLI, until, WatchProcess } from './watchHarness';

describe('dicom-index watch with a PostgreSQL index', function () {
  this.timeout(240_000);
  let cluster: Cluster | undefined;
  let url: string;
  let tmp: string;

  before(async function () {
    if (!fs.existsSync(CLI)) this.skip();
    skipUnlessPostgres(this);
    cluster = await startCluster();
    url = cluster.createDatabase('watched');
    tmp = makeTempDir('dwi-pgwatch-');
  });
  after(() => {
    cluster?.stop();
    if (tmp) removeTempDir(tmp);
  });

  const paths = (): string[] | null => {
    const r = spawnSync('psql', [url, '-Atc', 'SELECT path FROM w.file_rows ORDER BY path'], { encoding: 'utf8' });
    return r.status === 0 ? r.stdout.split('\n').filter(Boolean) : null;
  };

  it('keeps the index current, and the server stopped and started again loses no change', async () => {
    const root = path.join(tmp, 'data');
    const a = fx.writeSeries(path.join(root, 'a'), { count: 3, sliceThickness: 1.25, patientId: 'PG-W-1', patientName: 'Pg^Watch' });
    const rel = (p: string) => path.relative(root, p).split(path.sep).join('/');
    const w = new WatchProcess([root, '--db', `${url}?schema=w`, '--metrics-port', '0']);
    try {
      await w.waitFor('run-finished');
      assert.equal(paths()?.length, 3);
      const b = fx.writeSeries(path.join(root, 'b'), { count: 2, sliceThickness: 2.5, patientId: 'PG-W-1', patientName: 'Pg^Watch' });
      const ms = await until('the new files in PostgreSQL', () => b.paths.every((p) => paths()?.includes(rel(p))));
      console.log(`      delay from a new file to the PostgreSQL index: ${ms} ms`);

      cluster!.stopServer();
      fs.rmSync(a.paths[0]);
      const c = fx.writeSeries(path.join(root, 'c'), { count: 2, sliceThickness: 3, patientId: 'PG-W-1', patientName: 'Pg^Watch' });
      const down = await w.waitFor('store-unreachable');
      assert.match(String(down.message), /127\.0\.0\.1/);
      await w.waitFor('store-unreachable', 2);
      cluster!.startServer();
      await w.waitFor('store-back', 1, 90_000);
      await until('every change in PostgreSQL', () => {
        const p = paths();
        return !!p && [...b.paths, ...c.paths, a.paths[1], a.paths[2]].every((x) => p.includes(rel(x))) && !p.includes(rel(a.paths[0]));
      });
      assert.equal(paths()?.length, 6);
      assert.equal(await w.stop(), 0);
      assert.deepEqual(w.notJson, []);
    } finally {
      await w.stop('SIGKILL');
    }
  });
});
