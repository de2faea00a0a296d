/**
 * The PostgreSQL store against a real server (a throwaway cluster, test/pg/cluster.ts): its schema,
 * and the dataset checks and cohorts computed there from the same rows give what the SQLite file gives.
 */
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { checkReport } from '../../src/core/checks/report';
import { CohortFilterError, cohortSeries, countCohort } from '../../src/core/cohort/query';
import { IndexDatabase } from '../../src/core/db/database';
import { SCHEMA_VERSION } from '../../src/core/db/schema';
import { indexFolder } from '../../src/core/indexer';
import { refreshChecks } from '../../src/core/queries/checks';
import { ensurePgSchema, PgSchemaRefusedError } from '../../src/core/store/postgresSchema';
import { PostgresStore, PostgresStoreError, toPgPlaceholders } from '../../src/core/store/postgresStore';
import { parsePgUrl, redact } from '../../src/core/store/postgresUrl';
import { sqliteStore } from '../../src/core/store/sqliteStore';
import type { CohortFilter } from '../../src/shared/cohort';
import { writeGeometryFixtures } from '../fixtures/geometrySeries';
import { makeTempDir, removeTempDir } from '../fixtures/tmp';
import { Cluster, findPostgres, INSTALL_HINT, startCluster } from '../pg/cluster';
import { copyIndex } from '../pg/copyIndex';

describe('PostgreSQL store: URL and placeholders', () => {
  it('takes the schema from the URL and never shows the password', () => {
    const t = parsePgUrl('postgresql://ana:s3cret@db.lab:5433/imaging?schema=lidc&sslmode=prefer');
    assert.equal(t.schema, 'lidc');
    assert.ok(!t.display.includes('s3cret'));
    assert.match(t.display, /^postgresql:\/\/ana@db\.lab:5433\/imaging\?sslmode=prefer\?schema=lidc$|^postgresql:\/\/ana@db\.lab:5433\/imaging\?sslmode=prefer&schema=lidc$/);
    assert.ok(t.connectionString.includes('s3cret') && !t.connectionString.includes('schema='));
    assert.equal(parsePgUrl('postgres://u@h/d').schema, 'dicom_index');
    assert.throws(() => parsePgUrl('postgresql://u@h/d?schema=Bad-Name'), /lower-case SQL name/);
    assert.equal(redact('failed for postgresql://ana:s3cret@db.lab/x'), 'failed for postgresql://ana@db.lab/x');
  });
  it('rewrites ? outside literals', () => {
    assert.equal(toPgPlaceholders("SELECT ? , '?' , \"a?\" WHERE x = ? AND y IN (?, ?)"), "SELECT $1 , '?' , \"a?\" WHERE x = $2 AND y IN ($3, $4)");
  });
});

describe('PostgreSQL store on a real server', function () {
  this.timeout(180_000);
  let cluster: Cluster | undefined;
  let url: string;
  let root: string;
  let sqlite: IndexDatabase;

  before(async function () {
    if (!findPostgres()) {
      if (process.env.CI) throw new Error(`${INSTALL_HINT} (CI must not skip these tests)`);
      console.log(`    (${INSTALL_HINT})`);
      this.skip();
    }
    cluster = await startCluster();
    url = cluster.createDatabase('dwi');
    root = makeTempDir('dwi-pg-');
    writeGeometryFixtures(path.join(root, 'data'));
    await indexFolder(path.join(root, 'data'));
    sqlite = await IndexDatabase.open(path.join(root, 'data', '.dicom', 'index.sqlite'), { readOnly: true });
  });
  after(() => {
    sqlite?.close();
    cluster?.stop();
    if (root) removeTempDir(root);
  });

  const connect = (schema: string) => PostgresStore.connect(parsePgUrl(`${url}?schema=${schema}`), { create: true });

  it('creates the schema once, of this version, and leaves it as it is the next time', async () => {
    const pg = await connect('first');
    try {
      assert.deepEqual(await ensurePgSchema(pg), { state: 'created' });
      assert.deepEqual(await ensurePgSchema(pg), { state: 'current' });
      assert.deepEqual(await pg.rows("SELECT value FROM meta WHERE key = 'schema_version'"), [[String(SCHEMA_VERSION)]]);
      const views = (await pg.rows("SELECT table_name FROM information_schema.views WHERE table_schema = 'first' ORDER BY 1")).map((r) => r[0]);
      assert.deepEqual(views, ['file_rows', 'instances', 'patient', 'series', 'study']);
    } finally {
      await pg.close();
    }
  });

  it('computes the same checks, report and cohorts as the SQLite file from the same rows', async () => {
    const pg = await connect('same');
    try {
      await ensurePgSchema(pg);
      // The index's rows, but not its checks: PostgreSQL computes those itself.
      await copyIndex(sqlite, pg, ['dirs', 'files', 'patient_key', 'patient_attrs', 'study_key', 'study_attrs', 'series_key', 'series_attrs', 'image_attrs', 'instance', 'frame']);
      await pg.run("INSERT INTO checks_pending(SeriesInstanceUID) SELECT DISTINCT SeriesInstanceUID FROM series_key WHERE SeriesInstanceUID <> ''");
      const lite = sqliteStore(sqlite);
      const refreshed = await refreshChecks(pg);
      const expected = await checkReport(lite);
      assert.equal(refreshed.series, expected.totals.series);
      assert.deepEqual(await checkReport(pg), expected);
      const filters: CohortFilter[] = [
        {},
        { volumesOnly: true },
        { modality: ['ct'], maxThickness: 2.5, volumesOnly: true },
        { minStep: 2, maxStep: 2.45 },
        { excludeSeverity: 'warning', originalOnly: true },
        { manufacturer: 'a', minImages: 4, maxImages: 9 },
        { where: 'images BETWEEN 4 AND 6 AND volume = 1' },
      ];
      for (const f of filters) {
        assert.deepEqual(await countCohort(pg, f), await countCohort(lite, f), JSON.stringify(f));
        assert.deepEqual(await cohortSeries(pg, f), await cohortSeries(lite, f), JSON.stringify(f));
      }
      await assert.rejects(countCohort(pg, { where: 'no_such_column > 1' }), CohortFilterError);
    } finally {
      await pg.close();
    }
  });

  it("refuses a schema that holds another program's tables, and leaves them as they are", async () => {
    const pg = await connect('theirs');
    try {
      await pg.run('CREATE TABLE patients (id int, name text)');
      await pg.run("INSERT INTO patients VALUES (1, 'x')");
      await assert.rejects(ensurePgSchema(pg), PgSchemaRefusedError);
      assert.deepEqual(await pg.rows('SELECT * FROM patients'), [[1, 'x']]);
      const tables = (await pg.rows("SELECT table_name FROM information_schema.tables WHERE table_schema = 'theirs'")).map((r) => r[0]);
      assert.deepEqual(tables, ['patients']);
    } finally {
      await pg.close();
    }
  });

  it('rebuilds an index of ours of an older schema version', async () => {
    const pg = await connect('older');
    try {
      await ensurePgSchema(pg);
      await pg.run("INSERT INTO dirs(path) VALUES ('x')");
      await pg.run("UPDATE meta SET value = '1' WHERE key = 'schema_version'");
      const r = await ensurePgSchema(pg);
      assert.equal(r.state, 'rebuilt');
      assert.match(r.warning ?? '', /schema version 1/);
      assert.deepEqual(await pg.rows('SELECT COUNT(*) FROM dirs'), [[0]]);
    } finally {
      await pg.close();
    }
  });

  it('says clearly when the server is down, without the password', async () => {
    const down = `postgresql://postgres:pw-never-shown@127.0.0.1:${cluster!.port + 1}/dwi`;
    await assert.rejects(PostgresStore.connect(parsePgUrl(down)), (e: Error) => {
      assert.ok(e instanceof PostgresStoreError);
      assert.match(e.message, /cannot connect to postgresql:\/\/postgres@127\.0\.0\.1:\d+\/dwi/);
      assert.ok(!e.message.includes('pw-never-shown'));
      return true;
    });
  });
});
