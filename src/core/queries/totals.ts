/**
 * The index's totals line ("10 patients · 1,292 images", the tree view's description), with the
 * same definitions as `dicom-index stats` (src/core/stats.ts): patients are the distinct non-empty
 * PatientIDs that have an indexed file; images are the DICOM files indexed (status ok or partial).
 * Two small queries instead of the whole statistics, so the tree can ask after every change.
 */
import { asStore, StoreLike } from '../store/source';

export interface IndexTotals {
  patients: number;
  images: number;
}

export async function indexTotals(source: StoreLike): Promise<IndexTotals> {
  const store = asStore(source);
  // patient_key has one row per PatientID; one whose files were all removed has no instance left.
  const [[patients]] = await store.rows(
    `SELECT COUNT(*) FROM patient_key p WHERE p.PatientID <> ''
       AND EXISTS (SELECT 1 FROM study_key st JOIN series_key se ON se.study_id = st.id JOIN instance i ON i.series_id = se.id WHERE st.patient_id = p.id)`,
  );
  // Every file less the ones that are not images, those through their partial index (files_status):
  // 2–10 ms at 244,000 files against 24–110 ms for counting the images in a scan of every file.
  const [[images]] = await store.rows("SELECT (SELECT COUNT(*) FROM files) - (SELECT COUNT(*) FROM files WHERE status <> 'ok' AND status <> 'partial')");
  return { patients: Number(patients ?? 0), images: Number(images ?? 0) };
}
