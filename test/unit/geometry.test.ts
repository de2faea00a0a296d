/** The geometry maths of the dataset checks (src/core/checks/geometry.ts) on hand-computed figures. */
import * as assert from 'node:assert/strict';
import { distinctWithin, median, parseDecimals, sliceNormal, spacingAlong, Vec3 } from '../../src/core/checks/geometry';
import { checkSeries, CheckFile, commonFolder } from '../../src/core/checks/seriesChecks';

const axial: Vec3 = [0, 0, 1];
const along = (zs: number[]): Vec3[] => zs.map((z) => [10, -20, z]);
const close = (a: number | null, b: number, tol = 1e-9) => assert.ok(a !== null && Math.abs(a - b) <= tol, `${a} ≈ ${b}`);

describe('geometry maths', () => {
  it('parses DICOM decimal lists of an exact length, or refuses them', () => {
    assert.deepEqual(parseDecimals('1\\-2.5\\3e1', 3), [1, -2.5, 30]);
    assert.deepEqual(parseDecimals(' 0.5 \\0.5', 2), [0.5, 0.5]);
    assert.equal(parseDecimals('1\\2', 3), null);
    assert.equal(parseDecimals('1\\\\3', 3), null);
    assert.equal(parseDecimals('1\\x\\3', 3), null);
    assert.equal(parseDecimals(null, 3), null);
  });

  it('takes the slice normal as row × column, unit length', () => {
    assert.deepEqual(sliceNormal([1, 0, 0, 0, 1, 0]), [0, 0, 1]);
    // Sagittal (rows along y, columns down z): the normal is −x.
    const n = sliceNormal([0, 1, 0, 0, 0, -1])!;
    assert.deepEqual(n.map((x) => x + 0), [-1, 0, 0]);
    // Not unit length on input: still a unit normal.
    const m = sliceNormal([2, 0, 0, 0, 2, 0])!;
    assert.deepEqual(m, [0, 0, 1]);
    assert.equal(sliceNormal([1, 0, 0, 1, 0, 0]), null);
  });

  it('groups values within a tolerance and takes medians', () => {
    const g = distinctWithin([[1, 0], [1.0004, 0], [1.1, 0]], 1e-3);
    assert.deepEqual(g.map((x) => x.count), [2, 1]);
    assert.equal(median([3, 1, 2]), 2);
    assert.equal(median([4, 1, 2, 3]), 2.5);
  });

  it('measures a regular series whatever the order of its images', () => {
    const s = spacingAlong(along([5, 0, 7.5, 2.5, 10]), axial);
    assert.deepEqual(s.order, [1, 3, 0, 2, 4]);
    assert.deepEqual(s.steps, [2.5, 2.5, 2.5, 2.5]);
    assert.equal(s.median, 2.5);
    assert.equal(s.missing + s.duplicates + s.irregular + s.gaps, 0);
    assert.equal(s.tiltDeg, 0);
  });

  it('counts missing slices as round(step / median) − 1 per long step', () => {
    const one = spacingAlong(along([0, 2.5, 5, 10, 12.5, 15]), axial);
    assert.equal(one.missing, 1);
    assert.equal(one.gaps, 1);
    const three = spacingAlong(along([0, 2.5, 5, 7.5, 17.5, 20, 22.5]), axial);
    assert.equal(three.missing, 3);
    assert.equal(three.max, 10);
    // 1.5 × the median is not yet a gap; a little more is.
    assert.equal(spacingAlong(along([0, 2, 4, 6, 9]), axial).missing, 0);
    // A step of 3.2 against a median of 2 is a gap; round(1.6) − 1 = 1 slice missing.
    assert.equal(spacingAlong(along([0, 2, 4, 6, 9.2]), axial).missing, 1);
  });

  it('finds images at one position, and steps off the median by more than 1 %', () => {
    const dup = spacingAlong(along([0, 2.5, 2.5, 2.505, 5, 7.5]), axial);
    assert.equal(dup.duplicates, 2);
    assert.equal(dup.median, 2.5);
    const alt = spacingAlong(along([0, 2.5, 5.1, 7.6, 10.2, 12.7]), axial);
    // Steps 2.5 2.6 2.5 2.6 2.5: median 2.5, two steps 4 % off.
    close(alt.median, 2.5, 1e-9);
    assert.equal(alt.irregular, 2);
    const noise = spacingAlong(along([0.0005, 2.4995, 5.0005, 7.4995, 10]), axial);
    assert.equal(noise.irregular, 0);
    assert.equal(noise.duplicates + noise.missing, 0);
  });

  it('measures gantry tilt as the angle between the normal and the line of positions', () => {
    const deg = 15;
    const r = (deg * Math.PI) / 180;
    // Rows along x; columns tilted about x by 15°: the normal leans 15° off z, positions advance along z.
    const n = sliceNormal([1, 0, 0, 0, Math.cos(r), -Math.sin(r)])!;
    const s = spacingAlong(along([0, 2.5, 5, 7.5]), n);
    close(s.tiltDeg, 15, 1e-9);
    close(s.median, 2.5 * Math.cos(r), 1e-9);
    // Feet first (descending z): no tilt.
    assert.equal(spacingAlong(along([10, 7.5, 5, 2.5]), axial).tiltDeg, 0);
  });

  it('names the longest common folder of a series', () => {
    assert.equal(commonFolder(['a/b/c', 'a/b/d', 'a/b']), 'a/b');
    assert.equal(commonFolder(['a', 'b']), '');
    assert.equal(commonFolder(['', 'x']), '');
  });
});

describe('series checks on values', () => {
  const file = (i: number, z: number | null, extra: Partial<CheckFile> = {}): CheckFile => ({
    fileId: i + 1,
    dir: 'p/s',
    sop: `1.2.${i}`,
    instanceNumber: i + 1,
    imageType: 'ORIGINAL\\PRIMARY\\AXIAL',
    position: z === null ? null : [0, 0, z],
    orientation: [1, 0, 0, 0, 1, 0],
    pixelSpacing: [0.7, 0.7],
    rows: 512,
    columns: 512,
    thickness: 2.5,
    numberOfFrames: null,
    frames: null,
    ...extra,
  });

  it('calls a regular series of three images a volume with no findings', () => {
    const v = checkSeries([0, 1, 2].map((i) => file(i, i * 2.5)));
    assert.equal(v.volume, true);
    assert.deepEqual(v.findings, []);
    assert.deepEqual(v.spacing, { min: 2.5, median: 2.5, max: 2.5 });
    assert.equal(v.folder, 'p/s');
  });

  it('does not call two images a volume, and says why spacing is missing', () => {
    const two = checkSeries([0, 1].map((i) => file(i, i * 2.5)));
    assert.equal(two.volume, false);
    assert.deepEqual(two.findings, []);
    const none = checkSeries([0, 1, 2].map((i) => file(i, i === 1 ? null : i * 2.5)));
    assert.equal(none.spacing, null);
    assert.match(none.spacingNote ?? '', /1 of 3 images has no position/);
    assert.deepEqual(none.findings.map((f) => [f.check, f.count]), [['no_geometry', 1]]);
  });

  it('counts a copy of a file once for every check but duplicate_sop_instance', () => {
    const files = [0, 1, 2].map((i) => file(i, i * 2.5));
    const v = checkSeries([...files, { ...files[1], fileId: 99 }]);
    assert.deepEqual(v.findings.map((f) => [f.check, f.count]), [['duplicate_sop_instance', 1]]);
    assert.equal(v.images, 3);
    assert.equal(v.files, 4);
    assert.equal(v.volume, true);
  });

  it('takes each frame of a multi-frame object as an image at its own position', () => {
    const frames = [0, 2.5, 5, 10].map((z) => ({ position: `0\\0\\${z}`, orientation: null, pixelSpacing: null, thickness: null }));
    const v = checkSeries([file(0, 0, { numberOfFrames: 4, frames })]);
    assert.equal(v.images, 4);
    assert.deepEqual(v.findings.map((f) => [f.check, f.count]), [['missing_slices', 1]]);
    assert.equal(v.volume, false);
  });

  it('orders files by position, not by name or number', () => {
    const v = checkSeries([file(0, 5), file(1, 0), file(2, 2.5, { instanceNumber: 3 })].map((f, k) => ({ ...f, instanceNumber: 3 - k })));
    assert.deepEqual(v.order, [2, 3, 1]);
  });
});
