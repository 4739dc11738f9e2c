import { deflateRawSync, deflateSync, constants as zc } from "node:zlib";
import { describe, expect, it } from "vitest";
import { cat, codeOf, enc, hasCorpus, inspectWith, read, u16be, u16le, u24le, u32be, u32le } from "./sniff-helpers";
import { AppError } from "../../core/errors";
import { displaySize, exifOrientation, inspectImage, type Limits } from "../../core/sniff";
import { parseAvif } from "../../core/sniff/avif";
import { parseGif } from "../../core/sniff/gif";
import { validateZlib } from "../../core/sniff/inflate";
import { parseJpeg } from "../../core/sniff/jpeg";
import { crc32, parsePng } from "../../core/sniff/png";
import { parseWebp } from "../../core/sniff/webp";


const LIMITS: Limits = { maxPixels: 40_000_000, maxSide: 16_384, maxFrames: 500, maxTotalPixels: 100_000_000, maxAspect: 50, maxMetadataBytes: 1 << 20 };

const inspect = inspectWith(LIMITS);

// ---- EXIF -----------------------------------------------------------------------------------

/** A TIFF/EXIF block whose IFD0 holds `entries` ([tag, type, value]). */
function tiff(little: boolean, entries: [number, number, number][]): Uint8Array {
  const w16 = little ? u16le : u16be, w32 = little ? u32le : u32be;
  const body: number[] = [...enc(little ? "II*\0" : "MM\0*"), ...w32(8), ...w16(entries.length)];
  for (const [tag, type, value] of entries) {
    body.push(...w16(tag), ...w16(type), ...w32(1), ...(type === 3 ? [...w16(value), 0, 0] : w32(value)));
  }
  return new Uint8Array([...body, ...w32(0)]);
}

describe("exif orientation", () => {
  it("reads the tag in both byte orders", () => {
    for (const little of [true, false]) {
      for (let o = 1; o <= 8; o++) {
        expect(exifOrientation(tiff(little, [[0x010f, 2, 0], [0x0112, 3, o], [0x0131, 2, 0]]))).toBe(o);
      }
      expect(exifOrientation(tiff(little, [[0x0112, 4, 6]]))).toBe(6); // LONG tolerated
    }
  });

  it("treats absent, zero, out-of-range and malformed values as 1", () => {
    expect(exifOrientation(tiff(true, [[0x0112, 3, 0]]))).toBe(1);
    expect(exifOrientation(tiff(false, [[0x0112, 3, 9]]))).toBe(1);
    expect(exifOrientation(tiff(true, [[0x010f, 3, 6]]))).toBe(1);
    expect(exifOrientation(tiff(true, [[0x0112, 7, 6]]))).toBe(1); // wrong type
    const t = tiff(false, [[0x0112, 3, 6]]);
    expect(exifOrientation(t.subarray(0, 14))).toBe(1); // truncated entry
    expect(exifOrientation(cat(enc("MM\0*"), u32be(0xfffffff0)))).toBe(1); // IFD offset past the end
    expect(exifOrientation(cat(enc("II*\0"), u32le(8), u16le(0xffff)))).toBe(1); // lying entry count
    expect(exifOrientation(enc("XX*\0\0\0\0\x08"))).toBe(1);
    expect(exifOrientation(new Uint8Array(0))).toBe(1);
  });

  it("honours a start/end window", () => {
    const t = tiff(true, [[0x0112, 3, 8]]);
    const framed = cat(enc("Exif\0\0"), t, [1, 2, 3]);
    expect(exifOrientation(framed, 6, 6 + t.length)).toBe(8);
    expect(exifOrientation(framed, 6, 6 + 12)).toBe(1);
  });

  it("displaySize swaps for orientations 5..8", () => {
    for (let o = 0; o <= 9; o++) {
      const swap = o >= 5 && o <= 8;
      expect(displaySize({ width: 30, height: 20, orientation: o })).toEqual(swap ? { width: 20, height: 30 } : { width: 30, height: 20 });
    }
  });

  it.skipIf(!hasCorpus)("is read from JPEG APP1, PNG eXIf and WebP EXIF", () => {
    const app1 = (t: Uint8Array): Uint8Array => cat([0xff, 0xe1], u16be(t.length + 8), enc("Exif\0\0"), t);
    const jpeg = read("photos/FreshFlower.jpg");
    const rotated = cat(jpeg.subarray(0, 2), app1(tiff(false, [[0x0112, 3, 6]])), jpeg.subarray(2));
    const info = inspectImage(rotated, LIMITS);
    expect(info.orientation).toBe(6);
    expect(displaySize(info)).toEqual({ width: 1203, height: 1600 });

    expect(inspectImage(png(4, 2, [pngChunk("eXIf", tiff(true, [[0x0112, 3, 3]]))]), LIMITS).orientation).toBe(3);

    const vp8x = riffChunk("VP8X", [0x08, 0, 0, 0, ...u24le(0), ...u24le(0)]);
    const webp = riff([vp8x, vp8l(1, 1), riffChunk("EXIF", tiff(true, [[0x0112, 3, 7]]))]);
    expect(inspectImage(webp, LIMITS).orientation).toBe(7);
  });
});

// ---- builders ---------------------------------------------------------------------------------

function pngChunk(type: string, data: ArrayLike<number> = []): Uint8Array {
  const td = cat(enc(type), data);
  return cat(u32be(data.length), td, u32be(crc32(td)));
}
const PNG_SIG = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const ihdr = (w: number, h: number, depth = 8, colour = 0): Uint8Array => pngChunk("IHDR", [...u32be(w), ...u32be(h), depth, colour, 0, 0, 0]);
const idat = (w: number, h: number, extra = 0): Uint8Array => pngChunk("IDAT", deflateSync(new Uint8Array(h * (w + 1) + extra)));
function png(w: number, h: number, extra: Uint8Array[] = []): Uint8Array {
  return cat(PNG_SIG, ihdr(w, h), ...extra, idat(w, h), pngChunk("IEND"));
}
function fctl(seq: number, w: number, h: number, x = 0, y = 0): Uint8Array {
  return pngChunk("fcTL", [...u32be(seq), ...u32be(w), ...u32be(h), ...u32be(x), ...u32be(y), 0, 1, 0, 1, 0, 0]);
}

/** Packs LZW codes given as [code, bits] pairs, LSB first, into GIF data sub-blocks. */
function lzw(codes: [number, number][]): number[] {
  const bytes: number[] = [];
  let acc = 0, n = 0;
  for (const [code, bits] of codes) {
    acc |= code << n;
    n += bits;
    while (n >= 8) {
      bytes.push(acc & 255);
      acc >>= 8;
      n -= 8;
    }
  }
  if (n > 0) bytes.push(acc & 255);
  return [bytes.length, ...bytes, 0];
}
function gifFile(w: number, h: number, body: ArrayLike<number>[], screen: [number, number] = [w, h]): Uint8Array {
  return cat(enc("GIF89a"), u16le(screen[0]), u16le(screen[1]), [0x80, 0, 0], [0, 0, 0, 255, 255, 255], ...body);
}
const frame = (w: number, h: number, data: number[], minCode = 2): number[] => [0x2c, 0, 0, 0, 0, ...u16le(w), ...u16le(h), 0, minCode, ...data];
const GIF_1PX = lzw([[4, 3], [0, 3], [5, 3]]);

function riffChunk(id: string, data: ArrayLike<number>): Uint8Array {
  return cat(enc(id), u32le(data.length), data, data.length & 1 ? [0] : []);
}
function riff(chunks: Uint8Array[]): Uint8Array {
  const body = cat(enc("WEBP"), ...chunks);
  return cat(enc("RIFF"), u32le(body.length), body);
}
const vp8l = (w: number, h: number, alpha = false): Uint8Array =>
  riffChunk("VP8L", [0x2f, ...u32le((w - 1) | ((h - 1) << 14) | (alpha ? 1 << 28 : 0)), 0, 0, 0]);
/** A VP8 key-frame header (no real partition data). */
const vp8 = (w: number, h: number, tag = 0x10): Uint8Array => riffChunk("VP8 ", [tag, 0, 0, 0x9d, 0x01, 0x2a, ...u16le(w), ...u16le(h), 0, 0]);
function anmf(x: number, y: number, w: number, h: number, image: Uint8Array): Uint8Array {
  return riffChunk("ANMF", cat(u24le(x / 2), u24le(y / 2), u24le(w - 1), u24le(h - 1), u24le(100), [0], image));
}
const anim = riffChunk("ANIM", [0, 0, 0, 0, 0, 0]);
const vp8xHeader = (flags: number, w: number, h: number): Uint8Array => riffChunk("VP8X", [flags, 0, 0, 0, ...u24le(w - 1), ...u24le(h - 1)]);

const jseg = (marker: number, payload: ArrayLike<number>): Uint8Array => cat([0xff, marker], u16be(payload.length + 2), payload);
const DQT = jseg(0xdb, [0, ...new Array<number>(64).fill(1)]);
const DHT_DC = jseg(0xc4, [0x00, 0, 1, ...new Array<number>(14).fill(0), 0]);
const sof = (marker: number, w: number, h: number, precision = 8): Uint8Array => jseg(marker, [precision, ...u16be(h), ...u16be(w), 1, 1, 0x11, 0]);
const sos = (ss: number, se: number, a = 0): Uint8Array => jseg(0xda, [1, 1, 0x00, ss, se, a]);
/** A structurally complete (not decodable) one-component JPEG. */
function jpeg(body: ArrayLike<number>[], marker = 0xc0): Uint8Array {
  return cat([0xff, 0xd8], DQT, sof(marker, 8, 8), DHT_DC, ...body, [0xff, 0xd9]);
}

// ---- PNG --------------------------------------------------------------------------------------

describe("PNG structure", () => {
  it("accepts a minimal valid file and reports its facts", () => {
    expect(inspectImage(png(3, 2), LIMITS)).toMatchObject({ format: "png", width: 3, height: 2, frames: 1, hasAlpha: false, bitDepth: 8 });
  });

  it("rejects bad CRCs, unknown critical chunks and broken ordering", () => {
    const good = png(4, 4);
    const flipped = good.slice();
    flipped[good.length - 20] = (flipped[good.length - 20] as number) ^ 1; // inside IDAT
    expect(inspect(flipped)).toBe("invalid_image");
    expect(inspect(png(4, 4, [pngChunk("ABCD", [1])]))).toBe("invalid_image");
    expect(inspect(png(4, 4, [pngChunk("abCd", [1, 2, 3])]))).toBe("accepted");
    expect(inspect(cat(PNG_SIG, ihdr(4, 4), idat(4, 4), pngChunk("tEXt", enc("a\0b")), idat(4, 4), pngChunk("IEND")))).toBe("invalid_image");
    expect(inspect(cat(PNG_SIG, ihdr(4, 4), idat(4, 4)))).toBe("invalid_image"); // no IEND
    expect(inspect(cat(PNG_SIG, idat(4, 4), ihdr(4, 4), pngChunk("IEND")))).toBe("invalid_image"); // IHDR not first
    expect(inspect(cat(PNG_SIG, ihdr(4, 4, 8, 3), idat(4, 4), pngChunk("IEND")))).toBe("invalid_image"); // no PLTE
    expect(inspect(cat(PNG_SIG, ihdr(4, 4, 8, 3), pngChunk("PLTE", [0, 0, 0]), idat(4, 4), pngChunk("IEND")))).toBe("accepted");
    expect(inspect(cat(PNG_SIG, ihdr(4, 4, 8, 0), pngChunk("PLTE", [0, 0, 0]), idat(4, 4), pngChunk("IEND")))).toBe("invalid_image");
    expect(inspect(cat(PNG_SIG, ihdr(4, 4, 16, 3), idat(4, 4), pngChunk("IEND")))).toBe("invalid_image");
    expect(inspect(cat(PNG_SIG, pngChunk("IHDR", [...u32be(4), ...u32be(4), 8, 0, 0, 0, 2]), idat(4, 4), pngChunk("IEND")))).toBe("invalid_image");
  });

  it("checks the compressed image data without keeping pixels", () => {
    expect(inspect(cat(PNG_SIG, ihdr(4, 4), idat(4, 4, 1), pngChunk("IEND")))).toBe("invalid_image"); // too much data
    expect(inspect(cat(PNG_SIG, ihdr(4, 4), idat(4, 3), pngChunk("IEND")))).toBe("invalid_image"); // too little
    expect(inspect(cat(PNG_SIG, ihdr(4, 4), pngChunk("IDAT", [0x78, 0x9c, 0x07, 0, 0, 0, 0, 0]), pngChunk("IEND")))).toBe("invalid_image"); // BTYPE 3
    const z = deflateSync(new Uint8Array(4 * 5));
    expect(inspect(cat(PNG_SIG, ihdr(4, 4), pngChunk("IDAT", z.subarray(0, 3)), pngChunk("IDAT", z.subarray(3)), pngChunk("IEND")))).toBe("accepted");
    expect(inspect(cat(PNG_SIG, ihdr(4, 4), pngChunk("IDAT", z.subarray(0, z.length - 4)), pngChunk("IEND")))).toBe("invalid_image"); // no Adler-32
  });

  it("stops a decompression bomb as soon as it exceeds the declared size", () => {
    const bomb = cat(PNG_SIG, ihdr(100, 100), pngChunk("IDAT", deflateSync(new Uint8Array(20 << 20))), pngChunk("IEND"));
    const t = performance.now();
    expect(inspect(bomb)).toBe("invalid_image");
    expect(performance.now() - t).toBeLessThan(500);
  });

  it("counts APNG frames and validates their layout", () => {
    const frame2 = pngChunk("fdAT", cat(u32be(2), deflateSync(new Uint8Array(2 * 3))));
    const apng = (actl: number, second: Uint8Array, data = frame2): Uint8Array =>
      cat(PNG_SIG, ihdr(4, 4), pngChunk("acTL", [...u32be(actl), ...u32be(0)]), fctl(0, 4, 4), idat(4, 4), second, data, pngChunk("IEND"));
    expect(inspectImage(apng(2, fctl(1, 2, 2, 1, 1)), LIMITS)).toMatchObject({ format: "png", frames: 2, width: 4, height: 4 });
    expect(inspect(apng(2, fctl(1, 2, 2, 3, 3)))).toBe("invalid_image"); // outside the canvas
    expect(inspect(apng(3, fctl(1, 2, 2, 1, 1)))).toBe("invalid_image"); // acTL/fcTL mismatch
    expect(inspect(apng(2, fctl(5, 2, 2, 1, 1)))).toBe("invalid_image"); // sequence number
    expect(inspect(apng(2, fctl(1, 3, 3, 1, 1)))).toBe("invalid_image"); // fdAT data for a 2x2 frame
    expect(inspect(apng(2, fctl(1, 2, 2, 1, 1)), { ...LIMITS, maxFrames: 1 })).toBe("image_too_large");
  });
});

// ---- JPEG -------------------------------------------------------------------------------------

describe("JPEG structure", () => {
  it("walks markers, scans and EOI", () => {
    expect(inspectImage(jpeg([sos(0, 63), [0x12, 0x34, 0xff, 0x00, 0x56, 0xff, 0xd0, 0x78]]), LIMITS)).toMatchObject({ format: "jpeg", width: 8, height: 8, progressive: false });
    expect(inspect(jpeg([sos(0, 63), [0xff, 0xd1, 0x00]]))).toBe("invalid_image"); // RST1 before RST0
    expect(inspect(cat([0xff, 0xd8], DQT, sof(0xc0, 8, 8), sos(0, 63), [1, 2, 3]))).toBe("invalid_image"); // cut mid-scan
    expect(inspect(cat([0xff, 0xd8], DQT, sos(0, 63), [1], [0xff, 0xd9]))).toBe("invalid_image"); // SOS before SOF
    expect(inspect(cat([0xff, 0xd8], DQT, sof(0xc0, 8, 8), [0xff, 0xd9]))).toBe("invalid_image"); // no scan
    expect(inspect(jpeg([sof(0xc0, 8, 8), sos(0, 63), [1]]))).toBe("invalid_image"); // two frames
    expect(inspect(jpeg([sos(1, 63), [1]]))).toBe("invalid_image"); // progressive parameters in a baseline scan
    expect(inspect(jpeg([jseg(0xc4, [0x00, 3, ...new Array<number>(15).fill(0), 1, 2, 3]), sos(0, 63), [1]]))).toBe("invalid_image"); // over-subscribed Huffman table
    expect(inspect(jpeg([jseg(0x9a, [1, 2]), sos(0, 63), [1]]))).toBe("invalid_image"); // unknown marker
    expect(inspect(cat([0xff, 0xd8], sof(0xc0, 8, 8), sos(0, 63), [1], [0xff, 0xd9]))).toBe("invalid_image"); // no DQT
  });

  it("accepts progressive scans and caps their number", () => {
    const scans = (n: number): Uint8Array[] => Array.from({ length: n }, (_, i) => cat(sos(0, 0, i === 0 ? 0 : 0x10 * Math.min(i, 13) + Math.min(i, 13) - 1), [0x00]));
    expect(inspectImage(jpeg(scans(10), 0xc2), LIMITS).progressive).toBe(true);
    expect(inspect(jpeg(Array.from({ length: 1001 }, () => cat(sos(0, 0), [0])), 0xc2))).toBe("invalid_image");
  });

  it("refuses lossless, hierarchical, arithmetic and 12-bit JPEGs as unsupported", () => {
    for (const m of [0xc3, 0xc5, 0xc6, 0xc7, 0xc9, 0xca, 0xcb, 0xcd, 0xce, 0xcf, 0xf7]) {
      expect([m, inspect(cat([0xff, 0xd8], DQT, sof(m, 8, 8), sos(0, 63), [1], [0xff, 0xd9]))]).toEqual([m, "unsupported_media_type"]);
    }
    expect(inspect(cat([0xff, 0xd8], DQT, sof(0xc1, 8, 8, 12), sos(0, 63), [1], [0xff, 0xd9]))).toBe("unsupported_media_type");
  });
});

// ---- GIF --------------------------------------------------------------------------------------

describe("GIF structure and LZW validation", () => {
  it("accepts a valid frame and reports transparency", () => {
    const gce = [0x21, 0xf9, 4, 1, 0, 0, 0, 0];
    expect(inspectImage(gifFile(1, 1, [gce, frame(1, 1, GIF_1PX), [0x3b]]), LIMITS)).toMatchObject({ format: "gif", frames: 1, hasAlpha: true });
    // 2x2 frame: CLEAR, 0, 6 (KwKwK), 0 -> 4 pixels, END (4 bits after the table grew).
    expect(inspect(gifFile(2, 2, [frame(2, 2, lzw([[4, 3], [0, 3], [6, 3], [0, 3], [5, 4]])), [0x3b]]))).toBe("accepted");
  });

  it("rejects out-of-range codes, truncated frames and bad code sizes", () => {
    expect(inspect(gifFile(2, 1, [frame(2, 1, lzw([[4, 3], [0, 3], [7, 3], [5, 3]])), [0x3b]]))).toBe("invalid_image");
    expect(inspect(gifFile(2, 1, [frame(2, 1, lzw([[4, 3], [6, 3], [5, 3]])), [0x3b]]))).toBe("invalid_image"); // non-root first code
    expect(inspect(gifFile(2, 2, [frame(2, 2, GIF_1PX), [0x3b]]))).toBe("invalid_image"); // 1 of 4 pixels
    for (const minCode of [0, 1, 9, 12]) expect(inspect(gifFile(1, 1, [frame(1, 1, GIF_1PX, minCode), [0x3b]]))).toBe("invalid_image");
    expect(inspect(gifFile(1, 1, [frame(1, 1, GIF_1PX)]))).toBe("invalid_image"); // no trailer
    expect(inspect(gifFile(1, 1, [frame(0, 1, GIF_1PX), [0x3b]]))).toBe("invalid_image"); // zero-width frame
    expect(inspect(gifFile(1, 1, [[0x99], [0x3b]]))).toBe("invalid_image"); // unknown block
    expect(inspect(gifFile(1, 1, [[0x3b]]))).toBe("invalid_image"); // no image
  });

  it("tolerates what decoders tolerate", () => {
    // Surplus codes after the frame is full, a missing END code, frames overhanging the screen.
    expect(inspect(gifFile(1, 1, [frame(1, 1, lzw([[4, 3], [0, 3], [0, 3], [0, 3]])), [0x3b]]))).toBe("accepted");
    expect(inspect(gifFile(2, 2, [frame(2, 2, lzw([[4, 3], [0, 3], [6, 3], [0, 3], [5, 4]])), [0x3b]], [1, 1]))).toBe("accepted");
    expect(inspect(gifFile(1, 1, [frame(1, 1, GIF_1PX), [0x3b], enc("whirlgif 2.01")]))).toBe("accepted");
  });

  it("counts and scans comment and application extensions", () => {
    const comment = (s: string): number[] => [0x21, 0xfe, s.length, ...enc(s), 0];
    const info = inspectImage(gifFile(1, 1, [comment("hello world"), frame(1, 1, GIF_1PX), [0x3b]]), LIMITS);
    expect(info.metadataBytes).toBe(11);
    expect(inspect(gifFile(1, 1, [comment("<script>alert(1)</script>"), frame(1, 1, GIF_1PX), [0x3b]]))).toBe("invalid_image");
    const loop = [0x21, 0xff, 11, ...enc("NETSCAPE2.0"), 3, 1, 0, 0, 0];
    expect(inspectImage(gifFile(1, 1, [loop, frame(1, 1, GIF_1PX), [0x3b]]), LIMITS).metadataBytes).toBe(0);
  });
});

// ---- WebP -------------------------------------------------------------------------------------

describe("WebP structure", () => {
  it("reads simple lossy and lossless headers", () => {
    expect(inspectImage(riff([vp8(16, 9)]), LIMITS)).toMatchObject({ format: "webp", width: 16, height: 9, hasAlpha: false });
    expect(inspectImage(riff([vp8l(5, 7, true)]), LIMITS)).toMatchObject({ width: 5, height: 7, hasAlpha: true });
    expect(inspect(riff([vp8(16, 9, 0x11)]))).toBe("invalid_image"); // inter frame
    expect(inspect(riff([riffChunk("VP8 ", [0x10, 0, 0, 0x9d, 0x01, 0x2b, 16, 0, 9, 0])]))).toBe("invalid_image"); // start code
    expect(inspect(riff([riffChunk("VP8L", [0x2e, 0, 0, 0, 0, 0])]))).toBe("invalid_image"); // signature
    expect(inspect(riff([vp8(0, 9)]))).toBe("invalid_image");
    expect(inspect(riff([vp8l(2, 2), vp8l(2, 2)]))).toBe("invalid_image");
    expect(inspect(riff([riffChunk("JUNK", [1, 2])]))).toBe("invalid_image");
  });

  it("checks the RIFF size against the file", () => {
    const ok = riff([vp8l(2, 2)]);
    expect(inspect(ok)).toBe("accepted");
    const lying = ok.slice();
    lying[4] = (lying[4] as number) + 8;
    expect(inspect(lying)).toBe("invalid_image");
    expect(inspect(cat(ok, [0]))).toBe("accepted"); // an unaccounted pad byte
  });

  it("validates extended and animated files", () => {
    expect(inspectImage(riff([vp8xHeader(0x10, 4, 4), riffChunk("ALPH", [0x01, 0]), vp8(4, 4)]), LIMITS)).toMatchObject({ width: 4, height: 4, hasAlpha: true });
    expect(inspect(riff([vp8xHeader(0, 4, 4), vp8(5, 4)]))).toBe("invalid_image"); // canvas != bitstream
    expect(inspect(riff([vp8xHeader(0, 4, 4), riffChunk("ALPH", [0xc1, 0]), vp8(4, 4)]))).toBe("invalid_image"); // reserved bits
    const animated = riff([vp8xHeader(0x02, 8, 8), anim, anmf(0, 0, 8, 8, vp8l(8, 8)), anmf(2, 2, 4, 4, vp8(4, 4))]);
    expect(inspectImage(animated, LIMITS)).toMatchObject({ width: 8, height: 8, frames: 2 });
    expect(inspect(animated, { ...LIMITS, maxFrames: 1 })).toBe("image_too_large");
    expect(inspect(riff([vp8xHeader(0x02, 8, 8), anim, anmf(6, 6, 4, 4, vp8l(4, 4))]))).toBe("invalid_image"); // outside canvas
    expect(inspect(riff([vp8xHeader(0x02, 8, 8), anim, anmf(0, 0, 4, 4, vp8l(5, 4))]))).toBe("invalid_image"); // frame != bitstream
    expect(inspect(riff([vp8xHeader(0x02, 8, 8), anim]))).toBe("invalid_image"); // no frames
    expect(inspect(riff([vp8xHeader(0, 8, 8), anmf(0, 0, 8, 8, vp8l(8, 8))]))).toBe("invalid_image"); // frames in a still
  });
});

// ---- AVIF -------------------------------------------------------------------------------------

describe.skipIf(!hasCorpus)("AVIF structure", () => {
  const base = (): Uint8Array => read("avif/white_1x1.avif");
  const find = (b: Uint8Array, s: string): number => Buffer.from(b).indexOf(s);
  const patch32 = (b: Uint8Array, at: number, v: number): Uint8Array => {
    const out = b.slice();
    out.set(u32be(v), at);
    return out;
  };

  it("applies limits to ispe and refuses a lying ispe", () => {
    const ispe = find(base(), "ispe") + 8;
    const huge = patch32(patch32(base(), ispe, 100_000), ispe + 4, 100_000);
    expect(inspect(huge)).toBe("image_too_large");
    const two = patch32(patch32(base(), ispe, 2), ispe + 4, 2);
    expect(inspect(two)).toBe("invalid_image"); // the AV1 sequence header says 1x1
    expect(inspect(patch32(base(), ispe, 0))).toBe("invalid_image");
  });

  it("refuses item data outside the file", () => {
    const b = base();
    const ext = Buffer.from(b).indexOf(Buffer.from([0, 0, 1, 0x1a, 0, 0, 0, 0x17]));
    expect(inspect(patch32(b, ext + 4, 0x1000))).toBe("invalid_image");
    expect(inspect(patch32(b, ext, 0x7000))).toBe("invalid_image");
  });

  it("refuses HEIC and image sequences as unsupported", () => {
    const b = base();
    const av01 = find(b, "av01");
    const hevc = b.slice();
    hevc.set(enc("hvc1"), av01);
    expect(inspect(hevc)).toBe("unsupported_media_type");
    const avis = b.slice();
    avis.set(enc("avis"), 8);
    expect(inspect(avis)).toBe("unsupported_media_type");
    const heic = b.slice();
    heic.set(enc("heic"), 8);
    heic.set(enc("heic"), 16);
    heic.set(enc("heic"), 20);
    expect(inspect(heic)).toBe("unsupported_media_type");
  });

  /** white_1x1.avif with essential transform properties (irot / imir) added to its item. */
  function withTransforms(props: [string, number][]): Uint8Array {
    const b = base();
    const at = (type: string): number => find(b, type) - 4;
    const size = (type: string): number => Buffer.from(b).readUInt32BE(at(type));
    const boxes = cat(...props.map(([type, v]) => cat(u32be(9), enc(type), [v])));
    const assoc = props.map((_, i) => 0x85 + i); // essential, property index 5, 6, ...
    const grow = boxes.length + assoc.length;
    const ipcoEnd = at("ipco") + size("ipco"), ipmaEnd = at("ipma") + size("ipma");
    const out = cat(b.subarray(0, ipcoEnd), boxes, b.subarray(ipcoEnd, ipmaEnd), assoc, b.subarray(ipmaEnd));
    const dv = new DataView(out.buffer);
    const bump = (pos: number, by: number): void => dv.setUint32(pos, dv.getUint32(pos) + by);
    bump(at("meta"), grow);
    bump(at("iprp"), grow);
    bump(at("ipco"), boxes.length);
    bump(at("ipma") + boxes.length, assoc.length);
    out[at("ipma") + boxes.length + 18] = 4 + props.length; // association count of item 1
    const extent = Buffer.from(out).indexOf(Buffer.from([0, 0, 1, 0x1a, 0, 0, 0, 0x17]));
    bump(extent, grow);
    return out;
  }

  it("maps irot/imir to an EXIF-style orientation", () => {
    expect(inspectImage(withTransforms([]), LIMITS).orientation).toBe(1);
    const cases: [[string, number][], number][] = [
      [[["irot", 1]], 8], [[["irot", 2]], 3], [[["irot", 3]], 6],
      [[["imir", 1]], 2], [[["imir", 0]], 4], [[["irot", 1], ["imir", 0]], 5], [[["irot", 3], ["imir", 0]], 7],
    ];
    for (const [props, orientation] of cases) {
      expect([props, inspectImage(withTransforms(props), LIMITS).orientation]).toEqual([props, orientation]);
    }
    expect(inspect(withTransforms([["zzzz", 0]]))).toBe("invalid_image"); // unknown essential property
  });

  it("truncation anywhere after ftyp is invalid", () => {
    const b = base();
    for (let n = 32; n < b.length; n += 7) expect([n, inspect(b.subarray(0, n))]).toEqual([n, "invalid_image"]);
  });
});

// ---- inflate ----------------------------------------------------------------------------------

describe("zlib validation", () => {
  const data = new Uint8Array(50_000).map((_, i) => (i * 7919) % 251 ^ (i >> 9));
  it("accepts stored, fixed and dynamic streams of the exact size only", () => {
    for (const z of [deflateSync(data, { level: 0 }), deflateSync(data, { strategy: zc.Z_FIXED }), deflateSync(data, { level: 9 }), deflateSync(data, { strategy: zc.Z_RLE })]) {
      expect(() => validateZlib([z], data.length, "t")).not.toThrow();
      expect(() => validateZlib([z.subarray(0, 1), z.subarray(1, 100), z.subarray(100)], data.length, "t")).not.toThrow();
      expect(codeOf(() => validateZlib([z], data.length - 1, "t"))).toBe("invalid_image");
      expect(codeOf(() => validateZlib([z], data.length + 1, "t"))).toBe("invalid_image");
      expect(codeOf(() => validateZlib([z.subarray(0, z.length >> 1)], data.length, "t"))).toBe("invalid_image");
      expect(codeOf(() => validateZlib([z, new Uint8Array([0])], data.length, "t"))).toBe("invalid_image");
    }
  });

  it("rejects a bad header, a preset dictionary and a distance before the start", () => {
    expect(codeOf(() => validateZlib([new Uint8Array([0x78, 0x9d, 3, 0, 0, 0, 0, 1])], 0, "t"))).toBe("invalid_image");
    expect(codeOf(() => validateZlib([new Uint8Array([0x78, 0xbb, 0, 0, 0, 0, 3, 0, 0, 0, 0, 1])], 0, "t"))).toBe("invalid_image");
    // Fixed block: length 3 / distance 1 as the very first symbol.
    const raw = deflateRawSync(new Uint8Array(10));
    expect(() => validateZlib([cat([0x78, 0x01], raw, [0, 0, 0, 0])], 10, "t")).not.toThrow();
    expect(codeOf(() => validateZlib([new Uint8Array([0x78, 0x01, 0x03, 0x02, 0, 0, 0, 0, 0])], 3, "t"))).toBe("invalid_image");
  });
});

// ---- robustness -------------------------------------------------------------------------------

describe.skipIf(!hasCorpus)("mutated corpus files", () => {
  it("never throw anything but AppError, and finish quickly", () => {
    const parsers = { png: parsePng, jpeg: parseJpeg, gif: parseGif, webp: parseWebp, avif: parseAvif };
    const files: [keyof typeof parsers, string][] = [
      ["png", "pngsuite/basi3p02.png"], ["png", "pngsuite/ctzn0g04.png"], ["png", "pngsuite/exif2c08.png"],
      ["gif", "animated/anim-gr.gif"], ["gif", "animated/beacon.gif"], ["webp", "animated/random_lossy.webp"],
      ["webp", "webp-still/vnc-l.webp"], ["avif", "avif/white_1x1.avif"], ["avif", "avif/paris_icc_exif_xmp.avif"],
      ["jpeg", "exif-orientation/Landscape_6.jpg"],
    ];
    let seed = 12345;
    const rand = (n: number): number => {
      seed = (seed * 1103515245 + 12345) >>> 0;
      return (seed >>> 8) % n;
    };
    const started = performance.now();
    let accepted = 0, rejected = 0;
    for (const [format, path] of files) {
      const original = read(path);
      const limit = Math.min(original.length, 4096); // mutate headers and the first structures
      for (let i = 0; i < 150; i++) {
        const b = original.slice();
        for (let k = 1 + rand(4); k > 0; k--) b[rand(limit)] = rand(4) === 0 ? 0xff : rand(256);
        try {
          parsers[format](b, LIMITS);
          accepted++;
        } catch (err) {
          if (!(err instanceof AppError)) throw new Error(`${path} mutation ${i}: ${String(err)}`);
          rejected++;
        }
      }
    }
    expect(accepted + rejected).toBe(files.length * 150);
    expect(performance.now() - started).toBeLessThan(5000);
  });
});
