import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { deflateSync } from "node:zlib";
import sharp from "sharp";
import { describe, expect, it } from "vitest";
import { avifPlan } from "../../workers/resize/pipeline/avif-container";
import { instantiateEngine, type EngineInstance } from "../../workers/resize/pipeline/codecs/engine-core";
import { convertToSrgb, openCicp, openProfile } from "../../workers/resize/pipeline/colour";
import { decodeAvifResized } from "../../workers/resize/pipeline/avif";
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

/** The JPEG without its APP14 "Adobe" marker. */
function withoutAdobeMarker(jpeg: Uint8Array): Uint8Array {
  const parts: Uint8Array[] = [jpeg.subarray(0, 2)];
  let pos = 2;
  while (jpeg[pos] === 0xff && jpeg[pos + 1] !== 0xda) {
    const end = pos + 2 + ((jpeg[pos + 2]! << 8) | jpeg[pos + 3]!);
    if (jpeg[pos + 1] !== 0xee) parts.push(jpeg.subarray(pos, end));
    pos = end;
  }
  parts.push(jpeg.subarray(pos));
  return Buffer.concat(parts);
}

/** How many bytes differ (comparing megabyte arrays with toEqual takes seconds). */
function differing(a: Uint8Array, b: Uint8Array): number {
  expect(a.length).toBe(b.length);
  let n = 0;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) n++;
  return n;
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
        expect(managed).toBeGreaterThanOrEqual(35);
        expect(managed).toBeGreaterThan(plain + 5);
      });
    }
  }

  // AVIF opens its profile inside its decoder too (colr 'prof'), so a job converts it like the rest.
  it.each([["Display P3", "p3"], ["Adobe RGB", adobeRgbFile]])("avif in %s matches sharp's sRGB result", async (_name, profile) => {
    const bytes = await sharp(await pattern(), { raw: { width: W, height: H, channels: 3 } }).withIccProfile(profile).avif({ quality: 90, chromaSubsampling: "4:4:4" }).toBuffer();
    const inst = instantiateEngine(engineModule);
    const { image } = decodeAvifResized(inst, bytes, W, H, TW, TH);
    expect(inst.exports.cc_active()).toBe(1);
    convertToSrgb(inst, image);
    const managed = new Uint8Array(inst.memory.buffer, inst.exports.rs_output(image.rs), TW * TH * 4).slice();
    expect(psnr(managed, await sharps(bytes))).toBeGreaterThanOrEqual(35);
  });

  it("converts CMYK JPEGs through their profile, Adobe-inverted or not", async () => {
    const base = sharp(await pattern(), { raw: { width: W, height: H, channels: 3 } }).toColourspace("cmyk");
    const adobe = await base.withIccProfile("cmyk").jpeg({ quality: 95 }).toBuffer();
    const ref = await sharps(adobe);
    const managed = ours(adobe, "jpeg");
    const naive = ours(jpegWithIcc(adobe, null), "jpeg");
    // Little CMS's CMYK → sRGB transform (2.14 and 2.19 alike; Debian's libvips 8.14 gives the
    // same) makes dark, saturated colours ≈ 12 levels bluer than sharp's: ≈ 34 dB, not 50 as for RGB.
    expect(psnr(managed, ref)).toBeGreaterThanOrEqual(33);
    expect(psnr(managed, ref)).toBeGreaterThan(psnr(naive, ref) + 10);
    // Without the APP14 "Adobe" marker the stored values are ink, not 255 - ink (libvips inverts
    // every CMYK JPEG): the picture comes out as its negative, like the naive conversion says.
    const plainInk = withoutAdobeMarker(adobe);
    const plainManaged = ours(plainInk, "jpeg");
    expect(psnr(plainManaged, ours(jpegWithIcc(plainInk, null), "jpeg"))).toBeGreaterThan(15);
    expect(psnr(plainManaged, managed)).toBeLessThan(10);
  });

  it("converts grey JPEGs and PNGs through a grey profile", async () => {
    for (const format of ["jpeg", "png"] as const) {
      const bytes = withIcc(await encoded(format, undefined, true), format, greyProfile(1.8));
      const ref = await sharps(bytes);
      const managed = psnr(ours(bytes, format), ref);
      const plain = psnr(ours(withIcc(bytes, format, null), format), ref);
      expect(managed).toBeGreaterThanOrEqual(35);
      expect(managed).toBeGreaterThan(plain + 5);
    }
  });

  it("keeps alpha as it is (a transparent P3 PNG)", async () => {
    const rgb = await pattern();
    const rgba = Buffer.alloc(W * H * 4);
    for (let i = 0; i < W * H; i++) {
      rgba.set(rgb.subarray(i * 3, i * 3 + 3), i * 4);
      rgba[i * 4 + 3] = 255 - ((i % W) * 255) / W;
    }
    const bytes = await sharp(rgba, { raw: { width: W, height: H, channels: 4 } }).withIccProfile("p3").png().toBuffer();
    const managed = ours(bytes, "png");
    const plain = ours(withIcc(bytes, "png", null), "png");
    expect(differing(managed.filter((_, i) => i % 4 === 3), plain.filter((_, i) => i % 4 === 3))).toBe(0);
    const opaque = (px: Uint8Array) => px.map((v, i) => (px[i - (i % 4) + 3]! > 128 ? v : 0));
    expect(psnr(opaque(managed), opaque(await sharps(bytes)))).toBeGreaterThanOrEqual(35);
  });

  it("leaves sRGB-profiled files exactly as without the profile", async () => {
    for (const format of ["jpeg", "png", "webp"] as const) {
      const bytes = await encoded(format, "srgb");
      expect(differing(ours(bytes, format), ours(withIcc(bytes, format, null), format)), format).toBe(0);
    }
    const srgb = (await sharp(await encoded("png", "srgb")).metadata()).icc!;
    expect(openProfile(instantiateEngine(engineModule), srgb, "rgb")).toBe("srgb");
  });

  it("ignores broken, mismatched and oversized profiles: the pixels are those without one", async () => {
    const broken = [
      ["truncated", ADOBE_RGB.subarray(0, 200)],
      ["garbage", Uint8Array.from({ length: 3000 }, (_, i) => (i * 7919) & 255)],
      ["no 'acsp' signature", Uint8Array.from(ADOBE_RGB, (b, i) => (i === 36 ? 0 : b))],
      ["grey profile on RGB pixels", greyProfile(1.8)],
    ] as const;
    for (const format of ["jpeg", "png", "webp"] as const) {
      const bytes = await encoded(format, "p3");
      const expected = ours(withIcc(bytes, format, null), format);
      for (const [name, icc] of broken) {
        expect(differing(ours(withIcc(bytes, format, icc), format), expected), `${format}: ${name}`).toBe(0);
      }
    }
    const grey = await encoded("jpeg", undefined, true);
    expect(differing(ours(jpegWithIcc(grey, ADOBE_RGB), "jpeg"), ours(grey, "jpeg")), "RGB profile on grey pixels").toBe(0);
    const png = await encoded("png", "p3");
    const corrupt = Uint8Array.from(deflateSync(ADOBE_RGB), (b, i) => (i > 10 ? b ^ 0x5a : b));
    expect(differing(ours(pngWithIcc(png, ADOBE_RGB, corrupt), "png"), ours(pngWithIcc(png, null), "png")), "corrupt iCCP data").toBe(0);
    const inst = instantiateEngine(engineModule);
    const oversized = new Uint8Array(1024 * 1024 + 1);
    oversized.set(ADOBE_RGB);
    expect(openProfile(inst, oversized, "rgb")).toBe("ignored");
    expect(openProfile(inst, deflateSync(oversized), "rgb", true)).toBe("ignored");
    expect(openProfile(inst, ADOBE_RGB, "rgb")).toBe("active");
    expect(openProfile(inst, deflateSync(ADOBE_RGB), "rgb", true)).toBe("active");
  });
});

describe("AVIF ICC profiles", () => {
  it("finds the primary item's colr profile, and nothing in files without one", async () => {
    const chart = sharp(await pattern(), { raw: { width: W, height: H, channels: 3 } }).resize(120, 80);
    const p3 = await chart.clone().withIccProfile("p3").avif({ effort: 0 }).toBuffer();
    const found = avifPlan(p3).profile;
    expect(found?.kind).toBe("rgb");
    expect(Buffer.from(found!.icc).equals((await sharp(p3).metadata()).icc!)).toBe(true);
    expect(openProfile(instantiateEngine(engineModule), found!.icc, found!.kind)).toBe("active");
    expect(avifPlan(await chart.clone().avif({ effort: 0 }).toBuffer()).profile).toBeNull();
  });

  // The profile sits on the grid item, the monochrome bit in its tiles' av1C: a grey profile must
  // be taken as one (an RGB reading of it would be refused and the pixels left as decoded).
  it("converts a monochrome grid through its grey profile", async () => {
    const bytes = new Uint8Array(readFileSync(new URL("./fixtures/avif/mono-grid-grey-icc.avif", import.meta.url)));
    expect(avifPlan(bytes).profile?.kind).toBe("grey");
    const colr = Buffer.from(bytes).indexOf("colrprof");
    const withoutProfile = Uint8Array.from(bytes);
    withoutProfile.set([...Buffer.from("xxxx")], colr + 4);
    expect(avifPlan(withoutProfile).profile).toBeNull();
    const render = (file: Uint8Array) => {
      const inst = instantiateEngine(engineModule);
      const { image } = decodeAvifResized(inst, file, 256, 192, 256, 192);
      convertToSrgb(inst, image);
      return new Uint8Array(inst.memory.buffer, inst.exports.rs_output(image.rs), 256 * 192 * 4).slice();
    };
    // libheif (sharp) leaves a grey profile on its RGB output unapplied, so the reference is worked
    // out: gamma 1.0 means the decoded values are linear light, which sRGB encodes.
    const decoded = await sharp(bytes).ensureAlpha().raw().toBuffer();
    const srgb = (v: number) => (v <= 0.0031308 ? 12.92 * v : 1.055 * v ** (1 / 2.4) - 0.055);
    const ref = decoded.map((v, i) => (i % 4 === 3 ? v : Math.round(255 * srgb(v / 255))));
    const managed = psnr(render(bytes), ref);
    expect(managed).toBeGreaterThanOrEqual(35);
    expect(managed).toBeGreaterThan(psnr(render(withoutProfile), ref) + 5);
  });

  // Only an nclx box describes the colours (avifenc --cicp 12/13/1): the profile is built from its
  // code points. The reference is the same decoded pixels in a PNG tagged with sharp's Display P3
  // profile, converted by libvips.
  it("converts a Display P3 file described by nclx alone as the same pixels with a P3 profile", async () => {
    const bytes = new Uint8Array(readFileSync(new URL("./fixtures/avif/p3-nclx.avif", import.meta.url)));
    const plan = avifPlan(bytes);
    expect([plan.primaries, plan.transfer, plan.profile]).toEqual([12, 13, null]);
    const render = (convert: boolean) => {
      const inst = instantiateEngine(engineModule);
      const { image } = decodeAvifResized(inst, bytes, 256, 192, 256, 192);
      expect(inst.exports.cc_active()).toBe(1);
      if (convert) convertToSrgb(inst, image);
      return new Uint8Array(inst.memory.buffer, inst.exports.rs_output(image.rs), 256 * 192 * 4).slice();
    };
    const decoded = render(false);
    const p3 = (await sharp(await sharp({ create: { width: 1, height: 1, channels: 3, background: "#000" } }).withIccProfile("p3").png().toBuffer()).metadata()).icc!;
    const tagged = pngWithIcc(await sharp(decoded, { raw: { width: 256, height: 192, channels: 4 } }).png().toBuffer(), p3);
    const ref = await sharp(tagged).toColourspace("srgb").ensureAlpha().raw().toBuffer();
    const managed = psnr(render(true), ref);
    expect(managed).toBeGreaterThanOrEqual(35);
    expect(managed).toBeGreaterThan(psnr(decoded, ref) + 5);
  });

  it("builds nclx transforms for known primaries and SDR curves only", () => {
    const inst = instantiateEngine(engineModule);
    expect(openCicp(inst, 1, 13)).toBe("srgb"); // sRGB itself
    expect(openCicp(inst, 1, 1)).toBe("srgb"); // BT.709's curve drawn as sRGB's, as displays do
    expect(openCicp(inst, 1, 4)).toBe("active"); // gamma 2.2
    expect(openCicp(inst, 9, 1)).toBe("active"); // BT.2020
    expect(openCicp(inst, 12, 16)).toBe("ignored"); // PQ: HDR, not tone-mapped
    expect(openCicp(inst, 9, 18)).toBe("ignored"); // HLG
    expect(openCicp(inst, 2, 13)).toBe("ignored"); // unspecified primaries
    expect(openCicp(inst, 99, 13)).toBe("ignored");
  });
});
