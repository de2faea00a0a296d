/**
 * dicom-index render FILE [--frame N] [--window C/W | lung | mediastinum | bone | brain | file]
 *                         [--size PX] --out FILE.png
 * One frame as an 8-bit grey (or RGB) PNG: the Modality LUT, then the window (the file's first by
 * default), MONOCHROME1 inverted; --size scales the longer side down (area averaging). The target
 * follows the exports' rules (src/core/export/target.ts): a new file, or an ordinary file to replace,
 * never a DICOM file, a database, a folder or a link; written atomically.
 */
import * as path from 'node:path';
import { checkExportTarget, NO_LOCAL_INDEX } from '../core/export/target';
import { writeFileAtomic } from '../core/atomicFile';
import { parseWindowChoice } from '../shared/voi';
import { existingFile, onePositional, parse, UsageError } from './args';

export const RENDER_USAGE = `  dicom-index render <file> [--frame N] [--window C/W | lung | mediastinum | bone | brain | file]
                    [--size PX] --out FILE.png`;

export const RENDER_HELP = `render   One frame of a DICOM file as an 8-bit PNG (grey, or RGB for colour images): the
         rescale (HU for CT), then the window: the file's first (default, with its VOILUTFunction),
         C/W (e.g. --window -600/1500), or a preset (lung -600/1500, mediastinum 40/400,
         bone 400/1800, brain 40/80); MONOCHROME1 inverted. --frame N (1-based, default 1);
         --size PX scales the longer side down to PX (area averaging, aspect kept).
         A file that cannot be decoded exits 1 with the reason.`;

/** `--window -600/1500`: node's parser takes a value starting with '-' for an option; joined as `--window=-600/1500`. */
function joinNegativeWindow(args: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--window' && i + 1 < args.length && /^-\d/.test(args[i + 1])) out.push(`--window=${args[++i]}`);
    else out.push(args[i]);
  }
  return out;
}

export async function cmdRender(argv: string[]): Promise<number> {
  const args = joinNegativeWindow(argv);
  const { values, positionals } = parse(args, { frame: { type: 'string' }, window: { type: 'string' }, size: { type: 'string' }, out: { type: 'string' } });
  const file = existingFile(onePositional(positionals, 'file'));
  if (!values.out) throw new UsageError('give --out FILE.png');
  const out = path.resolve(values.out);
  if (!/\.png$/i.test(out)) throw new UsageError(`--out ${values.out}: the name must end in .png`);
  const frame = values.frame === undefined ? 1 : Number(values.frame);
  if (!Number.isInteger(frame) || frame < 1) throw new UsageError(`--frame ${values.frame}: a frame number from 1`);
  const window = values.window === undefined ? 'file' : parseWindowChoice(values.window);
  if (window === null) throw new UsageError(`--window ${values.window}: give C/W (e.g. -600/1500, width > 0), lung, mediastinum, bone, brain or file`);
  const size = values.size === undefined ? undefined : Number(values.size);
  if (size !== undefined && (!Number.isInteger(size) || size < 1 || size > 65535)) throw new UsageError(`--size ${values.size}: a number of pixels from 1 to 65535`);
  checkExportTarget(out, NO_LOCAL_INDEX);
  const { decodeFrame, renderFrame, encodePng, PixelError } = await import('../core/pixels');
  let png: Buffer;
  try {
    const decoded = await decodeFrame(file, frame - 1);
    png = encodePng(renderFrame(decoded, { window, size }));
  } catch (e) {
    if (e instanceof PixelError) {
      process.stderr.write(`dicom-index: ${file}: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
  // Again just before the write: decoding can take a second, and what is at --out may have changed.
  checkExportTarget(out, NO_LOCAL_INDEX);
  writeFileAtomic(out, png);
  process.stdout.write(`Wrote ${out}\n`);
  return 0;
}
