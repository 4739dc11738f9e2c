import { startsWith } from "./bytes";

const ORIENTATION_TAG = 0x0112;

/**
 * EXIF orientation (1..8) from a TIFF-structured EXIF block starting at `start` ("II*\0" or
 * "MM\0*"). Only IFD0 is read. A missing tag, a value outside 1..8 (e.g. 0) and a malformed block
 * all yield 1: decoders ignore broken EXIF, so we must not reject the picture for it, and every read
 * is bounds-checked against `end` so a lying offset cannot read outside the block.
 */
export function exifOrientation(bytes: Uint8Array, start = 0, end = bytes.length): number {
  end = Math.min(end, bytes.length);
  if (start < 0 || end - start < 8) return 1;
  let little: boolean;
  if (startsWith(bytes, start, "II*\0")) little = true;
  else if (startsWith(bytes, start, "MM\0*")) little = false;
  else return 1;
  const len = end - start;
  const u16 = (off: number): number => {
    const a = bytes[start + off] as number, b = bytes[start + off + 1] as number;
    return little ? a | (b << 8) : (a << 8) | b;
  };
  const u32 = (off: number): number => (little ? u16(off) + u16(off + 2) * 0x10000 : u16(off) * 0x10000 + u16(off + 2));

  const ifd = u32(4);
  if (ifd < 8 || ifd + 2 > len) return 1;
  const count = u16(ifd);
  for (let i = 0; i < count; i++) {
    const entry = ifd + 2 + i * 12;
    if (entry + 12 > len) return 1;
    if (u16(entry) !== ORIENTATION_TAG) continue;
    const type = u16(entry + 2);
    // SHORT is the specified type; LONG is tolerated (value in the first 4 bytes of the field).
    const value = type === 3 ? u16(entry + 8) : type === 4 ? u32(entry + 8) : 0;
    return value >= 1 && value <= 8 ? value : 1;
  }
  return 1;
}

/**
 * Offset of the TIFF header inside an EXIF payload as found in containers: JPEG APP1 and some WebP
 * writers prefix "Exif\0\0"; PNG eXIf and WebP normally start directly with the TIFF header.
 */
export function tiffStart(bytes: Uint8Array, start: number): number {
  return startsWith(bytes, start, "Exif\0\0") ? start + 6 : start;
}
