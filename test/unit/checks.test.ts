/** `dicom-index check`, the dataset checks of issue 12, run as users and scripts run it (the bundled
 *  dist/cli.js) on the series geometry fixtures of test/fixtures/geometrySeries.ts (written by dcmjs,
 *  cross-checked here with dcmtk's dcmdump): every case gives exactly its findings. */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  ExpectedFinding,
  GEOMETRY_CASES,
  GEOMETRY_PATIENT_NAME,
  GeometryCase,
  SeriesSpec,
  WrittenCase,
  WrittenSeries,
  expectedDatasetFindings,
  writeGeometryFixtures,
} from '../fixtures/geometrySeries';
import { makeTempDir, removeTempDir } from '../fixtures/tmp';
import { CLI, skipUnlessCliBuilt } from '../fixtures/builtCli';


function cli(args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** The contract's severities (issue 12), written out here independently of src/shared/checks.ts. */
const CONTRACT_SEVERITY: Record<string, 'error' | 'warning' | 'info'> = {
  missing_slices: 'error',
  duplicate_slices: 'error',
  irregular_spacing: 'warning',
  mixed_orientation: 'error',
  mixed_size: 'error',
  mixed_pixel_spacing: 'error',
  mixed_thickness: 'warning',
  thickness_spacing_mismatch: 'info',
  gantry_tilt: 'warning',
  instance_number_gaps: 'info',
  duplicate_instance_numbers: 'warning',
  localizer: 'info',
  derived: 'info',
  no_geometry: 'warning',
  duplicate_sop_instance: 'warning',
};
const DATASET_SEVERITY: Record<string, 'warning'> = { study_in_several_patients: 'warning', series_in_several_studies: 'warning' };

interface JsonFinding {
  check: string;
  severity: string;
  count: number | null;
  detail: string;
}
interface JsonSeries {
  SeriesInstanceUID: string;
  PatientID: string;
  StudyInstanceUID: string;
  images: number;
  files?: number;
  volume: boolean;
  spacing: { min: number; median: number | null; max: number } | null;
  findings: JsonFinding[];
}
interface JsonReport {
  series: JsonSeries[];
  dataset: JsonFinding[];
  totals: { series: number; volumes: number; images?: number; byCheck: Record<string, number> };
}

const byCheckName = (a: { check: string }, b: { check: string }) => a.check.localeCompare(b.check);
const strip = (fs_: ReadonlyArray<{ check: string; severity: string; count: number | null }>) =>
  fs_.map(({ check, severity, count }) => ({ check, severity, count })).sort(byCheckName);
const close = (got: unknown, want: number, what: string, eps = 1e-6) => {
  assert.equal(typeof got, 'number', `${what}: ${JSON.stringify(got)} is not a number`);
  assert.ok(Math.abs((got as number) - want) <= eps, `${what}: got ${got}, want ${want} (±${eps})`);
};

/** One folder of fixtures, indexed, with its check report. */
interface Folder {
  root: string;
  db: string;
  cases: Record<string, WrittenCase>;
  report: JsonReport;
}

function makeFolder(parent: string, name: string, select: (c: GeometryCase) => boolean): Folder {
  const root = path.join(parent, name);
  const cases = writeGeometryFixtures(root, select);
  const ix = cli(['index', root]);
  assert.equal(ix.code, 0, `index ${name}: ${ix.err}`);
  const db = path.join(root, '.dicom', 'index.sqlite');
  const r = cli(['check', db, '--json']);
  assert.equal(r.code, 0, `check ${name}: ${r.err}`);
  return { root, db, cases, report: JSON.parse(r.out) as JsonReport };
}

// ---------------------------------------------------------------------------------------------
// dcmdump (dcmtk) as an independent reader of the fixtures

function haveDcmdump(): boolean {
  const r = spawnSync('dcmdump', ['--version'], { encoding: 'utf8' });
  return r.status === 0;
}

/** Every occurrence of each tag (nested ones included) in each file, as dcmdump prints its value;
 *  one dcmdump run for all the files (+F marks where each file begins). */
function dcmdump(files: string[], tags: string[]): Map<string, Map<string, string[]>> {
  const args = ['+F', '+s', ...tags.flatMap((t) => ['+P', t]), ...files];
  const r = spawnSync('dcmdump', args, { encoding: 'utf8', maxBuffer: 64 << 20 });
  assert.equal(r.status, 0, `dcmdump: ${r.stderr}`);
  const out = new Map<string, Map<string, string[]>>();
  let current: Map<string, string[]> | undefined;
  for (const line of r.stdout.split('\n')) {
    const head = /^# dcmdump \((\d+)\/\d+\): /.exec(line);
    if (head) {
      current = new Map(tags.map((t) => [t.toLowerCase(), []]));
      out.set(files[Number(head[1]) - 1], current);
      continue;
    }
    const m = /^\s*\(([0-9a-f]{4},[0-9a-f]{4})\) \w\w (.*?)\s+#/i.exec(line);
    if (!m || !current) continue;
    const raw = m[2];
    const value = raw.startsWith('[') ? raw.slice(1, raw.lastIndexOf(']')) : raw.startsWith('(no value') ? '' : raw;
    current.get(m[1].toLowerCase())?.push(value);
  }
  assert.equal(out.size, files.length, 'dcmdump read every file');
  return out;
}

const nums = (ds: string) => ds.split('\\').map(Number);
function sameNumbers(got: string | undefined, want: readonly number[], what: string) {
  assert.ok(got !== undefined, `${what}: absent`);
  const g = nums(got);
  assert.equal(g.length, want.length, `${what}: ${got} vs ${want.join('\\')}`);
  g.forEach((v, i) => assert.ok(Math.abs(v - want[i]) <= 1e-8, `${what}: ${got} vs ${want.join('\\')}`));
}

// ---------------------------------------------------------------------------------------------

describe('dicom-index check: series geometry fixtures (issue 12)', function () {
  this.timeout(300_000);
  let tmp: string;
  let all: Folder;
  let clean: Folder;
  let infoOnly: Folder;

  before(function () {
    skipUnlessCliBuilt(this);
    tmp = makeTempDir('dwi-checks-');
    all = makeFolder(tmp, 'all', () => true);
    clean = makeFolder(tmp, 'clean', (c) => c.group === 'clean');
    infoOnly = makeFolder(tmp, 'info-only', (c) => c.group === 'clean' || c.group === 'info');
  });
  after(() => tmp && removeTempDir(tmp));

  const seriesOf = (f: Folder, w: WrittenSeries): JsonSeries => {
    const hits = f.report.series.filter((s) => s.SeriesInstanceUID === w.SeriesInstanceUID);
    assert.equal(hits.length, 1, `series ${w.SeriesInstanceUID} is listed ${hits.length} times`);
    return hits[0];
  };

  function assertSeries(f: Folder, caseName: string, w: WrittenSeries) {
    const spec: SeriesSpec = w.spec;
    const want = spec.expected;
    const got = seriesOf(f, w);
    const label = `${caseName}/${spec.key}`;
    const ctx = `${label}: ${JSON.stringify(got)}`;
    assert.deepEqual(strip(got.findings), strip(want.findings), `${label} findings\n${ctx}`);
    assert.equal(got.volume, want.volume, `${label} volume\n${ctx}`);
    assert.equal(got.images, want.images, `${label} images\n${ctx}`);
    const wantFiles = want.files ?? (spec.kind === 'enhanced' ? 1 : want.images);
    assert.equal(got.files, wantFiles, `${label} files\n${ctx}`);
    if (want.medianStep === null) assert.equal(got.spacing, null, `${label} spacing must be null\n${ctx}`);
    else if (want.medianStep !== undefined) {
      assert.ok(got.spacing, `${label} spacing is null\n${ctx}`);
      close(got.spacing.median, want.medianStep, `${label} spacing.median`);
    }
    if (want.stepRange) {
      assert.ok(got.spacing, `${label} spacing is null\n${ctx}`);
      close(got.spacing.min, want.stepRange[0], `${label} spacing.min`);
      close(got.spacing.max, want.stepRange[1], `${label} spacing.max`);
    }
    if (want.tiltDegrees !== undefined) {
      const detail = got.findings.find((x) => x.check === 'gantry_tilt')?.detail ?? '';
      const m = /(\d+(?:\.\d+)?)\s*°/.exec(detail);
      assert.ok(m, `${label}: the gantry_tilt detail gives no angle in degrees: '${detail}'`);
      close(Number(m[1]), want.tiltDegrees, `${label} gantry_tilt angle in '${detail}'`, 0.051);
    }
    for (const [check, text] of Object.entries(want.detailIncludes ?? {})) {
      const finding = got.findings.find((x) => x.check === check);
      assert.ok(finding && finding.detail.includes(text), `${label}: the ${check} detail should contain '${text}'\n${ctx}`);
    }
    if (w.PatientIDs.length === 1) assert.equal(got.PatientID, w.PatientIDs[0], `${label} PatientID`);
    if (w.StudyInstanceUIDs.length === 1) assert.equal(got.StudyInstanceUID, w.StudyInstanceUIDs[0], `${label} StudyInstanceUID`);
    else assert.ok(w.StudyInstanceUIDs.includes(got.StudyInstanceUID), `${label}: StudyInstanceUID ${got.StudyInstanceUID} is none of its studies`);
  }

  describe('every case gives exactly its findings (all fixtures in one index)', () => {
    for (const c of GEOMETRY_CASES) {
      it(`${c.name}: ${c.tests}`, () => {
        for (const w of all.cases[c.name].series) assertSeries(all, c.name, w);
      });
    }
  });

  it('the same verdicts in a folder of the clean and info-only cases alone (nothing depends on the neighbours)', () => {
    for (const [name, wc] of Object.entries(infoOnly.cases)) for (const w of wc.series) assertSeries(infoOnly, name, w);
  });

  it('the fixtures say what the manifest claims (dcmtk dcmdump reads them)', function () {
    if (!haveDcmdump()) {
      console.log('    (skipped: dcmdump (dcmtk) is not installed)');
      this.skip();
    }
    const tags = ['0020,0032', '0020,0037', '0020,0013', '0028,0010', '0028,0011', '0028,0030', '0018,0050', '0008,0008', '0008,0018', '0028,0008'];
    let checked = 0;
    for (const wc of Object.values(all.cases)) {
      for (const w of wc.series) {
        const dumps = dcmdump(w.files.map((f) => f.path), tags);
        for (const f of w.files) {
          const what = path.relative(all.root, f.path);
          if (f.copyOf) {
            assert.ok(fs.readFileSync(f.path).equals(fs.readFileSync(path.join(path.dirname(f.path), f.copyOf))), `${what} is a byte copy`);
          }
          const d = dumps.get(f.path)!;
          const v = f.values;
          assert.deepEqual(d.get('0008,0018'), [v.SOPInstanceUID], `${what} SOPInstanceUID`);
          assert.deepEqual(d.get('0008,0008'), [v.ImageType.join('\\')], `${what} ImageType`);
          assert.deepEqual(d.get('0028,0010'), [String(v.Rows)], `${what} Rows`);
          assert.deepEqual(d.get('0028,0011'), [String(v.Columns)], `${what} Columns`);
          assert.deepEqual(d.get('0020,0013'), [String(v.InstanceNumber)], `${what} InstanceNumber`);
          const spec = w.spec;
          if (spec.kind === 'enhanced') {
            assert.deepEqual(d.get('0028,0008'), [String(spec.frames.length)], `${what} NumberOfFrames`);
            const positions = d.get('0020,0032')!;
            assert.equal(positions.length, spec.frames.length, `${what}: one PlanePosition per frame`);
            spec.frames.forEach((p, i) => sameNumbers(positions[i], p, `${what} frame ${i + 1} position`));
            const copies = spec.groups === 'shared' ? 1 : spec.frames.length;
            for (const [tag, want] of [['0020,0037', spec.orientation], ['0028,0030', spec.pixelSpacing], ['0018,0050', [spec.sliceThickness]]] as const) {
              const got = d.get(tag)!;
              assert.equal(got.length, copies, `${what} ${tag} in ${spec.groups} groups`);
              for (const g of got) sameNumbers(g, want, `${what} ${tag}`);
            }
          } else {
            const positions = d.get('0020,0032')!;
            if (v.ImagePositionPatient === null) assert.deepEqual(positions, [], `${what} has no ImagePositionPatient`);
            else sameNumbers(positions[0], v.ImagePositionPatient, `${what} ImagePositionPatient`);
            sameNumbers(d.get('0020,0037')![0], v.ImageOrientationPatient, `${what} ImageOrientationPatient`);
            sameNumbers(d.get('0028,0030')![0], v.PixelSpacing, `${what} PixelSpacing`);
            sameNumbers(d.get('0018,0050')![0], [v.SliceThickness], `${what} SliceThickness`);
          }
          checked++;
        }
      }
    }
    // The gap fixture in particular: the positions that were meant, in file order.
    const gapFiles = all.cases['gap-1'].series[0].files.map((f) => f.path);
    const gapDumps = dcmdump(gapFiles, ['0020,0032']);
    const gap = gapFiles.map((p) => nums(gapDumps.get(p)!.get('0020,0032')![0])[2]);
    assert.deepEqual(gap, [0, 2.5, 5, 7.5, 10, 15, 17.5, 20, 22.5]);
    assert.ok(checked > 100, `${checked} files checked`);
  });

  it('--json has the documented shape, and the totals agree with the series list', () => {
    for (const f of [all, clean, infoOnly]) {
      const r = f.report;
      for (const k of ['series', 'dataset', 'totals']) assert.ok(k in r, k);
      const written = Object.values(f.cases).reduce((n, c) => n + c.series.length, 0);
      assert.equal(r.series.length, written, 'one entry per Series UID written');
      for (const s of r.series) {
        for (const k of ['SeriesInstanceUID', 'PatientID', 'StudyInstanceUID', 'images', 'volume', 'spacing', 'findings']) assert.ok(k in s, `series.${k}`);
        assert.equal(typeof s.SeriesInstanceUID, 'string');
        assert.equal(typeof s.images, 'number');
        assert.equal(typeof s.volume, 'boolean');
        if (s.spacing !== null) {
          assert.deepEqual(Object.keys(s.spacing).sort(), ['max', 'median', 'min']);
          assert.ok(s.spacing.min <= (s.spacing.median ?? s.spacing.min) && (s.spacing.median ?? s.spacing.max) <= s.spacing.max, JSON.stringify(s.spacing));
        }
        for (const x of s.findings) {
          for (const k of ['check', 'severity', 'count', 'detail']) assert.ok(k in x, `finding.${k}`);
          assert.equal(x.severity, CONTRACT_SEVERITY[x.check], `${x.check} severity`);
          assert.equal(typeof x.detail, 'string');
          assert.ok(x.count === null || Number.isInteger(x.count), `${x.check} count ${x.count}`);
        }
      }
      for (const x of r.dataset) {
        for (const k of ['check', 'severity', 'count', 'detail']) assert.ok(k in x, `dataset.${k}`);
        assert.equal(x.severity, DATASET_SEVERITY[x.check], `${x.check} severity`);
      }
      assert.equal(r.totals.series, r.series.length);
      assert.equal(r.totals.volumes, r.series.filter((s) => s.volume).length);
      if (r.totals.images !== undefined) assert.equal(r.totals.images, r.series.reduce((n, s) => n + s.images, 0));
      for (const check of Object.keys(CONTRACT_SEVERITY)) {
        const n = r.series.filter((s) => s.findings.some((x) => x.check === check)).length;
        assert.equal(r.totals.byCheck[check] ?? 0, n, `totals.byCheck.${check}`);
      }
    }
    const wantVolumes = GEOMETRY_CASES.flatMap((c) => c.series).filter((s) => s.expected.volume).length;
    assert.equal(all.report.totals.volumes, wantVolumes);
  });

  it('dataset-level findings: one Study UID under two patients, one Series UID under two studies; none in the clean folders', () => {
    const want = (cases: Record<string, WrittenCase>): ExpectedFinding[] => expectedDatasetFindings(Object.values(cases).map((c) => c.spec));
    assert.deepEqual(strip(all.report.dataset), strip(want(all.cases)), JSON.stringify(all.report.dataset));
    assert.deepEqual(strip(all.report.dataset).map((x) => x.check), ['series_in_several_studies', 'study_in_several_patients']);
    assert.deepEqual(clean.report.dataset, []);
    assert.deepEqual(infoOnly.report.dataset, []);
  });

  it('the clean folder: no finding at all', () => {
    for (const s of clean.report.series) assert.deepEqual(s.findings, [], JSON.stringify(s));
  });

  it('--fail-on: error on the full set exits 1; info on clean series exits 0; warning where the worst is info exits 0', () => {
    const full = cli(['check', all.db, '--fail-on', 'error']);
    assert.equal(full.code, 1, full.err);
    assert.ok(full.out.length > 0, 'the report is still printed');
    assert.equal(cli(['check', all.db, '--fail-on', 'error', '--json']).code, 1);
    assert.equal(cli(['check', clean.db, '--fail-on', 'info']).code, 0);
    assert.equal(cli(['check', clean.db, '--fail-on', 'error', '--json']).code, 0);
    assert.equal(cli(['check', infoOnly.db, '--fail-on', 'warning']).code, 0);
    assert.equal(cli(['check', infoOnly.db, '--fail-on', 'info']).code, 1, 'the info findings are there');
    assert.equal(cli(['check', all.db]).code, 0, 'without --fail-on the exit status is 0');
  });

  it('a bad --fail-on value exits 2 with a message', () => {
    for (const bad of [['--fail-on', 'fatal'], ['--fail-on', 'ERRORS'], ['--fail-on']]) {
      const r = cli(['check', all.db, ...bad]);
      assert.equal(r.code, 2, `${bad.join(' ')}: ${r.out}${r.err}`);
      assert.ok(r.err.trim().length > 0, `${bad.join(' ')}: says why`);
    }
  });

  it('the readable report names no PatientName', () => {
    const r = cli(['check', all.db]);
    assert.equal(r.code, 0, r.err);
    assert.ok(r.out.trim().length > 0);
    for (const secret of [GEOMETRY_PATIENT_NAME, ...GEOMETRY_PATIENT_NAME.split('^')]) {
      assert.ok(!r.out.includes(secret) && !r.err.includes(secret), `'${secret}' is in the readable report`);
    }
    const j = cli(['check', all.db, '--json']);
    assert.ok(!j.out.includes(GEOMETRY_PATIENT_NAME.split('^')[0]), 'nor the JSON');
  });
});
