/**
 * One table row per SeriesInstanceUID. The index keeps a series once per study and patient row it
 * was found under, so one UID whose files disagree on their PatientID or StudyInstanceUID comes out
 * of the query as several rows; here they become one, its counts added up and its distinct values
 * joined, and the keywords the parts disagree on listed in `conflicts` (nothing is silently picked:
 * the row shows the first part's values and says which differ). Rows with no Series UID (`uid` '')
 * are groups of files, not series: they are left as they are. Pure: no `vscode`.
 */
import type { SeriesRow } from '../../shared/messages';

type Compared = 'patientId' | 'patientName' | 'studyDate' | 'modality' | 'description' | 'seriesNumber';

/** Attributes compared between the parts of one UID, with the DICOM keyword a conflict is named by. */
const COMPARED: [Compared, string][] = [
  ['patientId', 'PatientID'],
  ['patientName', 'PatientName'],
  ['studyDate', 'StudyDate'],
  ['modality', 'Modality'],
  ['description', 'SeriesDescription'],
  ['seriesNumber', 'SeriesNumber'],
];

const union = (a: string[], b: string[]) => [...new Set([...a, ...b])];

export function mergeSeriesRows(rows: SeriesRow[], sortSize: (a: string, b: string) => number): SeriesRow[] {
  const byUid = new Map<string, SeriesRow>();
  const out: SeriesRow[] = [];
  for (const r of rows) {
    const first = r.uid ? byUid.get(r.uid) : undefined;
    if (!first) {
      const own = { ...r, conflicts: [...r.conflicts] };
      if (r.uid) byUid.set(r.uid, own);
      out.push(own);
      continue;
    }
    const conflicts = new Set([...first.conflicts, ...r.conflicts]);
    for (const [field, keyword] of COMPARED) if (first[field] !== r[field]) conflicts.add(keyword);
    // Two parts of one UID are two study rows: when their PatientIDs agree, their StudyInstanceUIDs differ.
    if (first.patientId === r.patientId) conflicts.add('StudyInstanceUID');
    first.images += r.images;
    first.thickness = [...new Set([...first.thickness, ...r.thickness])].sort((a, b) => a - b);
    first.pixelSpacing = union(first.pixelSpacing, r.pixelSpacing).sort();
    first.size = union(first.size, r.size).sort(sortSize);
    first.conflicts = [...conflicts].sort();
  }
  return out;
}
