/**
 * The VOI functions of src/shared/voi.ts against values worked out by hand from PS3.3
 * C.11.2.1.2.1 (LINEAR), C.11.2.1.3.2 (LINEAR_EXACT) and C.11.2.1.3.1 (SIGMOID), output 0..255.
 */
import * as assert from 'node:assert/strict';
import { buildLut8, chooseVoi, modality, parseWindowChoice, PRESETS, resolveWindow, voiFunction, voiLinear, voiLinearExact, voiSigmoid } from '../../src/shared/voi';

const close = (a: number, b: number, eps = 1e-9) => assert.ok(Math.abs(a - b) <= eps, `${a} vs ${b}`);

describe('VOI LUT functions (PS3.3 C.11.2.1.2–3)', () => {
  it('Modality LUT: stored × slope + intercept', () => {
    assert.equal(modality(1024, 1, -1024), 0);
    assert.equal(modality(0, 1, -1024), -1024);
    close(modality(100, 0.5, 3.25), 53.25);
  });

  it('LINEAR, c = 40, w = 400: the edges at c − 0.5 ∓ (w − 1)/2 = −160 and 239', () => {
    // x ≤ c − 0.5 − (w−1)/2 = 40 − 0.5 − 199.5 = −160 → 0
    assert.equal(voiLinear(-160, 40, 400, 0, 255), 0);
    assert.equal(voiLinear(-1000, 40, 400, 0, 255), 0);
    // x > c − 0.5 + (w−1)/2 = 239 → 255
    assert.equal(voiLinear(239.0001, 40, 400, 0, 255), 255);
    // x = 40: ((40 − 39.5)/399 + 0.5) × 255 = (0.00125313… + 0.5) × 255 = 127.8195…
    close(voiLinear(40, 40, 400, 0, 255), ((0.5 / 399) + 0.5) * 255);
    close(voiLinear(40, 40, 400, 0, 255), 127.81954887218046, 1e-9);
    // x = 239: ((239 − 39.5)/399 + 0.5) × 255 = (0.5 + 0.5) × 255 = 255
    close(voiLinear(239, 40, 400, 0, 255), 255);
    // x = −159: ((−159 − 39.5)/399 + 0.5) × 255 = (−0.497494 + 0.5) × 255 = 0.639097…
    close(voiLinear(-159, 40, 400, 0, 255), 0.6390977443609023, 1e-9);
  });

  it('LINEAR with width 1 is a threshold at c − 0.5', () => {
    assert.equal(voiLinear(99.5, 100, 1, 0, 255), 0);
    assert.equal(voiLinear(99.6, 100, 1, 0, 255), 255);
  });

  it('LINEAR_EXACT, c = 40, w = 400: the edges at c ∓ w/2 = −160 and 240', () => {
    assert.equal(voiLinearExact(-160, 40, 400, 0, 255), 0);
    assert.equal(voiLinearExact(240.5, 40, 400, 0, 255), 255);
    // x = 40: ((40 − 40)/400 + 0.5) × 255 = 127.5
    close(voiLinearExact(40, 40, 400, 0, 255), 127.5);
    // x = 140: (100/400 + 0.5) × 255 = 191.25
    close(voiLinearExact(140, 40, 400, 0, 255), 191.25);
    // x = 240 (not > c + w/2): (200/400 + 0.5) × 255 = 255
    close(voiLinearExact(240, 40, 400, 0, 255), 255);
    // A width below 1, which LINEAR cannot take: c = 0, w = 0.5, x = 0.125 → (0.25 + 0.5) × 255
    close(voiLinearExact(0.125, 0, 0.5, 0, 255), 191.25);
  });

  it('SIGMOID, c = 40, w = 400: (ymax − ymin) / (1 + exp(−4 (x − c)/w)) + ymin', () => {
    close(voiSigmoid(40, 40, 400, 0, 255), 127.5);
    // x = 140: 255 / (1 + e^−1) = 255 / 1.3678794… = 255 × 0.7310585786 = 186.4199…
    close(voiSigmoid(140, 40, 400, 0, 255), 255 / (1 + Math.exp(-1)));
    close(voiSigmoid(140, 40, 400, 0, 255), 186.41993755065124, 1e-9);
    // x = −60: 255 / (1 + e^1) = 255 × 0.2689414214 = 68.5801…
    close(voiSigmoid(-60, 40, 400, 0, 255), 68.58006244934876, 1e-9);
    // never quite the ends
    assert.ok(voiSigmoid(5000, 40, 400, 0, 255) <= 255 && voiSigmoid(5000, 40, 400, 0, 255) > 254.99);
  });

  it('VOILUTFunction picks the function; absent or unknown is LINEAR', () => {
    assert.equal(voiFunction('LINEAR_EXACT'), voiLinearExact);
    assert.equal(voiFunction('SIGMOID '), voiSigmoid);
    assert.equal(voiFunction(undefined), voiLinear);
    assert.equal(voiFunction('WHATEVER'), voiLinear);
  });

  it('presets and window choices', () => {
    assert.deepEqual(PRESETS.lung, { center: -600, width: 1500 });
    assert.deepEqual(PRESETS.mediastinum, { center: 40, width: 400 });
    assert.deepEqual(PRESETS.bone, { center: 400, width: 1800 });
    assert.deepEqual(PRESETS.brain, { center: 40, width: 80 });
    assert.deepEqual(parseWindowChoice('-600/1500'), { center: -600, width: 1500 });
    assert.deepEqual(parseWindowChoice('40.5/80'), { center: 40.5, width: 80 });
    assert.equal(parseWindowChoice('bone'), 'bone');
    assert.equal(parseWindowChoice('file'), 'file');
    assert.equal(parseWindowChoice('40/0'), null);
    assert.equal(parseWindowChoice('40'), null);
    assert.equal(parseWindowChoice('lungs'), null);
    const file = [{ center: 50, width: 350 }, { center: -500, width: 1400 }];
    assert.deepEqual(resolveWindow('file', file), { center: 50, width: 350 });
    assert.deepEqual(resolveWindow(undefined, file), { center: 50, width: 350 });
    assert.deepEqual(resolveWindow('lung', file), { center: -600, width: 1500 });
    assert.equal(resolveWindow('file', []), null);
    assert.equal(resolveWindow('file', [{ center: 1, width: 0 }]), null);
  });

  it("chooseVoi: the file's window with its function, a drag from it too; presets and other windows LINEAR; no window LINEAR_EXACT over the range", () => {
    const file = [{ center: -600, width: 1500 }];
    const range = (): [number, number] => [-1024, 3071];
    assert.deepEqual(chooseVoi('file', file, 'SIGMOID', range), { window: { center: -600, width: 1500 }, fn: voiSigmoid, source: 'file' });
    assert.equal(chooseVoi(undefined, file, 'LINEAR_EXACT', range).fn, voiLinearExact);
    assert.deepEqual(chooseVoi('bone', file, 'SIGMOID', range), { window: PRESETS.bone, fn: voiLinear, source: 'preset' });
    assert.equal(chooseVoi({ center: 10, width: 20 }, file, 'SIGMOID', range).fn, voiLinear);
    assert.equal(chooseVoi({ center: 10, width: 20, fileFunction: true }, file, 'SIGMOID', range).fn, voiSigmoid, 'dragged from the file window');
    assert.equal(chooseVoi({ center: 10, width: 20, fileFunction: true }, [], 'SIGMOID', range).fn, voiLinear, 'no file window to drag from');
    let asked = 0;
    const counted = (): [number, number] => (asked++, [3071, -1024]);
    assert.deepEqual(chooseVoi('file', [], 'SIGMOID', counted), { window: { center: 1023.5, width: 4095 }, fn: voiLinearExact, source: 'range' });
    chooseVoi('file', file, 'LINEAR', counted);
    assert.equal(asked, 1, 'the range is asked only when there is no window');
  });

  it('buildLut8: modality, then VOI, rounded; MONOCHROME1 inverted', () => {
    // Stored −1 … 2 with slope 100, intercept 40 → HU −60, 40, 140, 240; LINEAR_EXACT 40/400.
    const lut = buildLut8(-1, 2, 100, 40, { center: 40, width: 400 }, voiLinearExact, false);
    assert.deepEqual([...lut], [Math.round(((-100 / 400) + 0.5) * 255), 128, 191, 255]);
    const inv = buildLut8(-1, 2, 100, 40, { center: 40, width: 400 }, voiLinearExact, true);
    assert.deepEqual([...inv], [255 - 64, 255 - 128, 255 - 191, 0]);
  });
});
