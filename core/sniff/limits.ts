import { fail } from "./bytes";
import type { ImageFormat, ImageInfo, Limits } from "./types";

/**
 * Applies the size limits as soon as a parser knows a width/height. Zero or negative sizes are a
 * broken file (`invalid_image`); everything else over a limit is `image_too_large`.
 */
export function checkSize(width: number, height: number, limits: Limits, what = "image"): void {
  if (!(width >= 1 && height >= 1) || !Number.isInteger(width) || !Number.isInteger(height)) {
    fail(`${what} has a zero or invalid width/height`);
  }
  if (width > limits.maxSide || height > limits.maxSide) {
    fail(`${what} is ${width}x${height}; the maximum side is ${limits.maxSide}`, "image_too_large");
  }
  if (width * height > limits.maxPixels) {
    fail(`${what} is ${width}x${height}; the maximum is ${limits.maxPixels} pixels`, "image_too_large");
  }
  const aspect = Math.max(width, height) / Math.min(width, height);
  if (aspect > limits.maxAspect) {
    fail(`${what} aspect ratio ${width}x${height} exceeds ${limits.maxAspect}:1`, "image_too_large");
  }
}

/** Frame count and frames*canvas limits; call with the running count to stop bombs early. */
export function checkFrames(frames: number, width: number, height: number, limits: Limits): void {
  if (frames > limits.maxFrames) {
    fail(`animation has more than ${limits.maxFrames} frames`, "image_too_large");
  }
  if (frames * width * height > limits.maxTotalPixels) {
    fail(`animation exceeds ${limits.maxTotalPixels} pixels over all frames`, "image_too_large");
  }
}

/** Running sum of metadata bytes; throws `metadata_too_large` the moment the budget is exceeded. */
export class MetaBudget {
  total = 0;
  private readonly max: number;

  constructor(limits: Limits) {
    this.max = limits.maxMetadataBytes;
  }

  add(n: number): void {
    this.total += n;
    if (this.total > this.max) {
      fail(`image metadata exceeds ${this.max} bytes`, "metadata_too_large");
    }
  }
}

/** What the engine limits need from a parsed image. */
type EngineInfo = Pick<ImageInfo, "width" | "height" | "progressive" | "lossless" | "engineWeight">;

/**
 * The resize engine's measured per-encoding pixel limits (docs/performance.md): JPEG streams in
 * ≈1-2 MiB whatever its size, and a progressive one keeps only the DCT coefficients its scaled
 * decode reads, within the engine's memory budget (`maxPixels` alone); interlaced PNG keeps half
 * the image (weighs 1.5): `maxPixelsInterlaced`;
 * PNG, GIF and lossy WebP: `maxPixelsOther`; lossless WebP (a window of rows, but the input is
 * held twice): `maxPixelsLosslessWebp` and `maxBytesLosslessWebp`; AVIF keeps dav1d's decoded YUV
 * frame (plus the alpha frame), so its pixels are weighted by that frame's size as 8-bit 4:2:0 opaque pixels (avifPixelWeight: 10-bit
 * or 4:4:4 weighs ≈1.7, 10-bit 4:4:4 ≈3.2, an 8-bit alpha adds ≈0.5; files over 2 MiB weigh
 * more): `maxPixelsAvif`.
 */
export function checkEnginePixels(format: ImageFormat, info: EngineInfo, fileBytes: number, limits: Limits): void {
  const rule = engineRule(format, info, limits);
  if (rule.maxPixels !== undefined && info.width * info.height * rule.weight > rule.maxPixels) {
    const scaled = rule.weight === 1 ? `${rule.maxPixels} pixels` : `${Math.floor(rule.maxPixels / rule.weight)} pixels for its encoding`;
    fail(`${rule.kind} image is ${info.width}x${info.height}; the maximum for it is ${scaled}`, "image_too_large");
  }
  if (rule.maxBytes !== undefined && fileBytes > rule.maxBytes) {
    fail(`${rule.kind} file is ${fileBytes} bytes; the maximum for it is ${rule.maxBytes} bytes`, "image_too_large");
  }
}

/** Which of the limits above an encoding falls under, and how its pixels weigh against it. */
function engineRule(format: ImageFormat, info: EngineInfo, limits: Limits): { kind: string; weight: number; maxPixels?: number; maxBytes?: number } {
  // Interlaced PNG: its even rows (2 B/pixel) beside an input of up to MAX_UPLOAD_BYTES: weighs 1.5.
  if (format === "png" && info.progressive) return { kind: "interlaced PNG", weight: 1.5, maxPixels: limits.maxPixelsInterlaced };
  if (format === "avif") return { kind: "AVIF", weight: info.engineWeight ?? 1, maxPixels: limits.maxPixelsAvif };
  if (format === "webp" && info.lossless) {
    return { kind: "lossless WebP", weight: 1, maxPixels: limits.maxPixelsLosslessWebp, maxBytes: limits.maxBytesLosslessWebp };
  }
  if (format === "jpeg") return { kind: "JPEG", weight: 1 };
  return { kind: format.toUpperCase(), weight: 1, maxPixels: limits.maxPixelsOther };
}
