/** encodePng: an 8-bit grey or RGB image to PNG bytes, with pngjs (maintained, pure JavaScript, node's zlib). */
import { PNG } from 'pngjs';
import type { RenderedImage } from './render';

export function encodePng(img: RenderedImage): Buffer {
  const colorType = img.channels === 3 ? 2 : 0;
  return PNG.sync.write({ width: img.width, height: img.height, data: Buffer.from(img.data.buffer, img.data.byteOffset, img.data.byteLength) } as PNG, {
    colorType,
    inputColorType: colorType,
    inputHasAlpha: false,
    bitDepth: 8,
  });
}
