import { fail, latin1, Reader } from "./bytes";
import { exifOrientation } from "./exif";
import { type OutputProbe, validateZlib } from "./inflate";
import { checkFrames, checkSize, MetaBudget } from "./limits";
import { assertNoActiveContent, assertNoTrailer } from "./polyglot";
import type { Limits, Parsed } from "./types";

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** CRC-32 (ISO 3309 / PNG) of `bytes[start..end)`. */
export function crc32(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let c = 0xffffffff;
  for (let i = start; i < end; i++) c = (CRC_TABLE[(c ^ (bytes[i] as number)) & 0xff] as number) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };
const DEPTHS: Record<number, number[]> = { 0: [1, 2, 4, 8, 16], 2: [8, 16], 3: [1, 2, 4, 8], 4: [8, 16], 6: [8, 16] };
const ADAM7: ReadonlyArray<readonly [number, number, number, number]> = [
  [0, 0, 8, 8], [4, 0, 8, 8], [0, 4, 4, 8], [2, 0, 4, 4], [0, 2, 2, 4], [1, 0, 2, 2], [0, 1, 1, 2],
];
/** Metadata chunks (counted) and small standard chunks (not counted); anything else unknown. */
const META = new Set(["tEXt", "zTXt", "iTXt", "eXIf", "iCCP", "sPLT"]);
const STANDARD = new Set(["tRNS", "cHRM", "gAMA", "sBIT", "sRGB", "cICP", "mDCv", "cLLi", "bKGD", "hIST", "pHYs", "tIME", "oFFs", "pCAL", "sCAL", "sTER", "gIFg", "acTL", "fcTL", "fdAT"]);

/** The scanlines of one pass (the whole image when not interlaced); passes with no pixels have none. */
interface Pass {
  pass: number; // 1..7, 0 when not interlaced
  y0: number;
  dy: number;
  rows: number;
  stride: number; // filter byte + packed row
}

function passes(w: number, h: number, bitsPerPixel: number, interlaced: boolean): Pass[] {
  const list: Pass[] = [];
  const add = (pass: number, pw: number, ph: number, y0: number, dy: number): void => {
    if (pw > 0 && ph > 0) list.push({ pass, y0, dy, rows: ph, stride: 1 + Math.ceil((pw * bitsPerPixel) / 8) });
  };
  if (!interlaced) add(0, w, h, 0, 1);
  else ADAM7.forEach(([x0, y0, dx, dy], i) => add(i + 1, Math.ceil((w - x0) / dx), Math.ceil((h - y0) / dy), y0, dy));
  return list;
}

/** Size of the filtered, uncompressed image data (filter byte + packed row, per pass). */
function rawSize(list: Pass[]): number {
  return list.reduce((n, p) => n + p.rows * p.stride, 0);
}

/**
 * Checks, as the stream inflates, the byte that starts every scanline: a filter type 0..4 (None,
 * Sub, Up, Average, Paeth); decoders stop at any other. Rows are named by their y in the image
 * (from 0), with the Adam7 pass when interlaced.
 */
function filterProbe(list: Pass[], what: string): OutputProbe {
  let i = 0, row = 0;
  const probe: OutputProbe = {
    next: list.length > 0 ? 0 : Infinity,
    check(value: number): void {
      const p = list[i] as Pass;
      if (value > 4) {
        const y = p.y0 + row * p.dy;
        fail(`${what} row ${y}${p.pass ? ` (interlace pass ${p.pass})` : ""} has an unknown filter type ${value}`);
      }
      probe.next += p.stride;
      if (++row === p.rows) {
        row = 0;
        if (++i === list.length) probe.next = Infinity;
      }
    },
  };
  return probe;
}

/** Inflates one image's data (the IDAT stream or an APNG frame's fdAT) to check its size and filter bytes. */
function checkImageData(parts: Uint8Array[], w: number, h: number, bitsPerPixel: number, interlaced: boolean, what: string, image: string): void {
  const list = passes(w, h, bitsPerPixel, interlaced);
  validateZlib(parts, rawSize(list), what, filterProbe(list, image));
}

function isLetter(b: number): boolean {
  return (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a);
}

/** iTXt: keyword NUL, compression flag, ...; true when the text is zlib-compressed. */
function compressedItxt(bytes: Uint8Array, start: number, end: number): boolean {
  const nul = bytes.subarray(start, end).indexOf(0);
  return nul >= 0 && start + nul + 1 < end && bytes[start + nul + 1] === 1;
}

export function parsePng(bytes: Uint8Array, limits: Limits): Parsed {
  const r = new Reader(bytes, 8);
  const meta = new MetaBudget(limits);
  let width = 0, height = 0, depth = 0, colour = 0, interlaced = false, bpp = 0;
  let palette = 0, sawPlte = false, trns = false, orientation = 1;
  let idatState: "before" | "in" | "after" = "before";
  const idat: Uint8Array[] = [];
  let frames = 1, actl = false, fctls = 0, seq = 0, sawIend = false;
  let frame: { index: number; w: number; h: number; parts: Uint8Array[] } | null = null;
  const seen = new Set<string>();

  const finishFrame = (): void => {
    if (frame && frame.parts.length > 0) {
      checkImageData(frame.parts, frame.w, frame.h, bpp, interlaced, "APNG frame", `APNG frame ${frame.index}`);
    } else if (frame) fail("APNG frame has no image data");
    frame = null;
  };

  while (!sawIend) {
    const start = r.pos;
    const len = r.u32be();
    if (len > 0x7fffffff) fail("PNG chunk length out of range");
    r.need(len + 8, "PNG chunk");
    const type = latin1(bytes, r.pos, r.pos + 4);
    for (let i = 0; i < 4; i++) if (!isLetter(bytes[r.pos + i] as number)) fail("invalid PNG chunk type");
    const d = r.pos + 4; // data start
    const stored = ((bytes[d + len] as number) * 0x1000000) + (((bytes[d + len + 1] as number) << 16) | ((bytes[d + len + 2] as number) << 8) | (bytes[d + len + 3] as number));
    if (crc32(bytes, r.pos, d + len) !== stored) fail(`PNG ${type} chunk has a bad CRC`);
    const c = new Reader(bytes, d, d + len);
    r.pos = d + len + 4;

    if (start === 8 && type !== "IHDR") fail("PNG does not start with IHDR");
    if (type !== "IDAT" && idatState === "in") idatState = "after";
    if (type === "IHDR") {
      if (start !== 8 || len !== 13) fail("invalid PNG IHDR");
      width = c.u32be();
      height = c.u32be();
      if (width > 0x7fffffff || height > 0x7fffffff) fail("PNG size out of range");
      checkSize(width, height, limits, "PNG image");
      depth = c.u8();
      colour = c.u8();
      const allowed = DEPTHS[colour];
      if (!allowed) fail(`invalid PNG colour type ${colour}`);
      if (!allowed.includes(depth)) fail(`invalid PNG bit depth ${depth} for colour type ${colour}`);
      if (c.u8() !== 0 || c.u8() !== 0) fail("invalid PNG compression or filter method");
      const il = c.u8();
      if (il > 1) fail("invalid PNG interlace method");
      interlaced = il === 1;
      bpp = (CHANNELS[colour] as number) * depth;
    } else if (type === "IDAT") {
      if (idatState === "after") fail("PNG IDAT chunks are not consecutive");
      if (colour === 3 && !sawPlte) fail("PNG palette image without PLTE before IDAT");
      idatState = "in";
      idat.push(bytes.subarray(d, d + len));
    } else if (type === "IEND") {
      if (len !== 0) fail("invalid PNG IEND");
      sawIend = true;
    } else if (type === "PLTE") {
      if (sawPlte || idatState !== "before") fail("misplaced PNG PLTE chunk");
      if (len % 3 !== 0 || len === 0 || len > 768) fail("invalid PNG PLTE length");
      if (colour === 0 || colour === 4) fail("PLTE is not allowed in greyscale PNG");
      palette = len / 3;
      if (colour === 3 && palette > 1 << depth) fail("PNG palette larger than the bit depth allows");
      sawPlte = true;
    } else if (type === "tRNS") {
      if (colour === 3 ? len > palette : colour === 0 ? len !== 2 : colour === 2 ? len !== 6 : false) fail("invalid PNG tRNS chunk");
      trns = colour !== 4 && colour !== 6;
    } else if (type === "acTL") {
      if (actl || idatState !== "before" || len !== 8) fail("invalid PNG acTL chunk");
      actl = true;
      frames = c.u32be();
      if (frames < 1) fail("APNG with zero frames");
      checkFrames(frames, width, height, limits);
    } else if (type === "fcTL" || type === "fdAT") {
      if (!actl) fail(`PNG ${type} without acTL`);
      if (c.u32be() !== seq++) fail("APNG sequence numbers out of order");
      if (type === "fcTL") {
        if (len !== 26) fail("invalid APNG fcTL chunk");
        finishFrame();
        const fw = c.u32be(), fh = c.u32be(), fx = c.u32be(), fy = c.u32be();
        c.skip(4);
        const dispose = c.u8(), blend = c.u8();
        checkSize(fw, fh, { ...limits, maxAspect: Infinity }, "APNG frame");
        if (fx + fw > width || fy + fh > height || dispose > 2 || blend > 1) fail("APNG frame outside the canvas");
        if (idatState === "before" && (fw !== width || fh !== height || fx !== 0 || fy !== 0)) fail("APNG default frame size mismatch");
        if (++fctls > frames) fail("APNG has more frames than acTL declares");
        if (idatState !== "before") frame = { index: fctls - 1, w: fw, h: fh, parts: [] };
      } else {
        if (!frame) fail("APNG fdAT without fcTL");
        frame.parts.push(bytes.subarray(d + 4, d + len));
      }
    } else if (/^[A-Z]/.test(type)) {
      fail(`unknown critical PNG chunk ${type}`);
    } else if (seen.has(type) && (type === "eXIf" || type === "iCCP")) {
      fail(`duplicate PNG ${type} chunk`);
    }
    seen.add(type);

    if (META.has(type) || !STANDARD.has(type) && /^[a-z]/.test(type)) {
      meta.add(len);
      // Text the decoder stores verbatim (tEXt, uncompressed iTXt) and unknown chunks must not carry
      // a web page or archive. zTXt / compressed iTXt are never inflated.
      const text = type === "tEXt" || (type === "iTXt" && !compressedItxt(bytes, d, d + len));
      if (text || !META.has(type)) assertNoActiveContent(bytes, d, d + len, `PNG ${type} chunk`, true);
      // Browsers read the orientation before the image data, and ignore an eXIf placed after it.
      if (type === "eXIf" && idat.length === 0) orientation = exifOrientation(bytes, d, d + len);
    }
  }
  if (idat.length === 0) fail("PNG has no IDAT chunk");
  finishFrame();
  if (actl && fctls !== frames) fail("APNG frame count does not match acTL");
  assertNoTrailer(bytes, r.pos, "PNG");
  // The IDAT stream is walked last: every limit and the chunk layout were checked first.
  checkImageData(idat, width, height, bpp, interlaced, "PNG image data", "PNG");
  return {
    width, height, frames, orientation,
    hasAlpha: colour === 4 || colour === 6 || trns,
    progressive: interlaced,
    metadataBytes: meta.total,
    bitDepth: depth,
  };
}
