import { EngineFailure, jpegBegin, jpegDecodeTo, jpegScaledSize, type EngineImage, type EngineInstance } from "./codecs/engine-core";
import { PipelineError } from "./errors";

/**
 * libjpeg warnings that mean the entropy-coded data is cut short or damaged: libjpeg then fills the
 * rest with grey and carries on. Others ("extraneous bytes before marker", unknown JFIF revision)
 * are harmless and common in camera files.
 */
const FATAL_WARNING = /premature end|bad huffman/i;

/**
 * The largest DCT scale-down (1/8, 1/4, 1/2) whose output still covers the target in both axes,
 * as libvips' shrink-on-load picks it; the resampler does the rest with Lanczos3.
 */
export function jpegScale(inst: EngineInstance, targetW: number, targetH: number): number {
  for (const denom of [8, 4, 2]) {
    const s = jpegScaledSize(inst, denom);
    if (s.width >= targetW && s.height >= targetH) return denom;
  }
  return 1;
}

/**
 * Decodes a JPEG at the scale its largest variant needs and resamples it to targetW x targetH
 * (stored orientation) in one pass: the compressed bytes are streamed in, rows are consumed as they
 * are decoded, and no full-size pixel buffer ever exists. Baseline JPEGs need ≈1-2 MiB of working
 * memory whatever their size; progressive ones keep libjpeg's coefficient buffer (≈3 B/pixel).
 */
export function decodeJpegResized(
  inst: EngineInstance,
  bytes: Uint8Array,
  width: number,
  height: number,
  targetW: number,
  targetH: number,
): { image: EngineImage; scale: number } {
  try {
    const header = jpegBegin(inst, bytes);
    if (header.width !== width || header.height !== height) {
      throw new PipelineError(`JPEG: header says ${header.width}x${header.height}, recorded ${width}x${height}`);
    }
    const scale = jpegScale(inst, targetW, targetH);
    const image = jpegDecodeTo(inst, scale, targetW, targetH);
    const fatal = inst.warnings.find((w) => FATAL_WARNING.test(w));
    if (fatal) throw new PipelineError(`JPEG: ${fatal.trim()} (truncated or corrupt data)`);
    return { image, scale };
  } catch (err) {
    if (err instanceof EngineFailure) throw new PipelineError(`JPEG: ${err.message}`, { cause: err });
    throw err;
  }
}
