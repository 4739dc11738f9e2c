import { deflateSync } from "node:zlib";
import sharp from "sharp";
import { describe, expect, it } from "vitest";
import { AppError } from "../../core/errors";
import { LOSSLESS_WEBP_MAX_BYTES, parseLimits } from "../../core/limits";
import { inspectImage } from "../../core/sniff";
import { avifPixelWeight } from "../../core/sniff/avif-weight";
import type { Box } from "../../core/sniff/bmff";
import { crc32 } from "../../core/sniff/png";
import { anim, anmf, riff, vp8, vp8l, vp8xHeader } from "./sniff-builders";

// The resize engine's per-encoding pixel limits, enforced from headers at upload (and re-checked
// by the resize Worker): each encoding is refused just above its limit and accepted at it.
const limits = parseLimits({
  MAX_PIXELS: 1000,
  MAX_PIXELS_INTERLACED: 100,
  MAX_PIXELS_OTHER: 400,
  MAX_PIXELS_LOSSLESS_WEBP: 200,
  MAX_PIXELS_AVIF: 50,
});

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, data.length);
  out.set(new TextEncoder().encode(type), 4);
  out.set(data, 8);
  dv.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

function png(width: number, height: number, interlaced = false): Uint8Array {
  const ihdr = new Uint8Array(13);
  new DataView(ihdr.buffer).setUint32(0, width);
  new DataView(ihdr.buffer).setUint32(4, height);
  ihdr.set([8, 0, 0, 0, interlaced ? 1 : 0], 8);
  // Grey 8-bit rows, filter 0 (interlaced: the Adam7 passes' rows, each with its filter byte).
  const passes = interlaced
    ? [[0, 0, 8, 8], [4, 0, 8, 8], [0, 4, 4, 8], [2, 0, 4, 4], [0, 2, 2, 4], [1, 0, 2, 2], [0, 1, 1, 2]].map(([x0, y0, dx, dy]) => [Math.ceil((width - x0!) / dx!), Math.ceil((height - y0!) / dy!)])
    : [[width, height]];
  const raw = passes.filter(([w, h]) => w! > 0 && h! > 0).map(([w, h]) => new Uint8Array((w! + 1) * h!));
  const data = deflateSync(Buffer.concat(raw));
  const sig = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  return Buffer.concat([Buffer.from(sig), chunk("IHDR", ihdr), chunk("IDAT", data), chunk("IEND", new Uint8Array(0))]);
}

function refusal(bytes: Uint8Array): string | null {
  try {
    inspectImage(bytes, limits);
    return null;
  } catch (err) {
    if (err instanceof AppError) return `${err.code}: ${err.message}`;
    throw err;
  }
}

describe("resize engine pixel limits", () => {
  it("PNG: MAX_PIXELS_OTHER, interlaced PNG: MAX_PIXELS_INTERLACED", () => {
    expect(refusal(png(20, 20))).toBeNull();
    expect(refusal(png(21, 20))).toMatch(/^image_too_large: PNG .*400 pixels/);
    // Interlaced weighs 1.5: 66 pixels.
    expect(refusal(png(11, 6, true))).toBeNull();
    expect(refusal(png(11, 7, true))).toMatch(/^image_too_large: interlaced PNG .*66 pixels for its encoding/);
  });

  it("JPEG: MAX_PIXELS, progressive or not (the engine keeps a progressive file's coefficients compact)", async () => {
    const jpeg = (w: number, h: number, progressive: boolean, chromaSubsampling = "4:2:0") =>
      sharp({ create: { width: w, height: h, channels: 3, background: "#808080" } }).jpeg({ progressive, chromaSubsampling }).toBuffer();
    expect(refusal(await jpeg(40, 25, false))).toBeNull();
    expect(refusal(await jpeg(41, 25, false))).toMatch(/^image_too_large: .*1000 pixels/);
    expect(refusal(await jpeg(40, 25, true, "4:4:4"))).toBeNull();
    expect(refusal(await jpeg(41, 25, true))).toMatch(/^image_too_large: .*1000 pixels/);
  });

  it("WebP: MAX_PIXELS_OTHER when lossy, MAX_PIXELS_LOSSLESS_WEBP when lossless; GIF", async () => {
    const img = (w: number, h: number) => sharp({ create: { width: w, height: h, channels: 3, background: "#808080" } });
    expect(refusal(await img(20, 20).webp().toBuffer())).toBeNull();
    expect(refusal(await img(21, 20).webp().toBuffer())).toMatch(/^image_too_large: WEBP .*400 pixels/);
    expect(refusal(await img(14, 14).webp({ lossless: true }).toBuffer())).toBeNull();
    expect(refusal(await img(15, 14).webp({ lossless: true }).toBuffer())).toMatch(/^image_too_large: lossless WebP .*200 pixels/);
    // An animation by its first frame, the one the engine decodes.
    const animation = (first: Uint8Array, second: Uint8Array) => riff([vp8xHeader(0x02, 15, 14), anim, anmf(0, 0, 15, 14, first), anmf(0, 0, 15, 14, second)]);
    expect(refusal(animation(vp8l(15, 14), vp8(15, 14)))).toMatch(/^image_too_large: lossless WebP .*200 pixels/);
    expect(refusal(animation(vp8(15, 14), vp8l(15, 14)))).toBeNull();
    expect(refusal(await img(20, 20).gif().toBuffer())).toBeNull();
    expect(refusal(await img(21, 20).gif().toBuffer())).toMatch(/^image_too_large: GIF .*400 pixels/);
  });

  it("AVIF: MAX_PIXELS_AVIF in 8-bit 4:2:0 opaque pixels, weighted by dav1d's frame and the file size", async () => {
    const img = (w: number, h: number, channels: 3 | 4 = 3) => sharp({ create: { width: w, height: h, channels, background: "#80808080" } });
    const yuv420 = { chromaSubsampling: "4:2:0" };
    expect(refusal(await img(7, 7).avif(yuv420).toBuffer())).toBeNull();
    expect(refusal(await img(8, 7).avif(yuv420).toBuffer())).toMatch(/^image_too_large: AVIF .*50 pixels/);
    // 4:4:4 (sharp's default) or 10-bit: (3 + 0.55) / 2.05 = 1.73 each; an 8-bit alpha adds 1 / 2.05.
    const heavy = /^image_too_large: AVIF .*28 pixels for its encoding/;
    expect(refusal(await img(7, 4).avif().toBuffer())).toBeNull();
    expect(refusal(await img(6, 5).avif().toBuffer())).toMatch(heavy);
    expect(refusal(await img(7, 4).avif({ ...yuv420, bitdepth: 10 }).toBuffer())).toBeNull();
    expect(refusal(await img(6, 5).avif({ ...yuv420, bitdepth: 10 }).toBuffer())).toMatch(heavy);
    expect(refusal(await img(6, 5, 4).avif(yuv420).toBuffer())).toBeNull();
    expect(refusal(await img(7, 5, 4).avif(yuv420).toBuffer())).toMatch(/^image_too_large: AVIF .*33 pixels for its encoding/);
  });

  it("AVIF: file bytes beyond 2 MiB weigh as frame bytes, twice", async () => {
    const file = await sharp({ create: { width: 100, height: 100, channels: 3, background: "#808080" } }).avif({ chromaSubsampling: "4:2:0" }).toBuffer();
    expect(inspectImage(file, parseLimits({})).engineWeight).toBe(1);
    // An 8-bit 4:2:0 av1C at the start of a file 10,250 bytes over 2 MiB.
    const av1C: Box = { type: "av1C", start: 0, data: 0, end: 4 };
    const padded = new Uint8Array(2 * 1024 * 1024 + 10_250);
    padded.set([0x81, 0, 0x0c, 0]);
    expect(avifPixelWeight(padded.subarray(0, 4), 100, 100, av1C, null)).toBe(1);
    expect(avifPixelWeight(padded, 100, 100, av1C, null)).toBeCloseTo((1.5 + 0.55 + (2 * (padded.length - 2 * 1024 * 1024)) / 10_000) / 2.05, 6);
  });

  it("lossless WebP: a file size cap too, as the engine holds its bitstream beside the input", async () => {
    const small = await sharp({ create: { width: 12, height: 12, channels: 3, background: "#808080" } }).webp({ lossless: true }).toBuffer();
    expect(refusal(small)).toBeNull();
    const capped = (bytes: Uint8Array) => {
      try {
        inspectImage(bytes, { ...limits, maxBytesLosslessWebp: small.length - 1 });
        return null;
      } catch (err) {
        return err instanceof AppError ? `${err.code}: ${err.message}` : String(err);
      }
    };
    expect(capped(small)).toMatch(/^image_too_large: lossless WebP file is \d+ bytes; the maximum for it is \d+ bytes$/);
    expect(capped(await sharp({ create: { width: 12, height: 12, channels: 3, background: "#808080" } }).webp({ quality: 50 }).toBuffer())).toBeNull();
    expect(parseLimits({}).maxBytesLosslessWebp).toBe(LOSSLESS_WEBP_MAX_BYTES);
  });

  it("defaults keep every limit at or below MAX_PIXELS", () => {
    const d = parseLimits({});
    for (const v of [d.maxPixelsInterlaced, d.maxPixelsOther, d.maxPixelsLosslessWebp, d.maxPixelsAvif]) expect(v).toBeLessThanOrEqual(d.maxPixels);
    expect(d.maxPixels).toBeGreaterThanOrEqual(72_000_000);
    expect(d.maxPixelsOther).toBeGreaterThanOrEqual(24_000_000);
  });
});
