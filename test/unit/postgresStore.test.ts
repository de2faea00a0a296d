/**
 * The PostgreSQL store against a real server (a throwaway cluster, tools/pg/cluster.ts): its schema,
 * and the dataset checks and cohorts computed there from the same rows give what the SQLite file gives.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { checkReport } from '../../src/core/checks/report';
import { CohortFilterError, cohortSeries, countCohort } from '../../src/core/cohort/query';
import { IndexDatabase } from '../../src/core/db/database';
import { SCHEMA_VERSION } from '../../src/core/db/schema';
import { indexFolder } from '../../src/core/indexer';
import { checksOfSeries, checksOverview, refreshChecks, seriesWithCheck } from '../../src/core/queries/checks';
import { ensurePgSchema, PgSchemaRefusedError } from '../../src/core/store/postgresSchema';
import { PostgresStore, PostgresStoreError, toPgPlaceholders } from '../../src/core/store/postgresStore';
import { parsePgUrl, redact } from '../../src/core/store/postgresUrl';
import { sqliteStore } from '../../src/core/store/sqliteStore';
import type { CohortFilter } from '../../src/shared/cohort';
import { writeGeometryFixtures } from '../fixtures/geometrySeries';
import { makeTempDir, removeTempDir } from '../fixtures/tmp';
import { Cluster, skipUnlessPostgres, startCluster } from '../../tools/pg/cluster';
import { copyIndex } from '../pg/copyIndex';
import { ChunkReader } from '../../src/core/read/chunkReader';
import { DEFAULT_LIMITS } from '../../src/core/dicom/header/types';
import { scanFolder } from '../../src/core/scan/scanner';
import type { FileRecord } from '../../src/core/records';
import { PgBatchWriter, pgKnownFiles, pgRemove } from '../../src/core/store/postgresWriter';
import type { QueryStore } from '../../src/core/store/queryStore';
import * as ExcelJS from 'exceljs';
import { computeStats, Stats } from '../../src/core/stats';
import { indexTotals } from '../../src/core/queries/totals';
import { seriesTable } from '../../src/core/queries/seriesTable';
import * as tree from '../../src/core/queries/tree';
import { exportCsv, exportXlsx } from '../../src/core/export';

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
    skipUnlessPostgres(this);
    cluster = await startCluster();
    url = cluster.createDatabase('dwi');
    root = makeTempDir('dwi-pg-');
    writeGeometryFixtures(path.join(root, 'data'));
    // And files that are problems: not DICOM, and a DICOM file cut short.
    fs.writeFileSync(path.join(root, 'data', 'not-dicom.dcm'), 'plain text, not DICOM');
    const clean = path.join(root, 'data', 'clean-axial');
    const first = fs.readFileSync(path.join(clean, fs.readdirSync(clean).find((f) => f.endsWith('.dcm'))!));
    fs.writeFileSync(path.join(root, 'data', 'cut-short.dcm'), first.subarray(0, 400));
    await indexFolder(path.join(root, 'data'));
    sqlite = await IndexDatabase.open(path.join(root, 'data', '.dicom', 'index.sqlite'), { readOnly: true });
  });
  after(() => {
    sqlite?.close();
    cluster?.stop();
    if (root) removeTempDir(root);
  });

  const connect = (schema: string) => PostgresStore.connect(parsePgUrl(`${url}?schema=${schema}`), { create: true });

  it('connects eight writers at once to a schema none of them has made yet: every one gets it', async () => {
    // Plain CREATE SCHEMA IF NOT EXISTS from two sessions at once failed one of them (23505) in most tries.
    for (let round = 0; round < 5; round++) {
      const target = parsePgUrl(`${url}?schema=made_at_once_${round}`);
      const results = await Promise.allSettled(Array.from({ length: 8 }, () => PostgresStore.connect(target, { create: true })));
      const failed = results.filter((r) => r.status === 'rejected').map((r) => String((r as PromiseRejectedResult).reason));
      for (const r of results) if (r.status === 'fulfilled') await r.value.close();
      assert.deepEqual(failed, [], `round ${round}`);
    }
  });

  it('a query through the cursor that fails mid-way is an error, and the connection goes on; a transaction left idle is ended', async () => {
    const store = await PostgresStore.connect(parsePgUrl(`${url}?schema=cursor_fails`), { create: true });
    try {
      let seen = 0;
      // Division by zero at the 7,000th row: after the cursor's first fetch of 5,000.
      await assert.rejects(
        store.each('SELECT 1 / (g - 7000) FROM generate_series(1, 10000) g', [], () => seen++),
        (e: Error) => e instanceof PostgresStoreError && /division by zero/.test(e.message),
      );
      assert.equal(seen, 5000);
      assert.deepEqual(await store.rows('SELECT 1 + 1'), [[2]]);
      // A transaction of the store that sits idle is ended by the server after 5 minutes (and only a transaction).
      await store.transaction(async () => assert.deepEqual(await store.rows('SHOW idle_in_transaction_session_timeout'), [['5min']]));
      assert.deepEqual(await store.rows('SHOW idle_in_transaction_session_timeout'), [['0']]);
    } finally {
      await store.close();
    }
  });

  it('uses a schema an administrator made for a role that may not create one, named by a reserved word', async () => {
    // CREATE SCHEMA IF NOT EXISTS needs the right to create in the database even when the schema is there.
    const admin = await PostgresStore.connect(parsePgUrl(`${url}?schema=public`));
    await admin.exec('CREATE ROLE indexer_only LOGIN; CREATE SCHEMA "user" AUTHORIZATION indexer_only');
    await admin.close();
    const store = await PostgresStore.connect(parsePgUrl(`${url.replace('postgres@', 'indexer_only@')}?schema=user`), { create: true });
    try {
      assert.equal((await ensurePgSchema(store)).state, 'created');
      assert.deepEqual(await store.rows('SELECT current_schema()'), [['user']]);
    } finally {
      await store.close();
    }
  });

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
      // The tree's queries (the Checks node, a check's series, a study's series).
      const overview = await checksOverview(lite);
      assert.ok(overview.checks.length > 0, 'the fixtures fire checks');
      assert.deepEqual(await checksOverview(pg), overview);
      for (const t of overview.checks) assert.deepEqual(await seriesWithCheck(pg, t.check), await seriesWithCheck(lite, t.check), t.check);
      const uids = expected.series.map((x) => x.SeriesInstanceUID);
      assert.deepEqual(await checksOfSeries(pg, uids), await checksOfSeries(lite, uids));
    } finally {
      await pg.close();
    }
  });

  it('gives the same statistics, tree, series table and exports as the SQLite file from the same rows', async () => {
    const pg = await connect('views');
    try {
      await ensurePgSchema(pg);
      await copyIndex(sqlite, pg);
      const lite = sqliteStore(sqlite);
      const withoutRun = (s: Stats) => ({ ...s, lastIndexed: null, incomplete: false });
      const stats = await computeStats(lite);
      assert.ok(stats.files.notDicom >= 1 && stats.files.error + stats.files.partial >= 1, 'the fixtures hold problem files');
      assert.deepEqual(withoutRun(await computeStats(pg)), withoutRun(stats));
      assert.deepEqual(await indexTotals(pg), await indexTotals(lite));
      assert.deepEqual(await tree.problems(pg), await tree.problems(lite));
      assert.equal(await tree.problemCount(pg), await tree.problemCount(lite));
      assert.equal(await tree.imageCount(pg), await tree.imageCount(lite));
      // Every level of the tree and every hover's summary.
      const patients = await tree.patients(lite);
      assert.ok(patients.length > 0);
      assert.deepEqual(await tree.patients(pg), patients);
      for (const p of patients) {
        assert.deepEqual(await tree.patientDetails(pg, p.id), await tree.patientDetails(lite, p.id));
        const studies = await tree.studies(lite, { patientId: p.id });
        assert.deepEqual(await tree.studies(pg, { patientId: p.id }), studies);
        for (const st of studies) {
          assert.deepEqual(await tree.studyDetails(pg, st.id), await tree.studyDetails(lite, st.id));
          const series = await tree.series(lite, { studyId: st.id });
          assert.deepEqual(await tree.series(pg, { studyId: st.id }), series);
          for (const se of series) {
            assert.deepEqual(await tree.seriesDetails(pg, se.id), await tree.seriesDetails(lite, se.id));
            assert.deepEqual(await tree.instances(pg, { seriesId: se.id }), await tree.instances(lite, { seriesId: se.id }));
            assert.deepEqual(await tree.seriesByUid(pg, se.SeriesInstanceUID), await tree.seriesByUid(lite, se.SeriesInstanceUID));
          }
        }
      }
      assert.deepEqual(await seriesTable(pg), await seriesTable(lite));
      // The CSV export byte for byte; the workbook sheet by sheet, cell by cell.
      const out = path.join(root, 'exports');
      fs.mkdirSync(out, { recursive: true });
      const source = { store: pg, root: null };
      assert.deepEqual(await exportCsv(source, path.join(out, 'pg.csv')), await exportCsv(sqlite, path.join(out, 'lite.csv')));
      assert.ok(fs.readFileSync(path.join(out, 'pg.csv')).equals(fs.readFileSync(path.join(out, 'lite.csv'))));
      await exportXlsx(source, path.join(out, 'pg.xlsx'));
      await exportXlsx(sqlite, path.join(out, 'lite.xlsx'));
      const sheets = async (f: string) => {
        const wb = new ExcelJS.Workbook();
        await wb.xlsx.readFile(f);
        return wb.worksheets.map((ws) => {
          const rows: unknown[] = [];
          ws.eachRow((r) => rows.push(r.values));
          return [ws.name, rows];
        });
      };
      const [a, b] = [await sheets(path.join(out, 'pg.xlsx')), await sheets(path.join(out, 'lite.xlsx'))];
      const summary = (x: unknown[][]) => x.map(([n, rows]) => (n === 'Summary' ? [n, (rows as unknown[][]).filter((r) => !String(r[1]).startsWith('Last indexed') && !String(r[1]).startsWith('Index incomplete') && r[1] !== 'Exported')] : [n, rows]));
      assert.deepEqual(summary(a), summary(b));
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

  it('does not rebuild an older index of ours when the schema also holds what this tool did not make', async () => {
    const pg = await connect('older_shared');
    try {
      await ensurePgSchema(pg);
      await pg.run("INSERT INTO dirs(path) VALUES ('kept')");
      await pg.run('CREATE TABLE annotations (series text, note text)');
      await pg.run("INSERT INTO annotations VALUES ('1.2.3', 'nodule')");
      await pg.run('CREATE VIEW my_series AS SELECT SeriesInstanceUID FROM series_key');
      await pg.run("UPDATE meta SET value = '1' WHERE key = 'schema_version'");
      await assert.rejects(ensurePgSchema(pg), (e: Error) => {
        assert.ok(e instanceof PgSchemaRefusedError);
        assert.match(e.message, /annotations, my_series, which this tool did not create; nothing was changed/);
        return true;
      });
      assert.deepEqual(await pg.rows('SELECT * FROM annotations'), [['1.2.3', 'nodule']]);
      assert.deepEqual(await pg.rows('SELECT path FROM dirs'), [['kept']]);
      assert.deepEqual(await pg.rows("SELECT value FROM meta WHERE key = 'schema_version'"), [['1']]);
    } finally {
      await pg.close();
    }
  });

  /** Every record of a folder, as the indexer's reader makes them. */
  async function recordsOf(dir: string): Promise<FileRecord[]> {
    const { candidates } = await scanFolder(dir);
    const out: FileRecord[] = [];
    await new ChunkReader({ root: dir, limits: DEFAULT_LIMITS, pixelStats: false, concurrency: 8, ioMode: 'sync' }).readAll(candidates, (r) => out.push(r), { afterChunk: () => undefined, chunkSize: 128 });
    return out.sort((a, b) => (a.relPath < b.relPath ? -1 : 1));
  }
  /**
   * What a store holds, sorted here (the engines order NULLs differently): every file's row of the flat
   * view, each key's distinct attribute sets and `variants`, the row counts. Which set a level view shows
   * as "first seen" depends on the order writers committed, so the sets are compared, not that pick.
   */
  async function contents(store: QueryStore) {
    const sorted = async (sql: string) => (await store.rows(sql)).map((r) => JSON.stringify(r)).sort();
    const cols = 'path, status, error, error_kind, size, mtime_ms, PatientID, PatientName, StudyInstanceUID, StudyDate, SeriesInstanceUID, SeriesDescription, Modality, SOPInstanceUID, InstanceNumber, ImageType, SliceThickness, ImagePositionPatient, ImageOrientationPatient, PixelSpacing, Rows, Columns, NumberOfFrames, WindowCenter, TransferSyntaxUID';
    return {
      files: await sorted(`SELECT ${cols} FROM file_rows`),
      patientSets: await sorted('SELECT k.PatientID, a.PatientName, a.PatientBirthDate, a.PatientSex FROM patient_attrs a JOIN patient_key k ON k.id = a.patient_id'),
      studySets: await sorted('SELECT k.StudyInstanceUID, a.StudyDate, a.StudyDescription, a.PatientAge FROM study_attrs a JOIN study_key k ON k.id = a.study_id'),
      seriesSets: await sorted('SELECT k.SeriesInstanceUID, a.SeriesNumber, a.Modality, a.SeriesDescription FROM series_attrs a JOIN series_key k ON k.id = a.series_id'),
      variants: await sorted('SELECT PatientID, variants FROM patient'),
      keys: await store.rows('SELECT (SELECT COUNT(*) FROM patient_key), (SELECT COUNT(*) FROM study_key), (SELECT COUNT(*) FROM series_key), (SELECT COUNT(*) FROM instance), (SELECT COUNT(*) FROM image_attrs)'),
    };
  }

  it('writes the real corpus as the SQLite writer does, from two writers at once, without a duplicate row', async () => {
    const corpus = path.resolve(__dirname, '../../../../shared/corpus/real');
    const sqliteDir = path.join(root, 'corpus-index');
    fs.mkdirSync(sqliteDir, { recursive: true });
    const lite = await IndexDatabase.open(path.join(sqliteDir, 'index.sqlite'), { rebuild: true });
    await indexFolder(corpus, { dbPath: path.join(sqliteDir, 'index.sqlite'), database: lite });
    const records = await recordsOf(corpus);
    const a = await connect('corpus');
    const b = await PostgresStore.connect(parsePgUrl(`${url}?schema=corpus`));
    try {
      await ensurePgSchema(a);
      // Two writers, the files dealt alternately (so both write the same patients and series), in batches, at the same time.
      const halves = [records.filter((_, i) => i % 2 === 0), records.filter((_, i) => i % 2 === 1)];
      await Promise.all(
        [a, b].map(async (store, k) => {
          const writer = new PgBatchWriter(store);
          for (let i = 0; i < halves[k].length; i += 40) await writer.write(halves[k].slice(i, i + 40));
        }),
      );
      assert.deepEqual(await contents(a), await contents(sqliteStore(lite)));
      assert.equal(await refreshChecks(a).then((r) => r.series > 0), true);
      // The geometry and findings of every series; which of a UID's parents is named first follows the
      // order the writers committed in, so attributes are compared above as sets, not here.
      const measured = async (store: QueryStore) => {
        const r = await checkReport(store);
        const series = r.series.map((x) => ({ uid: x.SeriesInstanceUID, images: x.images, files: x.files, volume: x.volume, spacing: x.spacing, findings: x.findings, folder: x.folder }));
        return { series: series.sort((x, y) => (x.uid < y.uid ? -1 : 1)), dataset: r.dataset, totals: r.totals };
      };
      assert.deepEqual(await measured(a), await measured(sqliteStore(lite)));
      // Writing the same files again changes nothing; forgetting some removes what only they held.
      await new PgBatchWriter(b).write(records.slice(0, 30));
      assert.deepEqual(await contents(a), await contents(sqliteStore(lite)));
      const known = await pgKnownFiles(a);
      assert.equal(known.size, records.length);
      const gone = records.filter((r) => r.relPath.startsWith('pydicom')).map((r) => known.get(r.relPath)!.id);
      assert.ok(gone.length > 10);
      await pgRemove(a, gone);
      const left = await a.rows("SELECT COUNT(*) FROM file_rows WHERE path LIKE 'pydicom%'");
      assert.deepEqual(left, [[0]]);
      const orphans = await a.rows('SELECT COUNT(*) FROM series_key k WHERE NOT EXISTS (SELECT 1 FROM instance i WHERE i.series_id = k.id)');
      assert.deepEqual(orphans, [[0]]);
    } finally {
      lite.close();
      await a.close();
      await b.close();
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
