import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startProbe, type Probe } from "../../bench/resize-harness.mjs";
import { cached, photoPixels, SHARED_FILES } from "../../bench/resize-images.mjs";
import { ISOLATE_BUDGET_BYTES } from "../../workers/resize/pipeline/memory";
import { apng } from "../unit/apng-builders";

// The resize pipeline inside workerd on the largest image each encoding's limit accepts: the
// isolate's peak (every WASM memory the job holds + its large JS buffers, as the pipeline's
// memory ledger counts them: workerd has no heap statistics) stays under the budget, and a run of
// jobs leaves the isolate at the same idle level after each one. No timing is asserted.
const BUDGET = ISOLATE_BUDGET_BYTES;

function raw(width: number, height: number, seed: number) {
  return sharp(photoPixels(width, height, 3, seed), { raw: { width, height, channels: 3 } });
}

/** Photo-like RGBA with an alpha ramp plus pixel grain: libwebp codes that alpha at 4 B/pixel, not as a palette. */
function rawAlpha(width: number, height: number, seed: number) {
  const px = photoPixels(width, height, 4, seed);
  for (let i = 3, p = 0; i < px.length; i += 4, p++) px[i] = ((p % width) + Math.floor(p / width) + (px[i - 1]! & 7)) & 255;
  return sharp(px, { raw: { width, height, channels: 4 } });
}

// At each encoding's limit (wrangler.toml): files cached in the OS temp folder across runs.
const LARGE: { name: string; make: () => Promise<Buffer> }[] = [
  { name: "72mp.jpg", make: SHARED_FILES["72mp.jpg"] },
  // CMYK rows go through the profile's transform while decoding (libvips' 940 KiB print profile);
  // 37 MiB, more than an upload may be: an upper bound (peak ≈ 65 MiB, the input counted).
  { name: "72mp-cmyk-profile.jpg", make: () => raw(10315, 7049, 4).toColourspace("cmyk").withIccProfile("cmyk").jpeg({ quality: 90 }).toBuffer() },
  { name: "72mp-progressive.jpg", make: SHARED_FILES["72mp-progressive.jpg"] },
  // Turned by EXIF: the variants' width is the stored height, so it decodes at 3/8, not 1/8.
  { name: "72mp-progressive-turned.jpg", make: SHARED_FILES["72mp-progressive-turned.jpg"] },
  { name: "48mp-progressive-444.jpg", make: () => raw(8000, 6000, 12).jpeg({ quality: 90, progressive: true, chromaSubsampling: "4:4:4" }).toBuffer() },
  { name: "24mp-fast.png", make: () => raw(6000, 4000, 11).png({ compressionLevel: 1 }).toBuffer() },
  { name: "13.3mp-interlaced.png", make: () => raw(4464, 2976, 13).png({ compressionLevel: 9, progressive: true }).toBuffer() },
  { name: "24mp-fast.webp", make: () => raw(6000, 4000, 11).webp({ quality: 80, effort: 0 }).toBuffer() },
  { name: "24mp-lossless.webp", make: SHARED_FILES["24mp-lossless.webp"] },
  { name: "24mp-fast.gif", make: SHARED_FILES["24mp-fast.gif"] },
  // AVIF's limit is in 8-bit 4:2:0 pixels: 4:4:4, 10-bit and alpha weigh more (core/sniff/avif-weight.ts).
  { name: "24mp-420.avif", make: SHARED_FILES["24mp-420.avif"] },
  { name: "13.8mp-444.avif", make: SHARED_FILES["13.8mp-444.avif"] },
  { name: "13.8mp-10bit.avif", make: SHARED_FILES["13.8mp-10bit.avif"] },
  { name: "16mp-alpha.avif", make: SHARED_FILES["16mp-alpha.avif"] },
];

let probe: Probe;
beforeAll(async () => {
  probe = await startProbe();
});
afterAll(async () => {
  await probe?.dispose();
});

describe("resize engine memory inside workerd", () => {
  it.each(LARGE)("$name stays under 100 MiB", async ({ name, make }) => {
    const bytes = await cached(name, make);
    const result = await probe.render(bytes);
    expect(result.variants.map((v) => v.width)).toEqual([1024, 1024, 800, 800, 500, 500]);
    expect(result.stats.peakIsolateBytes).toBeLessThan(BUDGET);
  });

  // Animations at the largest canvas that still moves: every frame composited at 4 B/pixel and
  // re-encoded at each width, one width (one encoder) at a time.
  // An APNG at the largest canvas, near the upload limit (3 grainy frames and 9 smooth ones make
  // 25 MB): its frames composited in JS on a canvas in the engine (png.ts), half of them blended
  // OVER and restored to the previous canvas (a saved rectangle).
  it("anim-2048x2048x12.apng: animated variants, under 100 MiB", async () => {
    const smooth = (k: number) => {
      const px = new Uint8Array(2048 * 2048 * 4);
      for (let i = 0, p = 0; i < px.length; i += 4, p++) px.set([(p >> 3) + k * 20, (p >> 14) & 255, k * 16, 255], i);
      return px;
    };
    const bytes = await cached("anim-2048x2048x12-25mb.apng", async () => {
      const frames = Array.from({ length: 12 }, (_, k) => ({
        w: 2048, h: 2048, dispose: k % 2 ? 2 : 0, blend: k % 2, num: 1, den: 10,
        pixels: (k % 4 === 0 ? photoPixels(2048, 2048, 4, 40 + k) : smooth(k)).map((v, i) => (i % 4 === 3 ? (k % 2 ? 160 : 255) : v)),
      }));
      return Buffer.from(apng(2048, 2048, frames));
    });
    expect(bytes.length).toBeLessThan(32 * 2 ** 20);
    const result = await probe.render(bytes);
    expect(result.variants.map((v) => v.width)).toEqual([1024, 1024, 800, 800, 500, 500]);
    expect(result.stats.animatedFrames).toBe(12);
    expect(result.stats.peakIsolateBytes).toBeLessThan(BUDGET);
  });

  it.each([
    ["anim-2048x2048x12.gif", 12],
    ["anim-2048x2048x12.webp", 12],
    ["anim-1024x1024x25.webp", 25],
  ] as const)("%s: animated variants, under 100 MiB", async (name, frames) => {
    const bytes = await cached(name, SHARED_FILES[name]);
    const result = await probe.render(bytes);
    expect(result.variants.map((v) => v.width)).toEqual([1024, 1024, 800, 800, 500, 500]);
    expect(result.stats.animatedFrames).toBe(frames);
    expect(result.stats.peakIsolateBytes).toBeLessThan(BUDGET);
  });

  // Tall images (long screenshots): their variants are capped in pixels (core/variants.ts), at the
  // caps here, opaque and transparent, plus one far taller than any standard width allows.
  const TALL: { name: string; make: () => Promise<Buffer>; widths: number[] }[] = [
    { name: "tall-1080x3240.png", make: () => raw(1080, 3240, 31).png({ compressionLevel: 1 }).toBuffer(), widths: [1024, 800, 500] },
    // Its 1024x3072 JPEG fallback needs libjpeg's full coefficient buffer (9 MiB) after the compact store.
    { name: "tall-1080x3240-progressive.jpg", make: () => raw(1080, 3240, 32).jpeg({ quality: 90, progressive: true }).toBuffer(), widths: [1024, 800, 500] },
    { name: "tall-1080x1620-alpha.webp", make: () => sharp(photoPixels(1080, 1620, 4, 33).map((v, i) => (i % 4 === 3 ? (i >> 6) & 255 : v)), { raw: { width: 1080, height: 1620, channels: 4 } }).webp({ quality: 80 }).toBuffer(), widths: [1024, 800, 500] },
    { name: "tall-1080x8000.png", make: () => raw(1080, 8000, 34).png({ compressionLevel: 6 }).toBuffer(), widths: [500] },
  ];
  it.each(TALL)("$name: capped variants, under 100 MiB", async ({ name, make, widths }) => {
    const bytes = await cached(name, make);
    const result = await probe.render(bytes);
    expect([...new Set(result.variants.map((v) => v.width))]).toEqual(widths);
    expect(result.stats.peakIsolateBytes).toBeLessThan(BUDGET);
  });

  it("returns to the same idle level after each of 50 jobs in a row (JPEG, PNG, GIF, WebP, AVIF, ICC profiles)", async () => {
    const small = await Promise.all([
      cached("2mp.jpg", () => raw(1800, 1200, 21).jpeg({ quality: 85 }).toBuffer()),
      cached("1mp-alpha.png", () => sharp(photoPixels(1200, 900, 4, 22).map((v, i) => (i % 4 === 3 ? (i >> 4) & 255 : v)), { raw: { width: 1200, height: 900, channels: 4 } }).png().toBuffer()),
      cached("1mp.gif", () => raw(1200, 900, 23).gif({ effort: 1 }).toBuffer()),
      cached("2mp.webp", () => raw(1800, 1200, 24).webp({ quality: 80 }).toBuffer()),
      cached("2mp-p3.jpg", () => raw(1800, 1200, 25).withIccProfile("p3").jpeg({ quality: 85 }).toBuffer()),
      cached("2mp-cmyk-profile.jpg", () => raw(1800, 1200, 26).toColourspace("cmyk").withIccProfile("cmyk").jpeg({ quality: 85 }).toBuffer()),
      cached("2mp-420.avif", () => raw(1800, 1200, 25).avif({ quality: 60, effort: 0, chromaSubsampling: "4:2:0" }).toBuffer()),
    ]);
    const idle: number[] = [];
    const peaks: number[] = [];
    for (let i = 0; i < 50; i++) {
      const result = await probe.render(small[i % small.length]!);
      idle.push(result.liveWasmBytesAfter);
      peaks.push(result.stats.peakIsolateBytes);
    }
    // After the first round every codec the jobs use has been created once: from then on, flat.
    expect(new Set(idle.slice(small.length)).size).toBe(1);
    // Only photon (PNG fallbacks) is kept between jobs, up to 24 MiB (codecs/slot.ts); the engine,
    // which encodes the WebPs too, is dropped after each job.
    expect(idle.at(-1)).toBeLessThanOrEqual(24 * 1024 * 1024);
    for (let i = small.length; i < peaks.length; i++) expect(peaks[i]).toBe(peaks[i % small.length + small.length]);
  });

  // Last: its transparent PNG fallbacks grow the reused photon, which would raise the idle level
  // the test above asserts.
  it("lossy WebP with 4 B/pixel alpha at 24 MP stays under 100 MiB", async () => {
    const bytes = await cached("24mp-alpha.webp", () => rawAlpha(6000, 4000, 9).webp({ quality: 80, effort: 0 }).toBuffer());
    const result = await probe.render(bytes);
    expect(result.variants.map((v) => v.width)).toEqual([1024, 1024, 800, 800, 500, 500]);
    expect(result.stats.transparent).toBe(true);
    expect(result.stats.peakIsolateBytes).toBeLessThan(BUDGET);
  });
});
