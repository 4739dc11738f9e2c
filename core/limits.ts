import { z } from "zod";
import type { Limits } from "./sniff";

const positiveInt = z.coerce.number().int().positive();

/** Limits as configured in wrangler.toml vars; parsed once per isolate, defaults as in the contract. */
export const LimitVars = z.object({
  MAX_UPLOAD_BYTES: positiveInt.default(32 * 1024 * 1024),
  MAX_PIXELS: positiveInt.default(75_000_000),
  // Per-encoding limits measured for the resize engine (core/sniff/limits.ts checkEnginePixels).
  MAX_PIXELS_INTERLACED: positiveInt.default(20_000_000),
  MAX_PIXELS_OTHER: positiveInt.default(24_000_000),
  MAX_PIXELS_LOSSLESS_WEBP: positiveInt.default(24_000_000),
  MAX_PIXELS_AVIF: positiveInt.default(24_000_000),
  MAX_SIDE: positiveInt.default(16384),
  MAX_FRAMES: positiveInt.default(1000),
  MAX_TOTAL_PIXELS: positiveInt.default(250_000_000),
  MAX_ASPECT: positiveInt.default(50),
  MAX_METADATA_BYTES: positiveInt.default(1024 * 1024),
  UPLOAD_IDLE_TIMEOUT_SECONDS: positiveInt.default(30),
});
export type LimitVars = z.infer<typeof LimitVars>;

/**
 * Measured, not configured: a 24 MP lossless WebP peaks at ≈38 MiB plus twice its file size
 * (docs/performance.md), so 30 MiB keeps the job under 100 MiB.
 */
export const LOSSLESS_WEBP_MAX_BYTES = 30 * 2 ** 20;

export interface UploadLimits extends Limits {
  maxUploadBytes: number;
  /** A body that sends nothing for this long is refused with 408. */
  idleTimeoutMs: number;
}

export function parseLimits(vars: object): UploadLimits {
  const v = LimitVars.parse(vars);
  return {
    maxUploadBytes: v.MAX_UPLOAD_BYTES,
    idleTimeoutMs: v.UPLOAD_IDLE_TIMEOUT_SECONDS * 1000,
    maxPixels: v.MAX_PIXELS,
    maxPixelsInterlaced: v.MAX_PIXELS_INTERLACED,
    maxPixelsOther: v.MAX_PIXELS_OTHER,
    maxPixelsLosslessWebp: v.MAX_PIXELS_LOSSLESS_WEBP,
    maxPixelsAvif: v.MAX_PIXELS_AVIF,
    maxBytesLosslessWebp: LOSSLESS_WEBP_MAX_BYTES,
    maxSide: v.MAX_SIDE,
    maxFrames: v.MAX_FRAMES,
    maxTotalPixels: v.MAX_TOTAL_PIXELS,
    maxAspect: v.MAX_ASPECT,
    maxMetadataBytes: v.MAX_METADATA_BYTES,
  };
}
