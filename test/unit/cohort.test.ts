/** `dicom-index cohort` (issue 12 §3) on the series geometry fixtures, run as users run it (dist/cli.js):
 *  every filter against the sets computed here from `check --json`, the exports read back, the JSON
 *  manifest's files in slice order by the positions the fixtures wrote. */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as arrow from 'apache-arrow';
import * as pw from 'parquet-wasm/node';
import { WrittenCase, writeGeometryFixtures } from '../fixtures/geometrySeries';
import { makeTempDir, removeTempDir } from '../fixtures/tmp';
import { CLI, skipUnlessCliBuilt } from '../fixtures/builtCli';

const cli = (args: string[]) => {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
};

interface Series {
  SeriesInstanceUID: string;
  PatientID: string;
  Modality: string | null;
  images: number;
  files: number;
  volume: boolean;
  SliceThickness: number | null;
  spacing: { median: number | null } | null;
  findings: { check: string; severity: string }[];
}

/** RFC 4180 rows (quoted fields, doubled quotes), BOM dropped. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  const s = text.replace(/^\ufeff/, '');
  for (let i = 0; i < s.length; i++) {
    const ch = s[i];
    if (quoted) {
      if (ch === '"' && s[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(field);
      field = '';
    } else if (ch === '\r' && s[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i++;
    } else field += ch;
  }
  return rows;
}

describe('dicom-index cohort: choose series and export them', function () {
  this.timeout(180_000);
  let root: string;
  let data: string;
  let written: Record<string, WrittenCase>;
  let all: Series[];

  before(function () {
    skipUnlessCliBuilt(this);
    root = makeTempDir('dwi-cohort-');
    data = path.join(root, 'data');
    written = writeGeometryFixtures(data, (c) => c.group !== 'dataset');
    assert.equal(cli(['index', data, '--quiet']).code, 0);
    const r = cli(['check', data, '--json']);
    assert.equal(r.code, 0, r.err);
    all = (JSON.parse(r.out) as { series: Series[] }).series;
    assert.ok(all.length > 20);
  });
  after(() => root && removeTempDir(root));

  const csvUids = (args: string[]): Set<string> => {
    const out = path.join(root, `c-${Math.random().toString(36).slice(2)}.csv`);
    const r = cli(['cohort', data, ...args, '--out', out]);
    assert.equal(r.code, 0, r.err);
    const rows = parseCsv(fs.readFileSync(out, 'utf8'));
    const uid = rows[0].indexOf('SeriesInstanceUID');
    assert.ok(uid >= 0);
    return new Set(rows.slice(1).map((row) => row[uid]));
  };
  const uidsOf = (keep: (s: Series) => boolean) => new Set(all.filter(keep).map((s) => s.SeriesInstanceUID));
  const rank: Record<string, number> = { info: 1, warning: 2, error: 3 };

  it('counts every series without a filter, as check does', () => {
    const r = cli(['cohort', data, '--json']);
    assert.equal(r.code, 0, r.err);
    const c = JSON.parse(r.out);
    assert.equal(c.series, all.length);
    assert.equal(c.images, all.reduce((n, s) => n + s.images, 0));
    assert.equal(c.files, all.reduce((n, s) => n + s.files!, 0));
    assert.equal(c.patients, new Set(all.map((s) => s.PatientID)).size);
    assert.match(cli(['cohort', data]).out, /^Cohort: \d+ patients, \d+ stud(y|ies), \d+ series, \d+ slices/);
  });

  it('filters as each option says (the sets computed here from check --json)', () => {
    assert.deepEqual(csvUids(['--volumes-only']), uidsOf((s) => s.volume));
    assert.deepEqual(csvUids(['--modality', 'mr']), uidsOf((s) => s.Modality === 'MR'));
    assert.deepEqual(csvUids(['--max-thickness', '1.5']), uidsOf((s) => s.SliceThickness !== null && s.SliceThickness <= 1.5));
    assert.deepEqual(csvUids(['--min-step', '2', '--max-step', '2.45']), uidsOf((s) => !!s.spacing?.median && s.spacing.median >= 2 && s.spacing.median <= 2.45));
    assert.deepEqual(csvUids(['--min-images', '10']), uidsOf((s) => s.images >= 10));
    assert.deepEqual(csvUids(['--exclude-severity', 'warning']), uidsOf((s) => s.findings.every((f) => rank[f.severity] < 2)));
    assert.deepEqual(csvUids(['--where', 'images BETWEEN 4 AND 6 AND volume = 1']), uidsOf((s) => s.images >= 4 && s.images <= 6 && s.volume));
    // LUNA16's rule (the README's example).
    const luna = uidsOf((s) => s.Modality === 'CT' && s.volume && s.SliceThickness !== null && s.SliceThickness <= 2.5);
    assert.ok(luna.size > 3);
    assert.deepEqual(csvUids(['--modality', 'CT', '--max-thickness', '2.5', '--volumes-only']), luna);
  });

  it('writes a JSON manifest whose files are in slice order by the positions written', () => {
    const out = path.join(root, 'cohort.json');
    assert.equal(cli(['cohort', data, '--volumes-only', '--out', out]).code, 0);
    const m = JSON.parse(fs.readFileSync(out, 'utf8'));
    assert.equal(m.root, data);
    assert.equal(m.series.length, uidsOf((s) => s.volume).size);
    const byPath = new Map<string, { position: readonly number[] | null; orientation: readonly number[] }>();
    for (const c of Object.values(written)) for (const s of c.series) for (const f of s.files) byPath.set(path.relative(data, f.path).split(path.sep).join('/'), { position: f.values.ImagePositionPatient, orientation: f.values.ImageOrientationPatient });
    let checked = 0;
    for (const s of m.series) {
      // One path per SOP instance: a copy of a file is left out.
      const copies = all.find((x) => x.SeriesInstanceUID === s.SeriesInstanceUID)!.findings.some((f) => f.check === 'duplicate_sop_instance');
      if (copies) assert.ok(s.paths.length < s.files, s.SeriesInstanceUID);
      else assert.equal(s.paths.length, s.files, s.SeriesInstanceUID);
      const geo = s.paths.map((p: string) => byPath.get(p));
      if (geo.some((g: { position: unknown } | undefined) => !g?.position)) continue; // enhanced objects: one file, several frames
      const o = geo[0].orientation;
      const n = [o[1] * o[5] - o[2] * o[4], o[2] * o[3] - o[0] * o[5], o[0] * o[4] - o[1] * o[3]];
      const d = geo.map((g: { position: number[] }) => g.position[0] * n[0] + g.position[1] * n[1] + g.position[2] * n[2]);
      for (let i = 1; i < d.length; i++) assert.ok(d[i] > d[i - 1], `${s.SeriesInstanceUID}: ${d.join(' ')}`);
      for (const p of s.paths) assert.ok(fs.existsSync(path.join(m.root, p)));
      checked++;
    }
    assert.ok(checked >= 8, `${checked} series checked`);
    const reverse = m.series.find((s: { folder: string }) => s.folder.startsWith('reverse-file-names'));
    assert.ok(reverse, 'the reverse-named series is a volume');
    assert.notDeepEqual(reverse.paths, [...reverse.paths].sort(), 'slice order is not name order there');
  });

  it('writes typed Parquet that another reader (arrow-rs, through parquet-wasm) reads back as the CSV says', () => {
    const csvFile = path.join(root, 'p.csv');
    const pqFile = path.join(root, 'p.parquet');
    assert.equal(cli(['cohort', data, '--min-images', '3', '--out', csvFile]).code, 0);
    const r = cli(['cohort', data, '--min-images', '3', '--out', pqFile]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /Wrote PARQUET to /);
    const table = arrow.tableFromIPC(pw.readParquet(fs.readFileSync(pqFile)).intoIPCStream());
    const rows = parseCsv(fs.readFileSync(csvFile, 'utf8'));
    const header = rows[0];
    assert.equal(table.numRows, rows.length - 1);
    const type = (name: string) => String(table.schema.fields.find((f) => f.name === name)?.type);
    assert.equal(type('SeriesInstanceUID'), 'Utf8');
    assert.equal(type('images'), 'Int64');
    assert.equal(type('step'), 'Float64');
    assert.equal(type('volume'), 'Bool');
    assert.match(type('findings'), /^List<Utf8>$/);
    for (let i = 0; i < table.numRows; i++) {
      const row = table.get(i)!.toJSON() as Record<string, unknown>;
      const csv = Object.fromEntries(header.map((h, k) => [h, rows[i + 1][k]]));
      assert.equal(row.SeriesInstanceUID, csv.SeriesInstanceUID);
      assert.equal(Number(row.images), Number(csv.images));
      assert.equal(row.step === null ? '' : String(row.step), csv.step);
      assert.equal(row.volume, csv.volume === '1');
      const names = [...((row.findings as arrow.Vector | null)?.toArray() ?? [])];
      assert.deepEqual(names, csv.findings ? csv.findings.split('; ').map((f) => f.replace(/ \(\d+\)$/, '')) : []);
    }
    // No series: nothing to write as Parquet, and nothing written.
    const empty = cli(['cohort', data, '--min-images', '100000', '--out', path.join(root, 'empty.parquet')]);
    assert.equal(empty.code, 2);
    assert.match(empty.err, /holds no series/);
    assert.ok(!fs.existsSync(path.join(root, 'empty.parquet')));
  });

  it('refuses bad filters and unsafe targets with exit 2 and writes nothing', () => {
    const before = fs.readdirSync(root).sort();
    for (const args of [
      ['--where', 'nonsense('],
      ['--where', '1); DELETE FROM files; SELECT (1'],
      ['--where', 'images > 1 -- x'],
      ['--min-step', 'abc'],
      ['--exclude-severity', 'fatal'],
      ['--out', path.join(root, 'cohort.txt')],
      ['--out', path.join(data, '.dicom', 'index.sqlite')],
      ['--out', path.join(root, 'missing', 'c.csv')],
    ]) {
      const r = cli(['cohort', data, ...args]);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.out}${r.err}`);
      assert.match(r.err, /dicom-index: /);
    }
    assert.deepEqual(fs.readdirSync(root).sort(), before);
    // The index is untouched by the refused condition.
    assert.equal(JSON.parse(cli(['cohort', data, '--json']).out).series, all.length);
  });
});
