import { av1Config } from "./avif-layout";
import type { Box } from "./bmff";

/** Bytes per pixel of dav1d's frame for an av1C: luma plus chroma planes, 2 bytes a sample above 8 bits. */
function av1FrameBytes(bytes: Uint8Array, av1C: Box | undefined): number {
  const c = av1Config(bytes, av1C);
  if (!c) return 6; // unknown: the worst case (4:4:4, >8 bits)
  const chroma = c.mono ? 0 : c.subsampledX && c.subsampledY ? 0.5 : c.subsampledX ? 1 : 2;
  return (1 + chroma) * (c.bitDepth > 8 ? 2 : 1);
}

/** dav1d's working memory besides the frame (loop-filter levels and masks, CDEF/LR lines), B/pixel. */
const DAV1D_WORK = 0.55;
/** An 8-bit 4:2:0 opaque pixel, the unit of `maxPixelsAvif`: its frame plus dav1d's working memory. */
const UNIT = 1.5 + DAV1D_WORK;
/** File bytes the budget already covers (measured at the limit with small files). */
const FREE_FILE_BYTES = 2 * 1024 * 1024;

/**
 * How many 8-bit 4:2:0 opaque pixels an AVIF weighs for the resize engine (at least 1 each). Its
 * dav1d keeps the decoded YUV frame (1.5 B/pixel at 8-bit 4:2:0, 6 at 10/12-bit 4:4:4), an alpha
 * frame when there is one, and its working memory; the AV1 data is copied into WebAssembly memory
 * beside the JS copy, so file bytes beyond the first 2 MiB count twice. `colour` and `alpha` are the
 * av1C boxes of the coded images (a grid's first tile), as parseAvif has found and checked them;
 * `alpha` is null when there is no alpha image (the engine draws at most one).
 */
export function avifPixelWeight(fileBytes: Uint8Array, width: number, height: number, colour: Box | undefined, alpha: Box | undefined | null): number {
  let total = av1FrameBytes(fileBytes, colour);
  if (alpha !== null) total += av1FrameBytes(fileBytes, alpha);
  const pixels = Math.max(1, width * height);
  return Math.max(1, (total + DAV1D_WORK + (2 * Math.max(0, fileBytes.length - FREE_FILE_BYTES)) / pixels) / UNIT);
}
