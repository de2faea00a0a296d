// The series viewer's slice list (src/core/queries/seriesSlices.ts): position order whatever the
// files' names, positions along the normal, a gap where slices are missing and a mark where two
// slices share a position, the series' findings, and the middle slice for the hover.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { IndexDatabase } from '../../src/core/db/database';
import { indexFolder } from '../../src/core/indexer';
import { middleSlice, seriesSlices } from '../../src/core/queries/seriesSlices';
import { sqliteStore } from '../../src/core/store/sqliteStore';
import { writeViewerSeries, type ViewerSeries } from '../fixtures/viewerFiles';
import { makeTempDir, removeTempDir } from '../fixtures/tmp';

describe('series slices for the viewer', function () {
  this.timeout(60_000);
  let dir: string;
  let idx: IndexDatabase;
  let gapped: ViewerSeries;
  let doubled: ViewerSeries;

  before(async () => {
    dir = makeTempDir('dwi-series-slices-');
    const data = path.join(dir, 'data');
    gapped = writeViewerSeries(path.join(data, 'gap'), { count: 10, skip: [4, 5] });
    doubled = writeViewerSeries(path.join(data, 'dup'), { count: 4, patientId: 'VIEW-2' });
    // A copy of slice 2 under a new SOP instance: two images at one position.
    const copy = path.join(data, 'dup', 'copy.dcm');
    const bytes = fs.readFileSync(doubled.slices[2].path);
    const sop = bytes.indexOf(Buffer.from('2.25.'), bytes.indexOf(Buffer.from([0x08, 0x00, 0x18, 0x00]), 300));
    bytes[sop + 6] = bytes[sop + 6] === 0x31 ? 0x32 : 0x31;
    fs.writeFileSync(copy, bytes);
    const dbPath = path.join(dir, 'index.sqlite');
    await indexFolder(data, { dbPath });
    idx = await IndexDatabase.open(dbPath);
  });

  after(() => {
    idx?.close();
    removeTempDir(dir);
  });

  it('lists the slices in position order with their positions, and marks the gap', async () => {
    const s = await seriesSlices(sqliteStore(idx), gapped.seriesInstanceUid);
    assert.ok(s);
    assert.deepEqual(
      s.slices.map((x) => x.position),
      gapped.slices.map((x) => x.z).sort((a, b) => a - b),
    );
    assert.deepEqual(
      s.slices.map((x) => path.basename(x.path)),
      [...gapped.slices].sort((a, b) => a.z - b.z).map((x) => path.basename(x.path)),
    );
    assert.deepEqual(s.gaps, [{ index: 4, missing: 2 }]);
    assert.deepEqual(s.duplicates, []);
    assert.equal(s.step, 2.5);
    assert.deepEqual(
      s.findings.map((f) => f.check),
      ['missing_slices', 'instance_number_gaps'],
    );
    assert.equal(s.attrs.PatientID, 'VIEW-1');
    assert.equal(middleSlice(s)?.position, s.slices[3].position);
  });

  it('marks two slices at one position', async () => {
    const s = await seriesSlices(sqliteStore(idx), doubled.seriesInstanceUid);
    assert.ok(s);
    assert.equal(s.slices.length, 5);
    assert.deepEqual(s.duplicates, [3]);
    assert.deepEqual(s.gaps, []);
  });

  it('is undefined for a Series UID the index does not hold', async () => {
    assert.equal(await seriesSlices(sqliteStore(idx), '2.25.1'), undefined);
  });
});
