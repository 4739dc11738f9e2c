import { fail } from "./bytes";
import type { Limits } from "./types";

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
