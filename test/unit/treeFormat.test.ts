/** The tree's text helpers (src/extension/tree/format.ts, no vscode import): dates, names, millimetres. */
import * as assert from 'node:assert/strict';
import { formatDate, formatMm, formatPersonName } from '../../src/extension/tree/format';

describe('tree text', () => {
  it('DICOM dates as ISO dates: DA and the ACR-NEMA dotted form; anything else as it is', () => {
    assert.equal(formatDate('19930430'), '1993-04-30');
    assert.equal(formatDate('1993.04.30'), '1993-04-30');
    assert.equal(formatDate(' 19930430 '), '1993-04-30');
    assert.equal(formatDate('1993.0430'), '1993.0430');
    assert.equal(formatDate('April 1993'), 'April 1993');
    assert.equal(formatDate(''), '');
    assert.equal(formatDate(null), '');
  });

  it('person names: "Family, Given Middle", the first component group only', () => {
    assert.equal(formatPersonName('Äneas^Rüdiger'), 'Äneas, Rüdiger');
    assert.equal(formatPersonName('Yamada^Tarou=山田^太郎'), 'Yamada, Tarou');
    assert.equal(formatPersonName('^^^^'), '');
  });

  it('millimetres: one value, a range, none', () => {
    assert.equal(formatMm(1.25, 1.25), '1.25 mm');
    assert.equal(formatMm(1.6000000238419, 1.6000000238419), '1.6 mm');
    assert.equal(formatMm(1.25, 5), '1.25–5 mm');
    assert.equal(formatMm(null, null), '');
  });
});
