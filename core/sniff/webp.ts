import { fail, Reader, startsWith } from "./bytes";
import { exifOrientation, tiffStart } from "./exif";
import { checkFrames, checkSize, MetaBudget } from "./limits";
import { assertNoActiveContent, assertNoTrailer } from "./polyglot";
import type { Limits, Parsed } from "./types";

interface Chunk {
  id: string;
  start: number; // data start
  size: number;
}

/** RIFF chunks of `bytes[start..end)`, each padded to even length (a final pad may be missing). */
function readChunks(bytes: Uint8Array, start: number, end: number): Chunk[] {
  const r = new Reader(bytes, start, end);
  const out: Chunk[] = [];
  while (r.remaining > 0) {
    const id = r.ascii(4);
    const size = r.u32le();
    const s = r.pos;
    r.skip(size, `WebP ${id} chunk`);
    if (size & 1 && r.remaining > 0) r.skip(1);
    out.push({ id, start: s, size });
  }
  return out;
}

interface Bitstream {
  width: number;
  height: number;
  alpha: boolean;
  lossless: boolean;
}

/** Key frame header of a lossy VP8 bitstream (RFC 6386 9.1). */
function vp8(bytes: Uint8Array, c: Chunk): Bitstream {
  const r = new Reader(bytes, c.start, c.start + c.size);
  const b0 = r.u8(), b1 = r.u8(), b2 = r.u8();
  const tag = b0 | (b1 << 8) | (b2 << 16);
  if (tag & 1) fail("WebP VP8 data is not a key frame");
  if (((tag >> 1) & 7) > 3 || !((tag >> 4) & 1)) fail("invalid WebP VP8 frame header");
  if (r.u8() !== 0x9d || r.u8() !== 0x01 || r.u8() !== 0x2a) fail("missing WebP VP8 start code");
  const width = r.u16le() & 0x3fff, height = r.u16le() & 0x3fff;
  if (tag >>> 5 > r.remaining) fail("WebP VP8 partition exceeds the chunk");
  return { width, height, alpha: false, lossless: false };
}

/** Header of a lossless VP8L bitstream: signature 0x2f, 14-bit width-1, height-1, alpha, version. */
function vp8l(bytes: Uint8Array, c: Chunk): Bitstream {
  const r = new Reader(bytes, c.start, c.start + c.size);
  if (r.u8() !== 0x2f) fail("missing WebP VP8L signature");
  const bits = r.u32le();
  if (bits >>> 29 !== 0) fail("unsupported WebP VP8L version");
  r.need(1, "WebP VP8L data");
  return { width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1, alpha: ((bits >>> 28) & 1) === 1, lossless: true };
}

function alph(bytes: Uint8Array, c: Chunk): void {
  if (c.size < 1) fail("empty WebP ALPH chunk");
  const h = bytes[c.start] as number;
  if (h >> 6 !== 0 || ((h >> 4) & 3) > 1 || (h & 3) > 1) fail("invalid WebP ALPH header");
}

/** One image: [ALPH] (VP8 | VP8L), other chunks in between ignored. */
function image(bytes: Uint8Array, chunks: Chunk[], limits: Limits, what: string): Bitstream {
  let result: Bitstream | null = null, alpha = false;
  for (const c of chunks) {
    if (c.id === "ALPH" && !result) {
      alph(bytes, c);
      alpha = true;
    } else if (c.id === "VP8 " || c.id === "VP8L") {
      if (result) fail(`${what} has more than one bitstream`);
      result = c.id === "VP8 " ? vp8(bytes, c) : vp8l(bytes, c);
      checkSize(result.width, result.height, limits, what);
    }
  }
  if (!result) fail(`${what} has no image data`);
  return { ...result, alpha: result.alpha || alpha };
}

/** Canvas size from the first chunk, read before the rest of the file is walked. */
function header(bytes: Uint8Array, first: Chunk, limits: Limits): Bitstream & { flags: number } {
  if (first.id === "VP8X") {
    const h = new Reader(bytes, first.start, first.start + first.size);
    const flags = h.u8();
    h.skip(3);
    const width = h.u24le() + 1, height = h.u24le() + 1;
    checkSize(width, height, limits, "WebP canvas");
    if (width * height > 0xffffffff) fail("WebP canvas too large");
    return { width, height, alpha: (flags & 0x10) !== 0, lossless: false, flags };
  }
  if (first.id === "VP8 " || first.id === "VP8L") return { ...image(bytes, [first], limits, "WebP image"), flags: 0 };
  return fail(`invalid WebP: unexpected first chunk ${JSON.stringify(first.id)}`);
}

const IMAGE_CHUNKS = ["VP8 ", "VP8L", "VP8X", "ALPH", "ANIM", "ANMF"];

export function parseWebp(bytes: Uint8Array, limits: Limits): Parsed {
  if (!startsWith(bytes, 0, "RIFF") || !startsWith(bytes, 8, "WEBP")) fail("bad WebP signature", "unsupported_media_type");
  const r = new Reader(bytes, 4);
  const riffEnd = 8 + r.u32le();
  r.pos = 12;
  const firstId = r.ascii(4), firstSize = r.u32le();
  const first: Chunk = { id: firstId, start: r.pos, size: Math.min(firstSize, bytes.length - r.pos) };
  const { width, height, alpha, flags, ...head } = header(bytes, first, limits);
  // Whether the image the resize engine decodes (the still, or the first frame) is lossless.
  let lossless = head.lossless;
  if (riffEnd > bytes.length) fail("truncated WebP (RIFF size exceeds the file)");
  const chunks = readChunks(bytes, 12, riffEnd);
  const meta = new MetaBudget(limits);
  const frameLimits = { ...limits, maxAspect: Infinity };
  let frames = 1, hasAlpha = alpha, orientation = 1;

  for (const c of chunks) {
    if (c.id === "ICCP" || c.id === "EXIF" || c.id === "XMP ") {
      meta.add(c.size);
      assertNoActiveContent(bytes, c.start, c.start + c.size, `WebP ${c.id} chunk`);
      if (c.id === "EXIF") orientation = exifOrientation(bytes, tiffStart(bytes, c.start), c.start + c.size);
    } else if (!IMAGE_CHUNKS.includes(c.id)) {
      meta.add(c.size);
      assertNoActiveContent(bytes, c.start, c.start + c.size, `WebP ${c.id} chunk`, true);
    }
  }

  if (firstId !== "VP8X") {
    if (chunks.filter((c) => IMAGE_CHUNKS.includes(c.id) && c.id !== "ALPH").length > 1) fail("WebP has more than one image");
  } else if (flags & 0x02) {
    frames = 0;
    if (!chunks.some((c) => c.id === "ANIM")) fail("animated WebP without ANIM chunk");
    for (const c of chunks) {
      if (c.id === "VP8 " || c.id === "VP8L" || c.id === "ALPH") fail("WebP image data outside of an animation frame");
      if (c.id !== "ANMF") continue;
      checkFrames(++frames, width, height, limits);
      const a = new Reader(bytes, c.start, c.start + c.size);
      const x = a.u24le() * 2, y = a.u24le() * 2, fw = a.u24le() + 1, fh = a.u24le() + 1;
      a.skip(4);
      checkSize(fw, fh, frameLimits, "WebP frame");
      if (x + fw > width || y + fh > height) fail("WebP frame outside the canvas");
      const img = image(bytes, readChunks(bytes, a.pos, a.end), frameLimits, "WebP frame");
      if (img.width !== fw || img.height !== fh) fail("WebP frame size does not match its bitstream");
      hasAlpha ||= img.alpha;
      if (frames === 1) lossless = img.lossless;
    }
    if (frames === 0) fail("animated WebP has no frames");
  } else {
    if (chunks.some((c) => c.id === "ANMF" || c.id === "ANIM")) fail("WebP animation chunks in a still image");
    const img = image(bytes, chunks.slice(1), limits, "WebP image");
    if (img.width !== width || img.height !== height) fail("WebP canvas size does not match its bitstream");
    hasAlpha ||= img.alpha;
    lossless = img.lossless;
  }
  assertNoTrailer(bytes, riffEnd, "WebP");
  return {
    width, height, frames, orientation, hasAlpha, progressive: false, lossless,
    metadataBytes: meta.total, bitDepth: 8,
  };
}
