// Deterministic, photo-like test images for the resize benchmark, made with sharp and cached in the
// system temp folder: smooth shading, soft shapes with hard edges, and fine sensor-like grain.
import { mkdir, readFile, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import sharp from "sharp";

const CACHE = path.join(os.tmpdir(), "img-host-resize-bench-v1");

/** RGB (or RGBA) pixels: separable waves, a few discs, and xorshift grain; `seed` varies them. */
function photoPixels(width, height, channels, seed) {
  const px = Buffer.alloc(width * height * channels);
  const col = new Float32Array(width);
  const row = new Float32Array(height);
  for (let x = 0; x < width; x++) col[x] = 40 * Math.sin((x / width) * 7.1 + seed) + 25 * Math.sin((x / width) * 53 + seed * 2);
  for (let y = 0; y < height; y++) row[y] = 50 * Math.cos((y / height) * 5.3 + seed) + 20 * Math.sin((y / height) * 71);
  const discs = Array.from({ length: 9 }, (_, i) => ({
    cx: width * ((0.13 + i * 0.37 + seed * 0.1) % 1),
    cy: height * ((0.21 + i * 0.53) % 1),
    r: Math.min(width, height) * (0.05 + (i % 4) * 0.04),
    tint: [(i * 67) % 255, (i * 131) % 255, (i * 29) % 255],
  }));
  let s = 0x9e3779b9 ^ seed;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const base = 128 + col[x] + row[y];
      let tint = null;
      for (const d of discs) {
        const dx = x - d.cx, dy = y - d.cy;
        if (dx * dx + dy * dy < d.r * d.r) tint = d.tint;
      }
      s ^= s << 13; s ^= s >>> 17; s ^= s << 5;
      const grain = ((s & 15) - 7.5) * 0.8;
      const i = (y * width + x) * channels;
      px[i] = tint ? (tint[0] + base) / 2 + grain : base + grain;
      px[i + 1] = tint ? (tint[1] + base) / 2 + grain : base * 0.9 + 20 + grain;
      px[i + 2] = tint ? (tint[2] + base) / 2 + grain : 200 - base * 0.6 + grain;
      if (channels === 4) px[i + 3] = 255;
    }
  }
  return px;
}

async function cached(name, make) {
  const file = path.join(CACHE, name);
  try {
    return await readFile(file);
  } catch {
    await mkdir(CACHE, { recursive: true });
    const bytes = await make();
    await writeFile(file, bytes);
    return bytes;
  }
}

function jpeg(width, height, seed) {
  return sharp(photoPixels(width, height, 3, seed), { raw: { width, height, channels: 3 } }).jpeg({ quality: 90 }).toBuffer();
}

const raw = (width, height, seed, channels = 3) => sharp(photoPixels(width, height, channels, seed), { raw: { width, height, channels } });

/**
 * Files both the benchmark and the memory tests (test/e2e/resize-memory.test.ts) use, by cache
 * name: one definition, so neither can fill the shared cache with a different file under a name.
 */
export const SHARED_FILES = {
  "72mp.jpg": () => jpeg(10315, 7049, 4),
  "72mp-progressive.jpg": () => raw(10315, 7049, 4).jpeg({ quality: 90, progressive: true }).toBuffer(),
  "72mp-progressive-turned.jpg": () => raw(10315, 7049, 16).jpeg({ quality: 90, progressive: true }).withMetadata({ orientation: 6 }).toBuffer(),
  "24mp-fast.gif": () => raw(6000, 4000, 11).gif({ effort: 1 }).toBuffer(),
  "24mp-lossless.webp": () => raw(6000, 4000, 8).webp({ lossless: true, effort: 0 }).toBuffer(),
  "24mp-420.avif": () => raw(6000, 4000, 16).avif({ quality: 60, effort: 0, chromaSubsampling: "4:2:0" }).toBuffer(),
  "13.8mp-444.avif": () => raw(4550, 3040, 17).avif({ quality: 60, effort: 0 }).toBuffer(),
  "13.8mp-10bit.avif": () => raw(4550, 3040, 18).avif({ quality: 60, effort: 0, chromaSubsampling: "4:2:0", bitdepth: 10 }).toBuffer(),
  "16mp-alpha.avif": () =>
    sharp(photoPixels(4900, 3280, 4, 19).map((v, i) => (i % 4 === 3 ? 128 + ((i >> 6) & 127) : v)), { raw: { width: 4900, height: 3280, channels: 4 } })
      .avif({ quality: 60, effort: 0, chromaSubsampling: "4:2:0" })
      .toBuffer(),
  // Animations at the largest canvas whose variants move (workers/resize/pipeline/animation.ts).
  "anim-2048x2048x12.gif": () => animation(2048, 2048, 12, "gif"),
  "anim-2048x2048x12.webp": () => animation(2048, 2048, 12, "webp"),
  // And at the most frames x variant pixels: 25 x (1024² + 800² + 500²) ≈ 48.5 M.
  "anim-1024x1024x25.webp": () => animation(1024, 1024, 25, "webp"),
};

/** Frames of photo-like pixels joined into an animation (GIF or WebP), 100 ms each, looping forever. */
async function animation(width, height, frames, format) {
  const pngs = [];
  for (let k = 0; k < frames; k++) {
    pngs.push(await sharp(photoPixels(width, height, 3, k + 1), { raw: { width, height, channels: 3 } }).png({ compressionLevel: 1 }).toBuffer());
  }
  const joined = sharp(pngs, { join: { animated: true } });
  return format === "gif" ? joined.gif({ loop: 0, delay: 100 }).toBuffer() : joined.webp({ loop: 0, delay: 100, quality: 80, effort: 0 }).toBuffer();
}

/** A shared file, from the cache or made once. */
export const sharedFile = (name) => cached(name, SHARED_FILES[name]);


/** The benchmark's generated set: name, bytes and what it stands for. */
export async function generatedImages() {
  return [
    { name: "jpeg-1mp", note: "1224x816 baseline JPEG q90", bytes: await cached("1mp.jpg", () => jpeg(1224, 816, 1)) },
    { name: "jpeg-4.5mp", note: "2592x1728 baseline JPEG q90", bytes: await cached("4.5mp.jpg", () => jpeg(2592, 1728, 2)) },
    {
      name: "jpeg-4.5mp-p3",
      note: "the same in Display P3 (ICC profile)",
      bytes: await cached("4.5mp-p3.jpg", () => raw(2592, 1728, 2).withIccProfile("p3").jpeg({ quality: 90 }).toBuffer()),
    },
    {
      name: "jpeg-4.5mp-cmyk",
      note: "the same as CMYK with libvips' 940 KiB print profile",
      bytes: await cached("4.5mp-cmyk.jpg", () => raw(2592, 1728, 2).toColourspace("cmyk").withIccProfile("cmyk").jpeg({ quality: 90 }).toBuffer()),
    },
    { name: "jpeg-18mp", note: "5184x3456 baseline JPEG q90", bytes: await cached("18mp.jpg", () => jpeg(5184, 3456, 3)) },
    { name: "jpeg-72mp", note: "10315x7049 baseline JPEG q90", bytes: await sharedFile("72mp.jpg") },
    {
      name: "jpeg-72mp-progressive",
      note: "10315x7049 progressive JPEG q90 4:2:0",
      bytes: await sharedFile("72mp-progressive.jpg"),
    },
    {
      name: "jpeg-72mp-progressive-turned",
      note: "10315x7049 progressive JPEG q90 4:2:0, EXIF orientation 6 (decoded at 3/8)",
      bytes: await sharedFile("72mp-progressive-turned.jpg"),
    },
    {
      name: "jpeg-20mp-progressive",
      note: "5472x3648 progressive JPEG q100 4:2:0",
      bytes: await cached("20mp-progressive-q100.jpg", () =>
        sharp(photoPixels(5472, 3648, 3, 15), { raw: { width: 5472, height: 3648, channels: 3 } }).jpeg({ quality: 100, progressive: true }).toBuffer(),
      ),
    },
    {
      name: "png-24mp",
      note: "6000x4000 RGB PNG",
      bytes: await cached("24mp.png", () => sharp(photoPixels(6000, 4000, 3, 6), { raw: { width: 6000, height: 4000, channels: 3 } }).png({ compressionLevel: 6 }).toBuffer()),
    },
    {
      name: "webp-24mp",
      note: "6000x4000 lossy WebP q90",
      bytes: await cached("24mp.webp", () => sharp(photoPixels(6000, 4000, 3, 7), { raw: { width: 6000, height: 4000, channels: 3 } }).webp({ quality: 90 }).toBuffer()),
    },
    {
      name: "webp-lossless-24mp",
      note: "6000x4000 lossless WebP",
      bytes: await sharedFile("24mp-lossless.webp"),
    },
    {
      name: "gif-24mp",
      note: "6000x4000 GIF still",
      bytes: await sharedFile("24mp-fast.gif"),
    },
    {
      name: "avif-2mp",
      note: "1732x1154 AVIF 8-bit 4:4:4 (sharp's default)",
      bytes: await cached("2mp.avif", () => sharp(photoPixels(1732, 1154, 3, 14), { raw: { width: 1732, height: 1154, channels: 3 } }).avif({ quality: 60, effort: 0 }).toBuffer()),
    },
    {
      name: "avif-24mp",
      note: "6000x4000 AVIF 8-bit 4:2:0 (the AVIF limit)",
      bytes: await sharedFile("24mp-420.avif"),
    },
    {
      name: "avif-13.8mp-444",
      note: "4550x3040 AVIF 8-bit 4:4:4 (weighs 1.73: the AVIF limit)",
      bytes: await sharedFile("13.8mp-444.avif"),
    },
    {
      name: "avif-13.8mp-10bit",
      note: "4550x3040 AVIF 10-bit 4:2:0 (weighs 1.73: the AVIF limit)",
      bytes: await sharedFile("13.8mp-10bit.avif"),
    },
    {
      name: "avif-16mp-alpha",
      note: "4900x3280 AVIF 8-bit 4:2:0 with alpha (weighs 1.49: the AVIF limit)",
      bytes: await sharedFile("16mp-alpha.avif"),
    },
    { name: "gif-animated", note: "800x600 GIF, 12 frames", bytes: await cached("anim.gif", () => animation(800, 600, 12, "gif")) },
  ];
}

export { cached, photoPixels };
