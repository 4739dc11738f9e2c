import { type EngineImage, type EngineInstance } from "./codecs/engine-core";
import { tilesCover } from "../../../core/sniff/avif-layout";
import { avifPlan, type AvifLayer, type AvifPlan } from "./avif-container";
import { openCicp, openProfile } from "./colour";
import { decodingAs, PipelineError } from "./errors";

/** The layer covers the canvas the way libavif requires: only the last row/column overhangs. */
function checkLayer(layer: AvifLayer, width: number, height: number, what: string): void {
  if (!tilesCover(layer, layer.tileWidth, layer.tileHeight, width, height)) {
    throw new PipelineError(`AVIF: the ${what} tiles do not cover the ${width}x${height} image`);
  }
}

/** Checks that the colour (and alpha) layers can be drawn on the canvas together, a row of tiles at a time. */
export function checkAvifLayers(plan: AvifPlan): void {
  const { colour, alpha, width, height } = plan;
  checkLayer(colour, width, height, "colour");
  if (!alpha) return;
  checkLayer(alpha, width, height, "alpha");
  if (alpha.rows !== colour.rows || alpha.cols !== colour.cols || alpha.tileWidth !== colour.tileWidth || alpha.tileHeight !== colour.tileHeight) {
    throw new PipelineError("AVIF: the alpha image is tiled differently from the colour image");
  }
}

/**
 * Decodes an AVIF's primary image with the engine's dav1d and resamples it to targetW x targetH
 * (stored orientation: irot/imir are applied later, as EXIF orientation) in one pass: each AV1
 * image is decoded into dav1d's own YUV frame, and its rows are converted to RGBA8 (libavif's
 * YUV -> RGB rules) straight into the resampler. A grid goes one row of tiles at a time, so the
 * frames alive at once are one row of tiles (colour + alpha), not the whole canvas. Colour is
 * weighted by alpha whenever the file has an alpha image. An embedded ICC profile is opened for
 * the caller's convertToSrgb, as the PNG and WebP decoders do.
 */
export function decodeAvifResized(
  inst: EngineInstance,
  bytes: Uint8Array,
  width: number,
  height: number,
  targetW: number,
  targetH: number,
): { image: EngineImage; transparent: boolean } {
  const plan = avifPlan(bytes);
  if (plan.width !== width || plan.height !== height) {
    throw new PipelineError(`AVIF: the image is ${plan.width}x${plan.height}, recorded ${width}x${height}`);
  }
  checkAvifLayers(plan);
  // An ICC profile wins over nclx, as in libavif. nclx alone is converted too (Display P3,
  // BT.2020, other SDR curves); sRGB's code points come out as an identity and are skipped.
  if (plan.profile) openProfile(inst, plan.profile.icc, plan.profile.kind);
  else if (plan.primaries >= 0) openCicp(inst, plan.primaries, plan.transfer);
  const { colour, alpha } = plan;
  const ex = inst.exports;
  const decode = (layer: AvifLayer, index: number, col: number, isAlpha: number): void => {
    const data = layer.tiles[index]!;
    const ptr = ex.eng_malloc(data.length);
    try {
      new Uint8Array(inst.memory.buffer, ptr, data.length).set(data);
      ex.ad_decode(col, isAlpha, ptr, data.length);
    } finally {
      ex.eng_free(ptr);
    }
    const w = ex.ad_info(col, isAlpha, 0), h = ex.ad_info(col, isAlpha, 1);
    if (w !== layer.tileWidth || h !== layer.tileHeight) {
      throw new PipelineError(`AVIF: an AV1 image decoded to ${w}x${h}, its ispe says ${layer.tileWidth}x${layer.tileHeight}`);
    }
  };

  return decodingAs("AVIF", () => {
    ex.ad_open(colour.tileWidth * colour.tileHeight, colour.cols);
    const rs = ex.rs_new(width, height, targetW, targetH, alpha ? 1 : 0);
    let transparent = false;
    for (let r = 0; r < colour.rows; r++) {
      for (let c = 0; c < colour.cols; c++) {
        decode(colour, r * colour.cols + c, c, 0);
        if (alpha) decode(alpha, r * colour.cols + c, c, 1);
      }
      const rows = Math.min(colour.tileHeight, height - r * colour.tileHeight);
      if (ex.ad_emit(rs, width, rows, plan.matrix, plan.primaries, plan.fullRange, alpha ? 1 : 0)) transparent = true;
      ex.ad_release();
    }
    ex.ad_close();
    return { image: { rs, width: targetW, height: targetH }, transparent };
  });
}
