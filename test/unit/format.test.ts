/** The shared formatters (src/shared/format.ts): the one way the panel, the tree and the CLI write things. */
import * as assert from 'node:assert/strict';
import {
  conflictsSentence,
  countOf,
  duplicatesSentence,
  formatCount,
  formatDicomDate,
  formatDicomDateTime,
  formatNumber,
  formatPersonName,
  formatRange,
  formatTimestamp,
  NO_NAME,
} from '../../src/shared/format';

const noMissing = { PatientID: 0, StudyInstanceUID: 0, SeriesInstanceUID: 0, SOPInstanceUID: 0 };

describe('format: counts and numbers', () => {
  it('groups counts the en-US way', () => {
    assert.equal(formatCount(0), '0');
    assert.equal(formatCount(999), '999');
    assert.equal(formatCount(1292), '1,292');
    assert.equal(formatCount(244000), '244,000');
    assert.equal(formatCount(1234567), '1,234,567');
  });

  it('writes a measured value in its shortest form, float artefacts rounded away', () => {
    assert.equal(formatNumber(1.6000000238419), '1.6');
    assert.equal(formatNumber(1.25), '1.25');
    assert.equal(formatNumber(Number('1.250')), '1.25');
    assert.equal(formatNumber(5), '5');
    assert.equal(formatNumber(0.1 + 0.2), '0.3');
    assert.equal(formatNumber(650.181824), '650.182');
    assert.equal(formatNumber(0.703125), '0.703');
    assert.equal(formatNumber(0.0005), '0.001');
    assert.equal(formatNumber(0.0004), '0');
    assert.equal(formatNumber(-0.0004), '0', 'no "-0"');
    assert.equal(formatNumber(-2.5), '-2.5');
    assert.equal(formatNumber(1234.5), '1,234.5');
    assert.equal(formatNumber(3.2153846153846155, 1), '3.2');
    assert.equal(formatNumber(2.96, 1), '3');
    assert.equal(formatNumber(2.5, 0), '3');
  });

  it('writes "–" for what is not a number', () => {
    assert.equal(formatNumber(null), '–');
    assert.equal(formatNumber(undefined), '–');
    assert.equal(formatNumber(NaN), '–');
    assert.equal(formatNumber(Infinity), '–');
  });

  it('writes ranges with one style on both ends', () => {
    assert.equal(formatRange(1.25, 5, 'mm'), '1.25–5 mm');
    assert.equal(formatRange(0.8, 650.181824, 'mm'), '0.8–650.182 mm');
    assert.equal(formatRange(1.6000000238419, 1.6, 'mm'), '1.6 mm', 'ends that read the same are one number');
    assert.equal(formatRange(2.5, 2.5), '2.5');
    assert.equal(formatRange(1, 1234.5), '1–1,234.5');
    assert.equal(formatRange(null, 3, 'mm'), '3 mm');
    assert.equal(formatRange(3, undefined, 'mm'), '3 mm');
    assert.equal(formatRange(null, null, 'mm'), '');
    assert.equal(formatRange(NaN, NaN), '');
  });

  it('puts nouns in the number the count needs', () => {
    assert.equal(countOf(1, 'file'), '1 file');
    assert.equal(countOf(0, 'file'), '0 files');
    assert.equal(countOf(1292, 'file'), '1,292 files');
    assert.equal(countOf(2, 'study', 'studies'), '2 studies');
  });
});

describe('format: person names', () => {
  it('writes Family, Given Middle from the PN components', () => {
    assert.equal(formatPersonName('Äneas^Rüdiger'), 'Äneas, Rüdiger');
    assert.equal(formatPersonName('Doe^Archibald'), 'Doe, Archibald');
    assert.equal(formatPersonName('Last^First^mid^pre'), 'Last, pre First mid');
    assert.equal(formatPersonName('Last^First^mid^pre^suf'), 'Last, pre First mid suf');
    assert.equal(formatPersonName('Anonymized'), 'Anonymized');
    assert.equal(formatPersonName('^Given'), 'Given');
    assert.equal(formatPersonName(' Doe ^ John '), 'Doe, John');
    assert.equal(formatPersonName('Διονυσιος'), 'Διονυσιος');
  });

  it('uses the first component group that holds a name', () => {
    assert.equal(formatPersonName('Yamada^Tarou=山田^太郎=やまだ^たろう'), 'Yamada, Tarou');
    assert.equal(formatPersonName('=山田^太郎=やまだ^たろう'), '山田, 太郎');
    assert.equal(formatPersonName('Wang^XiaoDong=王^小東='), 'Wang, XiaoDong');
  });

  it('says "(no name)" for empty names, blanks and bare delimiters', () => {
    for (const pn of ['', '   ', '^^^^', '^', '^^^^=^^^^', '=', null, undefined]) assert.equal(formatPersonName(pn), NO_NAME, JSON.stringify(pn));
    assert.equal(NO_NAME, '(no name)');
    assert.equal(formatPersonName('^^^^', ''), '', 'a caller may ask for another empty text');
  });
});

describe('format: dates and times', () => {
  it('writes DICOM dates as ISO dates, both the DA form and the old dotted form', () => {
    assert.equal(formatDicomDate('19930430'), '1993-04-30');
    assert.equal(formatDicomDate('1993.04.30'), '1993-04-30');
    assert.equal(formatDicomDate(' 20240131 '), '2024-01-31');
    assert.equal(formatDicomDate('20000229'), '2000-02-29', 'a leap day');
  });

  it('shows a value that is not a date as it is', () => {
    assert.equal(formatDicomDate(''), '');
    assert.equal(formatDicomDate(null), '');
    assert.equal(formatDicomDate('2024'), '2024');
    assert.equal(formatDicomDate('20241340'), '20241340', 'month 13');
    assert.equal(formatDicomDate('20230229'), '20230229', 'not a leap year');
    assert.equal(formatDicomDate('19000229'), '19000229', '1900 was not a leap year');
    assert.equal(formatDicomDate('20240100'), '20240100', 'day 0');
    assert.equal(formatDicomDate('1993.0430'), '1993.0430');
    assert.equal(formatDicomDate('1993-04-30'), '1993-04-30');
    assert.equal(formatDicomDate('unknown'), 'unknown');
    assert.equal(formatDicomDate('20200101-20201231'), '20200101-20201231');
  });

  it('writes DICOM date-times in the same style, on the file\'s own clock', () => {
    assert.equal(formatDicomDateTime('20261201200312.5'), '2026-12-01 20:03');
    assert.equal(formatDicomDateTime('20261201200312.123456+0100'), '2026-12-01 20:03');
    assert.equal(formatDicomDateTime('202612012003'), '2026-12-01 20:03');
    assert.equal(formatDicomDateTime('2026120120'), '2026-12-01 20:00');
    assert.equal(formatDicomDateTime('20261201'), '2026-12-01');
    assert.equal(formatDicomDateTime('20261201250000'), '20261201250000', 'hour 25');
    assert.equal(formatDicomDateTime('20261301'), '20261301');
    assert.equal(formatDicomDateTime('now'), 'now');
    assert.equal(formatDicomDateTime(''), '');
  });

  it('writes the "indexed" time stamp in local time, minutes only', () => {
    const local = new Date(2026, 11, 1, 20, 3, 45, 678); // 1 December 2026, 20:03:45 here
    assert.equal(formatTimestamp(local.toISOString()), '2026-12-01 20:03');
    assert.equal(formatTimestamp(new Date(2026, 0, 5, 7, 9).toISOString()), '2026-01-05 07:09');
    assert.equal(formatTimestamp('not a time'), 'not a time');
    assert.equal(formatTimestamp(''), '');
    assert.equal(formatTimestamp(null), '');
  });
});

describe('format: the sentences about duplicates and conflicts', () => {
  it('says duplicated and missing SOP Instance UIDs plainly', () => {
    assert.equal(
      duplicatesSentence({ duplicateSopInstances: 17, duplicateSopFiles: 34, missingKeys: { ...noMissing, SOPInstanceUID: 17 } }),
      '17 SOP Instance UIDs appear in more than one file (34 extra files); 17 files have no SOP Instance UID',
    );
    assert.equal(
      duplicatesSentence({ duplicateSopInstances: 1, duplicateSopFiles: 1, missingKeys: { ...noMissing, SOPInstanceUID: 1 } }),
      '1 SOP Instance UID appears in more than one file (1 extra file); 1 file has no SOP Instance UID',
    );
    assert.equal(
      duplicatesSentence({ duplicateSopInstances: 1200, duplicateSopFiles: 2400, missingKeys: noMissing }),
      '1,200 SOP Instance UIDs appear in more than one file (2,400 extra files)',
    );
  });

  it('leaves out the half that is zero, and says nothing when both are', () => {
    assert.equal(duplicatesSentence({ duplicateSopInstances: 0, duplicateSopFiles: 0, missingKeys: { ...noMissing, SOPInstanceUID: 2 } }), '2 files have no SOP Instance UID');
    assert.equal(duplicatesSentence({ duplicateSopInstances: 3, duplicateSopFiles: 3, missingKeys: noMissing }), '3 SOP Instance UIDs appear in more than one file (3 extra files)');
    assert.equal(duplicatesSentence({ duplicateSopInstances: 0, duplicateSopFiles: 0, missingKeys: noMissing }), '');
  });

  it('names the levels whose files disagree, singular and plural right', () => {
    assert.equal(
      conflictsSentence({ conflicts: { patients: 3, studies: 1, series: 2 } }),
      '3 Patient IDs, 1 Study UID and 2 Series UIDs have files that disagree on their attributes (each file keeps its own values)',
    );
    assert.equal(conflictsSentence({ conflicts: { patients: 0, studies: 1, series: 0 } }), '1 Study UID has files that disagree on its attributes (each file keeps its own values)');
    assert.equal(conflictsSentence({ conflicts: { patients: 1, studies: 0, series: 1 } }), '1 Patient ID and 1 Series UID have files that disagree on their attributes (each file keeps its own values)');
    assert.equal(conflictsSentence({ conflicts: { patients: 0, studies: 0, series: 1234 } }), '1,234 Series UIDs have files that disagree on their attributes (each file keeps its own values)');
    assert.equal(conflictsSentence({ conflicts: { patients: 0, studies: 0, series: 0 } }), '');
  });
});
