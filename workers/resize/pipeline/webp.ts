import { type EngineImage, type EngineInstance } from "./codecs/engine-core";
import { decodingAs, PipelineError } from "./errors";
import { readWebp } from "./webp-container";
import { openProfile } from "./colour";
import { hasTransparency } from "./pixels";

/**
 * How much libwebp shrinks while decoding: down to twice the target (an area average, like
 * libvips' box pre-shrink), leaving Lanczos3 a factor of about 2; never enlarges.
 */
function preShrink(from: number, to: number): number {
  return Math.max(1, from / (2 * to));
}

/**
 * Decodes a WebP still, or an animation's first frame on its canvas, with the engine's libwebp:
 * decoded straight to at most twice the target size (libwebp's area-average rescaler works row by
 * row), placed on the canvas at that scale for animations, then resampled with Lanczos3.
 * Colour is weighted by alpha when any pixel is transparent.
 */
export function decodeWebpResized(inst: EngineInstance, bytes: Uint8Array, width: number, height: number, targetW: number, targetH: number): { image: EngineImage; transparent: boolean } {
  const { animationFrame: frame, icc } = readWebp(bytes);
  const canvasW = frame?.canvasWidth ?? width;
  const canvasH = frame?.canvasHeight ?? height;
  if (canvasW !== width || canvasH !== height) throw new PipelineError(`WebP: canvas is ${canvasW}x${canvasH}, recorded ${width}x${height}`);
  const bitstream = frame?.bytes ?? bytes;
  if (icc) openProfile(inst, icc, "rgb");
  const kx = preShrink(width, targetW);
  const ky = preShrink(height, targetH);
  const ex = inst.exports;
  const view = (ptr: number, length: number) => new Uint8Array(inst.memory.buffer, ptr, length);

  const { decoded, sw, sh } = decodingAs("WebP", () => {
    const input = ex.eng_malloc(bitstream.length);
    try {
      view(input, bitstream.length).set(bitstream);
      const packed = ex.wd_size(input, bitstream.length);
      const fw = Math.floor(packed / 65536), fh = packed % 65536;
      if (fw !== (frame?.frameWidth ?? width) || fh !== (frame?.frameHeight ?? height)) {
        throw new PipelineError(`WebP: the bitstream is ${fw}x${fh}, its header says otherwise`);
      }
      const [sw, sh] = [Math.max(1, Math.round(fw / kx)), Math.max(1, Math.round(fh / ky))];
      return { decoded: ex.wd_decode(input, bitstream.length, sw, sh), sw, sh };
    } finally {
      ex.eng_free(input);
    }
  });

  let source = decoded;
  let srcW = sw, srcH = sh;
  let canvas = 0;
  if (frame) {
    // The first frame on a transparent canvas, both at the box-shrunk scale.
    srcW = Math.max(1, Math.round(width / kx));
    srcH = Math.max(1, Math.round(height / ky));
    canvas = ex.eng_malloc(srcW * srcH * 4);
    view(canvas, srcW * srcH * 4).fill(0);
    const x0 = Math.min(srcW - 1, Math.round(frame.x / kx)), y0 = Math.min(srcH - 1, Math.round(frame.y / ky));
    const w = Math.min(sw, srcW - x0), h = Math.min(sh, srcH - y0);
    for (let y = 0; y < h; y++) {
      view(canvas + ((y0 + y) * srcW + x0) * 4, w * 4).set(view(decoded + y * sw * 4, w * 4));
    }
    source = canvas;
  }
  const transparent = hasTransparency({ data: view(source, srcW * srcH * 4) });
  const rs = ex.rs_resize(source, srcW, srcH, targetW, targetH, transparent ? 1 : 0);
  ex.wd_free();
  if (canvas) ex.eng_free(canvas);
  return { image: { rs, width: targetW, height: targetH }, transparent };
}
