import { jpegBegin, jpegDecodeTo, jpegScaledSize, type EngineImage, type EngineInstance } from "./codecs/engine-core";
import { liveWasmBytes } from "./codecs/slot";
import { decodingAs, PipelineError } from "./errors";
import { ISOLATE_BUDGET_BYTES } from "./memory";

/**
 * libjpeg warnings that mean the entropy-coded data is cut short or damaged: libjpeg then fills the
 * rest with grey and carries on. Others ("extraneous bytes before marker", unknown JFIF revision)
 * are harmless and common in camera files.
 */
const FATAL_WARNING = /premature end|bad huffman/i;

/** Held beside the coefficients while decoding and after: libjpeg's strips, the resampler, encoders. */
const WORKING_SET_BYTES = 16 * 2 ** 20;

/**
 * DCT scales (N/8) to try, smallest first. Baseline files use libvips' shrink-on-load steps. For
 * progressive ones the compact coefficient store keeps what the scaled IDCT reads: 1 value a block
 * at 1/8, 9 at 3/8, but 25 at 2/8 and 49 at 4/8 (jidctred.c reads odd frequencies too), so those
 * two are skipped for the next size up, which costs less memory and as much time.
 */
const BASELINE_SCALES = [1, 2, 4, 8];
const PROGRESSIVE_SCALES = [1, 3, 5, 6, 7, 8];

/** The smallest DCT scale (numerator over 8) whose output still covers the target in both axes. */
export function jpegScale(inst: EngineInstance, targetW: number, targetH: number, progressive: boolean): number {
  for (const num of progressive ? PROGRESSIVE_SCALES : BASELINE_SCALES) {
    const s = jpegScaledSize(inst, num);
    if (s.width >= targetW && s.height >= targetH) return num;
  }
  return 8;
}

/**
 * Decodes a JPEG at the scale its largest variant needs and resamples it to targetW x targetH
 * (stored orientation) in one pass: the compressed bytes are streamed in, rows are consumed as they
 * are decoded, and no full-size pixel buffer ever exists. Baseline JPEGs need ≈1-2 MiB of working
 * memory whatever their size; progressive ones hold their coefficients in the engine's compact
 * store (jpeg-coefs.c), which may take what the isolate budget leaves after the input, the live
 * WebAssembly memories and a working set: a file that needs more is a PipelineError, not an
 * out-of-memory crash.
 */
export function decodeJpegResized(
  inst: EngineInstance,
  bytes: Uint8Array,
  width: number,
  height: number,
  targetW: number,
  targetH: number,
  budgetBytes = ISOLATE_BUDGET_BYTES,
): { image: EngineImage; scale: string; coefficientBytes?: number } {
  return decodingAs("JPEG", () => {
    const header = jpegBegin(inst, bytes);
    if (header.width !== width || header.height !== height) {
      throw new PipelineError(`JPEG: header says ${header.width}x${header.height}, recorded ${width}x${height}`);
    }
    const num = jpegScale(inst, targetW, targetH, header.progressive);
    const held = bytes.length + Math.max(liveWasmBytes(), inst.memory.buffer.byteLength) + targetW * targetH * 4 * 2;
    const coefBudget = Math.max(0, budgetBytes - held - WORKING_SET_BYTES);
    const image = jpegDecodeTo(inst, num, targetW, targetH, coefBudget);
    const fatal = inst.warnings.find((w) => FATAL_WARNING.test(w));
    if (fatal) throw new PipelineError(`JPEG: ${fatal.trim()} (truncated or corrupt data)`);
    return { image, scale: `${num}/8`, coefficientBytes: header.progressive ? inst.exports.jd_coefficient_bytes() : undefined };
  });
}
