/** Hand-built files for the structural validator's tests. */
import { deflateSync } from "node:zlib";
import { cat, enc, u16be, u16le, u24le, u32be, u32le } from "./sniff-helpers";
import { crc32 } from "../../core/sniff/png";

export function pngChunk(type: string, data: ArrayLike<number> = []): Uint8Array {
  const td = cat(enc(type), data);
  return cat(u32be(data.length), td, u32be(crc32(td)));
}
export const PNG_SIG = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
export const ihdr = (w: number, h: number, depth = 8, colour = 0): Uint8Array => pngChunk("IHDR", [...u32be(w), ...u32be(h), depth, colour, 0, 0, 0]);
export const idat = (w: number, h: number, extra = 0): Uint8Array => pngChunk("IDAT", deflateSync(new Uint8Array(h * (w + 1) + extra)));
export function png(w: number, h: number, extra: Uint8Array[] = []): Uint8Array {
  return cat(PNG_SIG, ihdr(w, h), ...extra, idat(w, h), pngChunk("IEND"));
}
export function fctl(seq: number, w: number, h: number, x = 0, y = 0): Uint8Array {
  return pngChunk("fcTL", [...u32be(seq), ...u32be(w), ...u32be(h), ...u32be(x), ...u32be(y), 0, 1, 0, 1, 0, 0]);
}

/** Packs LZW codes given as [code, bits] pairs, LSB first, into GIF data sub-blocks. */
export function lzw(codes: [number, number][]): number[] {
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
export function gifFile(w: number, h: number, body: ArrayLike<number>[], screen: [number, number] = [w, h]): Uint8Array {
  return cat(enc("GIF89a"), u16le(screen[0]), u16le(screen[1]), [0x80, 0, 0], [0, 0, 0, 255, 255, 255], ...body);
}
export const frame = (w: number, h: number, data: number[], minCode = 2): number[] => [0x2c, 0, 0, 0, 0, ...u16le(w), ...u16le(h), 0, minCode, ...data];
export const GIF_1PX = lzw([[4, 3], [0, 3], [5, 3]]);

export function riffChunk(id: string, data: ArrayLike<number>): Uint8Array {
  return cat(enc(id), u32le(data.length), data, data.length & 1 ? [0] : []);
}
export function riff(chunks: Uint8Array[]): Uint8Array {
  const body = cat(enc("WEBP"), ...chunks);
  return cat(enc("RIFF"), u32le(body.length), body);
}
export const vp8l = (w: number, h: number, alpha = false): Uint8Array =>
  riffChunk("VP8L", [0x2f, ...u32le((w - 1) | ((h - 1) << 14) | (alpha ? 1 << 28 : 0)), 0, 0, 0]);
/** A VP8 key-frame header (no real partition data). */
export const vp8 = (w: number, h: number, tag = 0x10): Uint8Array => riffChunk("VP8 ", [tag, 0, 0, 0x9d, 0x01, 0x2a, ...u16le(w), ...u16le(h), 0, 0]);
export function anmf(x: number, y: number, w: number, h: number, image: Uint8Array): Uint8Array {
  return riffChunk("ANMF", cat(u24le(x / 2), u24le(y / 2), u24le(w - 1), u24le(h - 1), u24le(100), [0], image));
}
export const anim = riffChunk("ANIM", [0, 0, 0, 0, 0, 0]);
export const vp8xHeader = (flags: number, w: number, h: number): Uint8Array => riffChunk("VP8X", [flags, 0, 0, 0, ...u24le(w - 1), ...u24le(h - 1)]);

export const jseg = (marker: number, payload: ArrayLike<number>): Uint8Array => cat([0xff, marker], u16be(payload.length + 2), payload);
export const DQT = jseg(0xdb, [0, ...new Array<number>(64).fill(1)]);
export const DHT_DC = jseg(0xc4, [0x00, 0, 1, ...new Array<number>(14).fill(0), 0]);
export const sof = (marker: number, w: number, h: number, precision = 8): Uint8Array => jseg(marker, [precision, ...u16be(h), ...u16be(w), 1, 1, 0x11, 0]);
export const sos = (ss: number, se: number, a = 0): Uint8Array => jseg(0xda, [1, 1, 0x00, ss, se, a]);
/** A structurally complete (not decodable) one-component JPEG. */
export function jpeg(body: ArrayLike<number>[], marker = 0xc0, w = 8, h = 8): Uint8Array {
  return cat([0xff, 0xd8], DQT, sof(marker, w, h), DHT_DC, ...body, [0xff, 0xd9]);
}

/** A minimal stored-only ZIP archive with one file (what a GIFAR/JAR polyglot appends). */
export function zip(): Uint8Array {
  const name = enc("a.txt"), body = enc("hello");
  const local = cat(enc("PK\x03\x04"), [20, 0, 0, 0, 0, 0, 0, 0, 0, 0], u32le(0), u32le(5), u32le(5), u16le(5), u16le(0), name, body);
  const central = cat(enc("PK\x01\x02"), [20, 0, 20, 0, 0, 0, 0, 0, 0, 0, 0, 0], u32le(0), u32le(5), u32le(5), u16le(5), [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], u32le(0), name);
  const eocd = cat(enc("PK\x05\x06"), [0, 0, 0, 0, 1, 0, 1, 0], u32le(central.length), u32le(local.length), [0, 0]);
  return cat(local, central, eocd);
}
