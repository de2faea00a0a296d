/** Value representations as the header reader meets them (PS3.5 6.2, 7.1.2) and as dicom-parser reads them. */

/** Every VR of PS3.5 6.2. */
export const VRS: readonly string[] = 'AE AS AT CS DA DS DT FD FL IS LO LT OB OD OF OL OV OW PN SH SL SQ SS ST SV TM UC UI UL UN UR US UT UV'.split(' ');
const VR_SET = new Set(VRS);

/** Whether two bytes spell a VR. */
export function isVr(a: number, b: number): boolean {
  return VR_SET.has(String.fromCharCode(a, b));
}

/** VRs with a 2-byte reserved field and a 4-byte length in explicit VR (PS3.5 7.1.2). */
export const LONG_LENGTH_VRS = new Set(['OB', 'OD', 'OF', 'OL', 'OV', 'OW', 'SQ', 'UC', 'UN', 'UR', 'UT', 'SV', 'UV']);

/** VRs dicom-parser reads with a 4-byte length (its getDataLengthSizeInBytesForVR; OV, SV and UV are not among them). */
export const DP_LONG_VRS = new Set(['OB', 'OD', 'OL', 'OW', 'SQ', 'OF', 'UC', 'UR', 'UT', 'UN']);

/**
 * Long VRs dicom-parser reads with a 2-byte length (so it misreads the element and everything after
 * it): the element loop reads these itself. OV holds the Extended Offset Table (7FE0,0001/0002).
 */
export const DP_MISREAD_VRS = new Set([...LONG_LENGTH_VRS].filter((vr) => !DP_LONG_VRS.has(vr)));
