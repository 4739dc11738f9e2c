import { readFileSync } from "node:fs";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import sharp from "sharp";
import { describe, expect, it } from "vitest";
import { instantiateEngine, type EngineInstance } from "../../workers/resize/pipeline/codecs/engine-core";
import { convertToSrgb, openProfile } from "../../workers/resize/pipeline/colour";
import { decodeJpegResized } from "../../workers/resize/pipeline/jpeg";
import { decodePngResized } from "../../workers/resize/pipeline/png";
import { decodeWebpResized } from "../../workers/resize/pipeline/webp";
import { ADOBE_RGB, greyProfile, jpegWithIcc, pngWithIcc, webpWithIcc } from "./icc-builders";

// Embedded ICC profiles converted to sRGB by the engine (Little CMS), against sharp's resize of the
// same file (libvips converts with the embedded profile, perceptual intent). Without colour
// management a Display-P3 or Adobe RGB file comes out visibly desaturated.
const NodeModule = WebAssembly.Module as unknown as new (bytes: Uint8Array) => WebAssembly.Module;
const engineModule = new NodeModule(readFileSync(new URL("../../workers/resize/wasm/engine.wasm", import.meta.url)));
const W = 1200, H = 800, TW = 600, TH = 400;
const adobeRgbFile = join(mkdtempSync(join(tmpdir(), "icc-")), "adobe-rgb.icc");
writeFileSync(adobeRgbFile, ADOBE_RGB);

type Format = "jpeg" | "png" | "webp";

/** Saturated hues left to right, darker downwards, a grey ramp along the bottom: sRGB. */
async function pattern(): Promise<Buffer> {
  const px = Buffer.alloc(W * H * 3);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const i = (y * W + x) * 3;
      if (y >= H - 100) {
        px[i] = px[i + 1] = px[i + 2] = Math.round((x / (W - 1)) * 255);
        continue;
      }
      const h = (x / W) * 6, v = 1 - (y / H) * 0.7, f = h - Math.floor(h);
      const rgb = [[1, f, 0], [1 - f, 1, 0], [0, 1, f], [0, 1 - f, 1], [f, 0, 1], [1, 0, 1 - f]][Math.floor(h)]!;
      for (let c = 0; c < 3; c++) px[i + c] = Math.round(rgb[c]! * v * 255);
    }
  }
  return px;
}

/** The pattern written by sharp in `format`, its pixels converted into `profile` and tagged with it. */
async function encoded(format: Format, profile?: string, grey = false): Promise<Uint8Array> {
  let img = sharp(await pattern(), { raw: { width: W, height: H, channels: 3 } });
  if (grey) img = img.toColourspace("b-w");
  if (profile) img = img.withIccProfile(profile);
  if (format === "jpeg") return img.jpeg({ quality: 95 }).toBuffer();
  if (format === "png") return img.png().toBuffer();
  return img.webp({ quality: 95 }).toBuffer();
}

/** Our first variant: decode and resize in the engine, then the profile's transform. */
function ours(bytes: Uint8Array, format: Format, inst: EngineInstance = instantiateEngine(engineModule)): Uint8Array {
  const decode = format === "jpeg" ? decodeJpegResized : format === "png" ? decodePngResized : decodeWebpResized;
  const { image } = decode(inst, bytes, W, H, TW, TH);
  convertToSrgb(inst, image);
  return new Uint8Array(inst.memory.buffer, inst.exports.rs_output(image.rs), TW * TH * 4).slice();
}

async function sharps(bytes: Uint8Array): Promise<Uint8Array> {
  return sharp(bytes).resize(TW, TH, { fit: "fill", kernel: "lanczos3" }).toColourspace("srgb").ensureAlpha().raw().toBuffer();
}

/** PSNR over the colour channels, in dB. */
function psnr(a: Uint8Array, b: Uint8Array): number {
  expect(a.length).toBe(b.length);
  let se = 0, n = 0;
  for (let i = 0; i < a.length; i++) {
    if (i % 4 === 3) continue;
    se += (a[i]! - b[i]!) ** 2;
    n++;
  }
  return se === 0 ? Infinity : 10 * Math.log10((255 * 255 * n) / se);
}

/** The same file with its profile replaced (null: removed). */
function withIcc(bytes: Uint8Array, format: Format, icc: Uint8Array | null): Uint8Array {
  return format === "jpeg" ? jpegWithIcc(bytes, icc) : format === "png" ? pngWithIcc(bytes, icc) : webpWithIcc(bytes, icc);
}

describe("colour management: embedded ICC profiles to sRGB", () => {
  for (const format of ["jpeg", "png", "webp"] as const) {
    for (const [name, profile] of [["Display P3", "p3"], ["Adobe RGB", adobeRgbFile]] as const) {
      it(`${format} in ${name} matches sharp's sRGB result`, async () => {
        const bytes = await encoded(format, profile);
        const ref = await sharps(bytes);
        const inst = instantiateEngine(engineModule);
        const managed = psnr(ours(bytes, format, inst), ref);
        // The pixels as they were before: the profile ignored.
        const plain = psnr(ours(withIcc(bytes, format, null), format), ref);
        console.log(`${format} ${name}: PSNR ${managed.toFixed(2)} dB managed, ${plain.toFixed(2)} dB ignoring the profile`);
        expect(managed).toBeGreaterThanOrEqual(35);
        expect(managed).toBeGreaterThan(plain + 5);
      });
    }
  }
});
