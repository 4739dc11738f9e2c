/**
 * Structural image validation from the bytes alone: detects the format by magic numbers, reads
 * size / frames / orientation from headers, applies the size limits as soon as the header is known
 * (before anything else is walked), then validates the whole container without decoding pixels.
 * Pure TypeScript over Uint8Array: runs unchanged in workerd and Node.
 *
 * Policy decisions (details next to the code):
 * - JPEG: SOF0/1/2 with 8-bit samples only; lossless, hierarchical, arithmetic, JPEG-LS and 12-bit
 *   are `unsupported_media_type` (jpeg.ts). After EOI we accept padding, further complete JPEG
 *   streams (MPF images), an MP4 whose boxes run exactly to EOF (motion photos), a consistent
 *   Samsung SEF trailer (sef.ts), or <= 64 KiB of opaque data; every trailer is scanned for
 *   HTML/script/archive payloads.
 * - PNG: every CRC, chunk order, IHDR combinations, and the zlib stream is inflated (streamed, only
 *   its 32 KiB window kept) to prove it comes to exactly the size IHDR implies and that every row
 *   starts with a filter type 0..4. Nothing but <= 16 NUL bytes after IEND. APNG is a PNG whose
 *   frame count comes from acTL (checked against fcTL/fdAT); each frame's fdAT data is checked
 *   like IDAT, at the frame's size.
 * - GIF: every frame's LZW stream is validated; out-of-range codes and frames that decode to fewer
 *   pixels than their size are `invalid_image` (surplus data after a full frame is ignored, as
 *   decoders do). The trailer is required; <= 4 KiB of scanned data may follow it (whirlgif).
 * - AVIF: stills only; image sequences (`avis`, moov) are `unsupported_media_type`, like the
 *   reference decoder. HEIF files with a non-AV1 primary item (HEIC) are `unsupported_media_type`.
 * - A file that is also a ZIP (consistent end-of-central-directory near EOF) is `invalid_image`.
 */
import { AppError } from "../errors";
import { fail, peek, startsWith } from "./bytes";
import { AVIF_BRANDS, HEIF_GENERIC_BRANDS, parseAvif } from "./avif";
import { parseGif } from "./gif";
import { parseJpeg } from "./jpeg";
import { parsePng } from "./png";
import { checkEnginePixels } from "./limits";
import { assertNotZip } from "./polyglot";
import type { ImageFormat, ImageInfo, Limits, Parsed } from "./types";
import { parseWebp } from "./webp";

export type { ImageFormat, ImageInfo, Limits } from "./types";
export { exifOrientation } from "./exif";

export const MIME: Record<ImageFormat, string> = {
  jpeg: "image/jpeg",
  png: "image/png",
  gif: "image/gif",
  webp: "image/webp",
  avif: "image/avif",
};

/** ftyp brands of other HEIF codecs (HEVC, VVC, JPEG...): such files are HEIC & co, not AVIF. */
const NON_AV1_BRANDS = new Set(["heic", "heix", "heim", "heis", "hevc", "hevx", "hevm", "hevs", "vvic", "jpeg", "j2ki", "avci"]);

function sniffAvif(bytes: Uint8Array): boolean {
  if (!startsWith(bytes, 4, "ftyp")) return false;
  const size = ((peek(bytes, 0) << 24) >>> 0) + (peek(bytes, 1) << 16) + (peek(bytes, 2) << 8) + peek(bytes, 3);
  if (size < 16 || size > 4096 || size > bytes.length) return false;
  const brands: string[] = [];
  for (let p = 8; p + 4 <= size; p += 4) if (p !== 12) brands.push(String.fromCharCode(...bytes.subarray(p, p + 4)));
  if (brands.some((b) => AVIF_BRANDS.has(b))) return true;
  // A generic HEIF/MIAF file may carry an AV1 primary item; the parser checks the codec.
  return brands.some((b) => HEIF_GENERIC_BRANDS.has(b)) && !brands.some((b) => NON_AV1_BRANDS.has(b));
}

/** Format from magic bytes only (no validation). */
export function sniffFormat(bytes: Uint8Array): ImageFormat | null {
  if (peek(bytes, 0) === 0xff && peek(bytes, 1) === 0xd8 && peek(bytes, 2) === 0xff) return "jpeg";
  if (startsWith(bytes, 0, "\x89PNG\r\n\x1a\n")) return "png";
  if (startsWith(bytes, 0, "GIF87a") || startsWith(bytes, 0, "GIF89a")) return "gif";
  if (startsWith(bytes, 0, "RIFF") && startsWith(bytes, 8, "WEBP")) return "webp";
  if (sniffAvif(bytes)) return "avif";
  return null;
}

const PARSERS: Record<ImageFormat, (bytes: Uint8Array, limits: Limits) => Parsed> = {
  jpeg: parseJpeg,
  png: parsePng,
  gif: parseGif,
  webp: parseWebp,
  avif: parseAvif,
};

/**
 * Validates a complete upload and describes it. Throws `AppError`:
 * `unsupported_media_type` (not JPEG/PNG/GIF/WebP/AVIF, or a variant we do not decode),
 * `invalid_image` (corrupt, truncated, inconsistent, polyglot), `image_too_large`,
 * `metadata_too_large`.
 */
export function inspectImage(bytes: Uint8Array, limits: Limits): ImageInfo {
  const format = sniffFormat(bytes);
  if (!format) {
    throw new AppError("unsupported_media_type", bytes.length === 0 ? "empty body" : "not a JPEG, PNG, GIF, WebP or AVIF image");
  }
  let parsed: Parsed;
  try {
    parsed = PARSERS[format](bytes, limits);
    assertNotZip(bytes);
    checkEnginePixels(format, parsed, bytes.length, limits);
  } catch (err) {
    if (err instanceof AppError) throw err;
    // Defence in depth: a parser bug on hostile input must still be a clean 422, never a 500.
    return fail(`corrupt ${format.toUpperCase()} image`);
  }
  return { format, mime: MIME[format], ...parsed, imageBytes: parsed.imageBytes ?? bytes.length };
}

/** Size after applying EXIF orientation: 5..8 swap width and height. */
export function displaySize(info: Pick<ImageInfo, "width" | "height" | "orientation">): { width: number; height: number } {
  return info.orientation >= 5 && info.orientation <= 8
    ? { width: info.height, height: info.width }
    : { width: info.width, height: info.height };
}
