import { readFileSync } from "node:fs";
import sharp, { type WebpOptions } from "sharp";
import { describe, expect, it } from "vitest";
import { EngineFailure, instantiateEngine } from "../../workers/resize/pipeline/codecs/engine-core";
import { PipelineError } from "../../workers/resize/pipeline/errors";
import { decodeWebpResized } from "../../workers/resize/pipeline/webp";

// The engine's libwebp decodes lossless WebP (and VP8L-coded alpha) into a window of rows that
// slides down (scripts/build-wasm/patches/libwebp-vp8l-window.patch), about 2^20 pixels of history.
// Every image here is larger than that window, so decoding crosses several slides; lossless means
// the decoded pixels must be exactly the encoded ones.
const NodeModule = WebAssembly.Module as unknown as new (bytes: Uint8Array) => WebAssembly.Module;
const engineModule = new NodeModule(readFileSync(new URL("../../workers/resize/wasm/engine.wasm", import.meta.url)));

/** Decodes with the engine to width x height (rescaled while decoding when smaller). */
function decode(bytes: Uint8Array, width?: number, height?: number): { rgba: Uint8Array; width: number; height: number; memory: number } {
  const inst = instantiateEngine(engineModule);
  const ex = inst.exports;
  const input = ex.eng_malloc(bytes.length);
  new Uint8Array(inst.memory.buffer, input, bytes.length).set(bytes);
  const packed = ex.wd_size(input, bytes.length);
  const w = width ?? Math.floor(packed / 65536), h = height ?? packed % 65536;
  const ptr = ex.wd_decode(input, bytes.length, w, h);
  return { rgba: new Uint8Array(inst.memory.buffer, ptr, w * h * 4).slice(), width: w, height: h, memory: inst.memory.buffer.byteLength };
}

function xorshift(seed: number) {
  let s = seed;
  return () => {
    s ^= s << 13; s ^= s >>> 17; s ^= s << 5;
    return s >>> 0;
  };
}

/** RGBA pixels from f(x, y) -> [r, g, b, a]. */
function pixels(width: number, height: number, f: (x: number, y: number) => number[]): Buffer {
  const px = Buffer.alloc(width * height * 4);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) px.set(f(x, y), (y * width + x) * 4);
  return px;
}

const webp = (px: Buffer, width: number, height: number, options: WebpOptions) =>
  sharp(px, { raw: { width, height, channels: 4 } }).webp(options).toBuffer();

function firstDifference(a: Uint8Array, b: Uint8Array): number {
  if (a.length !== b.length) return -2;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return i;
  return -1;
}

describe("lossless WebP in a sliding window", () => {
  it("decodes back-references reaching ~1 M pixels back exactly, in bounded memory", async () => {
    // A noise tile 520 rows tall, repeated: the encoder's copies reach 2000 x 520 pixels back.
    const [w, h] = [2000, 3000];
    const next = xorshift(5);
    const tile = pixels(w, 520, () => [next() & 255, next() & 255, next() & 255, 255]);
    const px = pixels(w, h, (x, y) => [...tile.subarray(((y % 520) * w + x) * 4, ((y % 520) * w + x) * 4 + 4)]);
    const bytes = await webp(px, w, h, { lossless: true, quality: 100, effort: 4 });
    // Far smaller than the noise: the repeats were coded as long copies.
    expect(bytes.length).toBeLessThan(w * 520 * 3 * 1.2);
    expect(firstDifference(decode(bytes).rgba, px)).toBe(-1);
    // Scaled while decoding: the whole image at 4 B/pixel (24 MB) is never held.
    const small = decode(bytes, 541, 811);
    expect(small.memory).toBeLessThan(16 * 2 ** 20);
  });

  it("decodes a 4-colour image (palette, 4 pixels bundled per coded pixel) exactly", async () => {
    const [w, h] = [4000, 2400];
    const palette = [[0, 0, 0, 255], [255, 0, 0, 255], [0, 128, 255, 255], [250, 250, 250, 255]];
    const next = xorshift(7);
    const px = pixels(w, h, (x, y) => palette[((x >> 3) + (y >> 4) + (next() % 29 === 0 ? 1 : 0)) & 3]!);
    const bytes = await webp(px, w, h, { lossless: true, effort: 4 });
    expect(firstDifference(decode(bytes).rgba, px)).toBe(-1);
  });

  it("decodes a narrow, tall image and a translucent one exactly", async () => {
    const next = xorshift(9);
    const tall = pixels(200, 16383, (x, y) => [(x * y) & 255, (next() & 7) + y, x, 255]);
    expect(firstDifference(decode(await webp(tall, 200, 16383, { lossless: true, effort: 1 })).rgba, tall)).toBe(-1);
    const clear = pixels(2000, 1500, (x, y) => [x & 255, y & 255, next() & 255, 1 + ((x + y + (next() & 3)) % 255)]);
    expect(firstDifference(decode(await webp(clear, 2000, 1500, { lossless: true, effort: 1 })).rgba, clear)).toBe(-1);
  });
});

describe("lossy WebP's alpha in a sliding window", () => {
  // Alpha 1-255 with grain (coded at 4 B/pixel) and 4 levels (a palette: libwebp's 1 B/pixel path).
  const [w, h] = [2000, 1500];
  const next = xorshift(11);
  const ramp = pixels(w, h, (x, y) => [x & 255, y & 255, 90, 1 + ((x + y + (next() & 3)) % 255)]);
  const levels = pixels(w, h, (x, y) => [x & 255, y & 255, 90, 64 * (((x >> 5) + (y >> 6)) & 3) + 63]);

  it.each([["graded", ramp], ["4-level", levels]] as const)("keeps %s alpha exact, full size and rescaled", async (_, px) => {
    const lossy = await webp(px, w, h, { quality: 80, alphaQuality: 100 });
    const alpha = (rgba: Uint8Array) => rgba.filter((_, i) => i % 4 === 3);
    expect(firstDifference(alpha(decode(lossy).rgba), alpha(px))).toBe(-1);
    // libwebp's rescaler works the same on both alpha paths: the lossless file's rescaled alpha is
    // the reference, for a shrink that reads rows back across windows (1500 -> 203).
    const lossless = await webp(px, w, h, { lossless: true, effort: 0 });
    expect(firstDifference(alpha(decode(lossy, 541, 203).rgba), alpha(decode(lossless, 541, 203).rgba))).toBe(-1);
  });
});

/** VP8L bits, least significant first, as its bit reader takes them. */
class Bits {
  bytes: number[] = [];
  n = 0;
  put(value: number, count: number) {
    for (let i = 0; i < count; i++, this.n++) {
      if (this.n % 8 === 0) this.bytes.push(0);
      this.bytes[this.bytes.length - 1]! |= ((value >> i) & 1) << (this.n % 8);
    }
  }
  /** A Huffman code, first bit first. */
  code(bits: string) {
    for (const b of bits) this.put(Number(b), 1);
  }
}

/**
 * A hand-made lossless bitstream: green is 77 (code "0") or an LZ77 copy of length 1 (code "1")
 * whose distance is one row up; red/blue 0, alpha 255. `pixelCodes` writes the pixels' codes.
 */
function craftedVp8l(width: number, height: number, pixelCodes: (b: Bits) => void): Uint8Array {
  const b = new Bits();
  b.put(0x2f, 8);
  b.put(width - 1, 14);
  b.put(height - 1, 14);
  b.put(0, 1 + 3); // no alpha hint, version 0
  b.put(0, 1 + 1 + 1); // no transform, no colour cache, no meta Huffman image
  // Green: a normal code. Code-length code: 4 lengths in kCodeLengthCodeOrder (17, 18, 0, 1).
  b.put(0, 1); // not a simple code
  b.put(0, 4); // 4 code-length codes
  for (const len of [0, 2, 2, 1]) b.put(len, 3); // 1 -> "0", 0 -> "10", 18 -> "11"
  b.put(0, 1); // lengths for all 280 symbols
  const zeros = (count: number) => {
    for (; count > 0; count -= Math.min(count, 138)) {
      b.code("11");
      b.put(Math.min(count, 138) - 11, 7);
    }
  };
  zeros(77);
  b.code("0"); // symbol 77: length 1
  zeros(256 - 78);
  b.code("0"); // symbol 256 (copy length 1): length 1
  zeros(280 - 257);
  // Red, blue: one symbol (0); alpha: one symbol (255); distance: one symbol (0: one row up).
  for (const [bits8, symbol] of [[0, 0], [0, 0], [1, 255], [0, 0]]) {
    b.put(1, 1); // simple
    b.put(0, 1); // one symbol
    b.put(bits8!, 1);
    b.put(symbol!, bits8 ? 8 : 1);
  }
  pixelCodes(b);
  b.put(0, 64); // slack: the reader must not run out before the last pixel
  const data = Uint8Array.from(b.bytes);
  const chunk = data.length + (data.length & 1);
  const riff = new Uint8Array(20 + chunk);
  const view = new DataView(riff.buffer);
  riff.set(new TextEncoder().encode("RIFF"), 0);
  view.setUint32(4, 12 + chunk, true);
  riff.set(new TextEncoder().encode("WEBPVP8L"), 8);
  view.setUint32(16, data.length, true);
  riff.set(data, 20);
  return riff;
}

describe("crafted lossless bitstreams", () => {
  const [w, h] = [2000, 1200]; // 2.4 M pixels: more than one window

  it("decodes copies from one row up (the control)", () => {
    const bytes = craftedVp8l(w, h, (b) => {
      for (let i = 0; i < w; i++) b.code("0");
      for (let i = w; i < w * h; i++) b.code("1");
    });
    const out = decode(bytes).rgba;
    expect(out.length).toBe(w * h * 4);
    expect(out.every((v, i) => v === [0, 77, 0, 255][i % 4])).toBe(true);
  });

  it("refuses a copy from before the first pixel as a corrupt bitstream", () => {
    const bytes = craftedVp8l(w, h, (b) => {
      for (let i = 0; i < w - 1; i++) b.code("0");
      for (let i = w - 1; i < w * h; i++) b.code("1");
    });
    expect(() => decode(bytes)).toThrow(EngineFailure);
    expect(() => decode(bytes)).toThrow(/corrupt bitstream/);
    // Through the pipeline's decoder, the engine's failure is permanent and named by the format.
    expect(() => decodeWebpResized(instantiateEngine(engineModule), bytes, w, h, 500, 300)).toThrow(PipelineError);
    expect(() => decodeWebpResized(instantiateEngine(engineModule), bytes, w, h, 500, 300)).toThrow(/^WebP: corrupt bitstream$/);
  });
});
