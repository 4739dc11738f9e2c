import { fail, Reader, startsWith } from "./bytes";
import { checkFrames, checkSize, MetaBudget } from "./limits";
import { assertNoActiveContent, assertSmallTrailer } from "./polyglot";
import type { Limits, Parsed } from "./types";

/**
 * Validates one frame's LZW code stream without producing pixels. It tracks only the size of the
 * code table and the length of the string behind each code (8 KiB), so it can tell how many pixels
 * the stream decodes to. Rejected: a code above the next free table slot (what libvips reports as a
 * warning and ImageMagick as an error), a first code after CLEAR that is not a root, and a stream that
 * decodes to fewer pixels than the frame has (truncated frame). Decoders stop at width*height
 * pixels, so surplus codes and bytes after END are tolerated, as is a missing END code.
 */
function validateLzw(r: Reader, minCode: number, pixels: number, lens: Uint16Array): void {
  const clear = 1 << minCode, eoi = clear + 1;
  let size = minCode + 1, mask = (1 << size) - 1, next = clear + 2, prev = -1;
  let buf = 0, nbits = 0, out = 0, ended = false;
  for (let i = 0; i < clear; i++) lens[i] = 1;
  for (;;) {
    const n = r.u8();
    if (n === 0) break;
    const block = r.take(n, "GIF image data");
    if (ended) continue;
    for (let k = 0; k < n && !ended; k++) {
      buf |= (block[k] as number) << nbits;
      nbits += 8;
      while (nbits >= size) {
        const code = buf & mask;
        buf >>>= size;
        nbits -= size;
        if (code === clear) {
          size = minCode + 1;
          mask = (1 << size) - 1;
          next = clear + 2;
          prev = -1;
          continue;
        }
        if (code === eoi) {
          ended = true;
          break;
        }
        if (prev < 0) {
          if (code >= clear) fail("GIF image data has an out-of-range LZW code");
          out += 1;
        } else {
          let len: number;
          if (code < next) len = lens[code] as number;
          else if (code === next) len = (lens[prev] as number) + 1;
          else return fail("GIF image data has an out-of-range LZW code");
          if (next < 4096) {
            lens[next++] = (lens[prev] as number) + 1;
            if (next >= 1 << size && size < 12) mask = (1 << ++size) - 1;
          }
          out += len;
        }
        prev = code;
        if (out >= pixels) ended = true; // the frame is complete; decoders ignore the rest
        if (ended) break;
      }
    }
  }
  if (out < pixels) fail("GIF frame data is truncated");
}

/** Skips a chain of data sub-blocks; returns the number of data bytes. */
function skipSubBlocks(r: Reader): number {
  let total = 0;
  for (let n = r.u8(); n !== 0; n = r.u8()) {
    r.skip(n, "GIF data block");
    total += n;
  }
  return total;
}

const MAX_GIF_TRAILER = 4096;
const NO_META_APPS = new Set(["NETSCAPE2.0", "ANIMEXTS1.0"]);

export function parseGif(bytes: Uint8Array, limits: Limits): Parsed {
  if (!startsWith(bytes, 0, "GIF87a") && !startsWith(bytes, 0, "GIF89a")) fail("bad GIF signature", "unsupported_media_type");
  const r = new Reader(bytes, 6);
  const width = r.u16le(), height = r.u16le();
  const packed = r.u8();
  r.skip(2);
  checkSize(width, height, limits, "GIF logical screen");
  const hasGlobal = (packed & 0x80) !== 0;
  if (hasGlobal) r.skip(3 << ((packed & 7) + 1), "GIF colour table");
  const meta = new MetaBudget(limits);
  const frameLimits = { ...limits, maxAspect: Infinity }; // partial frames may be thin strips
  const lens = new Uint16Array(4096);
  let framePixels = 0, frames = 0, hasAlpha = false;
  for (;;) {
    const block = r.u8();
    if (block === 0x3b) break;
    if (block === 0x2c) {
      r.skip(4); // left, top: frames may extend past the screen; decoders clip them
      const fw = r.u16le(), fh = r.u16le(), fp = r.u8();
      checkSize(fw, fh, frameLimits, "GIF frame");
      checkFrames(++frames, width, height, limits);
      framePixels += fw * fh;
      if (fp & 0x80) r.skip(3 << ((fp & 7) + 1), "GIF colour table");
      else if (!hasGlobal) fail("GIF frame has no colour table");
      const minCode = r.u8();
      if (minCode < 2 || minCode > 8) fail(`invalid GIF LZW minimum code size ${minCode}`);
      validateLzw(r, minCode, fw * fh, lens);
    } else if (block === 0x21) {
      const label = r.u8();
      const start = r.pos;
      if (label === 0xf9) {
        // Graphic control: packed flags first (bit 0 = transparent colour); block size is 4.
        if (r.u8() < 4) fail("invalid GIF graphic control extension");
        if (r.u8() & 1) hasAlpha = true;
        r.pos = start;
        skipSubBlocks(r);
        continue;
      }
      let counted = true;
      if (label === 0xff) {
        const idLen = r.u8();
        const id = r.ascii(idLen);
        counted = !(idLen === 11 && NO_META_APPS.has(id));
      }
      r.pos = start;
      const n = skipSubBlocks(r);
      if (counted) {
        meta.add(n);
        assertNoActiveContent(bytes, start, r.pos, "GIF extension", label !== 0xff);
      }
    } else {
      fail(`corrupt GIF: unexpected block 0x${block.toString(16)}`);
    }
  }
  if (frames === 0) fail("GIF has no image");
  // Decoders stop at the trailer. Some encoders leave a little data after it (whirlgif writes its
  // signature there); tolerate up to 4 KiB, counted as metadata and scanned for polyglot payloads.
  meta.add(r.remaining);
  assertSmallTrailer(bytes, r.pos, MAX_GIF_TRAILER, "GIF");
  return {
    width, height, frames, framePixels, orientation: 1, hasAlpha, progressive: false,
    metadataBytes: meta.total, bitDepth: 8,
  };
}
