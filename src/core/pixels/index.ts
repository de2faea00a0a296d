/**
 * Pixel decoding and rendering of one frame of one DICOM file (no `vscode`).
 *
 * The API (stable; the editor codes against it):
 * - `decodeFrame(filePath, frameIndex = 0, opts?)` → `DecodedFrame`: one frame's stored values after
 *   decompression and colour conversion (colour is always interleaved RGB, 3 samples), BitsStored
 *   masking and sign extension applied. Rejects with a `PixelError` whose message a person can read.
 * - `decodeFrameOf(filePath, header, frameIndex, opts?)`: the same with a header already read (readHeader).
 * - `frameCount(filePath)` → NumberOfFrames (1 when absent), from the header only.
 * - `renderFrame(frame, opts)` → 8-bit display values: Modality LUT, then VOI (the file's first
 *   window by default, or an explicit {center,width}, or a preset name), MONOCHROME1 inverted;
 *   `size` scales the longer side by area averaging, aspect kept (never up).
 * - `encodePng(img)` → PNG bytes (8-bit grey or RGB).
 * - `renderWindow(frame, choice)`: the window and VOI function a render uses (for labels).
 * The window/level math itself is in `src/shared/voi.ts` (browser-safe) for the webview.
 *
 * Codecs load on the first compressed frame of their kind. Measured first-decode costs (README,
 * `npm run bench:decode`): with V8's defaults (the extension host) OpenJPEG's first 512×512 frame takes
 * about 0.9 s (V8 compiles its hot code then), later ones about 90 ms; the others under 0.3 s first.
 */
export type { DecodedFrame, DecodeOptions, FileWindow } from './types';
export { PixelError, DEFAULT_MAX_FRAME_BYTES } from './types';
export type { RenderOptions, RenderedImage } from './render';
export { decodeFrame, decodeFrameOf, frameCount } from './decode';
export { colourTo8Bits, renderFrame, renderWindow } from './render';
export { encodePng } from './png';
