/** The decoded frame, the decode options and the error every decoding failure becomes. */

/** A window the file declares (WindowCenter/WindowWidth, with its WindowCenterWidthExplanation). */
export interface FileWindow {
  center: number;
  width: number;
  explanation?: string;
}

export type StoredArray = Uint8Array | Int8Array | Uint16Array | Int16Array | Uint32Array | Int32Array | Float32Array | Float64Array;

export interface DecodedFrame {
  rows: number;
  columns: number;
  /** 1 (grey) or 3 (colour, always interleaved RGB after conversion from YBR/palette/planar). */
  samplesPerPixel: 1 | 3;
  /** The file's PhotometricInterpretation (before any conversion), e.g. `MONOCHROME1`, `YBR_FULL_422`. */
  photometric: string;
  /** BitsStored of the file (8 for palette colour after lookup: palette output is scaled to 8 bits). */
  bitsStored: number;
  /** Whether the stored values are signed (PixelRepresentation 1). */
  signed: boolean;
  /** rows × columns × samplesPerPixel stored values, masked to BitsStored and sign-extended. */
  data: StoredArray;
  /** Modality LUT: RescaleSlope (1 when absent). */
  rescaleSlope: number;
  /** Modality LUT: RescaleIntercept (0 when absent). */
  rescaleIntercept: number;
  /** The file's windows, in its order (may be empty). */
  windows: FileWindow[];
  /** VOILUTFunction: `LINEAR` (default), `LINEAR_EXACT` or `SIGMOID`. */
  voiLutFunction: string;
  /** NumberOfFrames of the file (1 when absent). */
  frameCount: number;
  /** The transfer syntax UID the pixel data was stored with. */
  transferSyntax: string;
  /** Which frame this is (0-based). */
  frameIndex: number;
}

export interface DecodeOptions {
  /** The largest decoded frame accepted, in bytes (default DEFAULT_MAX_FRAME_BYTES). */
  maxFrameBytes?: number;
  /**
   * For statistics of the stored values: no palette lookup and no YBR→RGB conversion where this
   * decoder would do it (a codec that converts by itself, JPEG baseline, still does). Then a palette
   * frame has 1 sample (the indices), and native YBR_FULL_422 2 values a pixel.
   */
  storedColour?: boolean;
}

/** 256 MiB: a 8192×8192 16-bit RGB frame is 384 MiB and is refused by default. */
export const DEFAULT_MAX_FRAME_BYTES = 256 * 1024 * 1024;

/** Why a frame cannot be decoded, in one line a person can act on. */
export class PixelError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PixelError';
  }
}
