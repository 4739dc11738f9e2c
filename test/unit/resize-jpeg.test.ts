import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import sharp from "sharp";
import { describe, expect, it } from "vitest";
import { encodeJpegInEngine, engineRgba, instantiateEngine, jpegBegin, jpegDecodeTo, jpegScaledSize } from "../../workers/resize/pipeline/codecs/engine-core";
import { PipelineError } from "../../workers/resize/pipeline/errors";
import { decodeJpegResized } from "../../workers/resize/pipeline/jpeg";

// The resize engine's JPEG path (libjpeg-turbo in WASM, run here in Node) against libvips.
const CORPUS = fileURLToPath(new URL("../../../shared/corpus/", import.meta.url));
// The project's types are workerd's, whose WebAssembly.Module is not constructible from bytes; Node's is.
const NodeModule = WebAssembly.Module as unknown as new (bytes: Uint8Array) => WebAssembly.Module;
const engineModule = new NodeModule(readFileSync(new URL("../../workers/resize/wasm/engine.wasm", import.meta.url)));

function decode(bytes: Uint8Array, width: number, height: number, targetW = width, targetH = height, budget?: number) {
  const inst = instantiateEngine(engineModule);
  const { image, scale, coefficientBytes } = decodeJpegResized(inst, bytes, width, height, targetW, targetH, budget);
  const data = new Uint8Array(inst.memory.buffer, inst.exports.rs_output(image.rs), targetW * targetH * 4).slice();
  return { data, scale, coefficientBytes, memory: inst.memory.buffer.byteLength };
}

function maxDiff(a: Uint8Array, b: Uint8Array): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
  return worst;
}

describe("engine JPEG decoding", () => {
  it.skipIf(!existsSync(CORPUS))("decodes corpus photos (baseline, progressive, 4:2:2) like libvips at full size", async () => {
    for (const name of ["photos/LadyBird.jpg", "photos/FreshFlower.jpg", "photos/Storm.jpg"]) {
      const bytes = readFileSync(CORPUS + name);
      const { data: ref, info } = await sharp(bytes).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
      const ours = decode(bytes, info.width, info.height);
      expect(ours.scale).toBe("8/8");
      expect(maxDiff(ours.data, ref), name).toBeLessThanOrEqual(1);
    }
  });

  it("scales in the DCT by the largest power of two that still covers the target", async () => {
    const bytes = await sharp({ create: { width: 4100, height: 2000, channels: 3, background: "#336699" } }).jpeg().toBuffer();
    expect(decode(bytes, 4100, 2000, 1024, 500).scale).toBe("2/8");
    expect(decode(bytes, 4100, 2000, 512, 250).scale).toBe("1/8");
    expect(decode(bytes, 4100, 2000, 2050, 1000).scale).toBe("4/8");
    expect(decode(bytes, 4100, 2000, 2051, 1000).scale).toBe("8/8");
    const { data } = decode(bytes, 4100, 2000, 1024, 500);
    expect([...data.subarray(0, 4)].map((v) => Math.round(v / 4))).toEqual([0x33, 0x66, 0x99, 0xff].map((v) => Math.round(v / 4)));
  });

  // Naively, without an ICC transform (libvips made the CMYK through a profile): close, not exact;
  // a missed inversion would be off by ≈200.
  it("converts CMYK (Adobe, inverted) JPEGs to RGB", async () => {
    const bytes = await sharp({ create: { width: 64, height: 32, channels: 3, background: "#c04020" } }).toColourspace("cmyk").jpeg().toBuffer();
    const { data } = decode(bytes, 64, 32);
    const [r, g, b] = data;
    expect(Math.abs(r! - 0xc0)).toBeLessThan(40);
    expect(Math.abs(g! - 0x40)).toBeLessThan(40);
    expect(Math.abs(b! - 0x20)).toBeLessThan(40);
  });

  it("refuses truncated and corrupt entropy data and a size that is not the recorded one", async () => {
    const bytes = await sharp({ create: { width: 256, height: 256, channels: 3, background: "#000", noise: { type: "gaussian", mean: 128, sigma: 40 } } }).jpeg().toBuffer();
    const truncated = bytes.subarray(0, bytes.length >> 1);
    expect(() => decode(truncated, 256, 256)).toThrow(PipelineError);
    expect(() => decode(truncated, 256, 256)).toThrow(/truncated or corrupt/);
    // Damage libjpeg can see: a marker inside the scan (here after a run of 0xFF fill bytes). The
    // noise differs per run, so the byte after the run is set too: a 0x00 there would make the run one
    // 0xFF data byte, and a bad Huffman code on libjpeg-turbo's fast path decodes silently as zero.
    const garbled = Uint8Array.from(bytes);
    const middle = bytes.length >> 1;
    garbled.fill(0xff, middle, middle + 64);
    garbled[middle + 64] = 0xd0;
    expect(() => decode(garbled, 256, 256)).toThrow(/premature end.*truncated or corrupt/i);
    expect(() => decode(bytes, 255, 256)).toThrow(/header says 256x256/);
  });

  // A progressive file keeps its DCT coefficients until the last scan: the engine's compact store
  // keeps only those the scaled IDCT reads. The same picture coded baseline (sharp quantizes both
  // identically) decodes from its coefficients as they stream: equal pixels prove nothing was lost.
  describe("progressive files", () => {
    const pixels = (w: number, h: number) => sharp({ create: { width: w, height: h, channels: 3, background: "#000", noise: { type: "gaussian", mean: 120, sigma: 50 } } }).blur(1.2);
    // `kind`: a chroma subsampling, or "grey" (one component) or "cmyk" (four).
    const pair = async (w: number, h: number, kind: string) => {
      const raw = await pixels(w, h).raw().toBuffer();
      const make = (progressive: boolean) => {
        const img = sharp(raw, { raw: { width: w, height: h, channels: 3 } });
        const coded = kind === "grey" ? img.greyscale() : kind === "cmyk" ? img.toColourspace("cmyk") : img;
        return coded.jpeg({ quality: 92, progressive, chromaSubsampling: kind.includes(":") ? kind : "4:4:4" }).toBuffer();
      };
      return { baseline: await make(false), progressive: await make(true) };
    };

    it.each(["4:2:0", "4:4:4", "grey", "cmyk"])("decode exactly like the baseline coding of the same picture at every scale (%s)", async (chroma) => {
      const { baseline, progressive } = await pair(chroma === "grey" ? 4800 : 2400, chroma === "grey" ? 3200 : 1600, chroma);
      const atScale = (bytes: Uint8Array, num: number) => {
        const inst = instantiateEngine(engineModule);
        jpegBegin(inst, bytes);
        const { width, height } = jpegScaledSize(inst, num);
        const image = jpegDecodeTo(inst, num, width, height, 64 * 2 ** 20);
        const data = new Uint8Array(inst.memory.buffer, inst.exports.rs_output(image.rs), width * height * 4).slice();
        return { data, compact: inst.exports.jd_coefficient_bytes() };
      };
      for (let num = 1; num <= 8; num++) {
        const p = atScale(progressive, num);
        const b = atScale(baseline, num);
        expect(p.compact, `${num}/8 used the compact store`).toBeGreaterThan(0);
        expect(p.data.length).toBe(b.data.length);
        expect(maxDiff(p.data, b.data), `${chroma} at ${num}/8`).toBe(0);
      }
    }, 30_000);

    it("pick 3/8 and 5/8 over 2/8 and 4/8, and hold a fraction of libjpeg's full coefficient buffer", async () => {
      const { baseline, progressive } = await pair(4000, 3000, "4:2:0");
      const p = decode(progressive, 4000, 3000, 1024, 768);
      expect(p.scale).toBe("3/8");
      // libjpeg's own buffer: 2 B x 64 coefficients x (4000x3000 / 64 x 1.5 blocks) = 36 MB.
      expect(p.coefficientBytes).toBeGreaterThan(0);
      expect(p.coefficientBytes).toBeLessThan(12e6);
      expect(p.memory).toBeLessThan(24 * 2 ** 20);
      expect(decode(progressive, 4000, 3000, 2000, 1500).scale).toBe("5/8");
      expect(decode(baseline, 4000, 3000, 1024, 768).coefficientBytes).toBeUndefined();
    }, 30_000);

    it("leave the same engine able to encode a large JPEG fallback afterwards (a tall variant)", async () => {
      const { progressive } = await pair(1200, 4000, "4:2:0");
      const inst = instantiateEngine(engineModule);
      const { image } = decodeJpegResized(inst, progressive, 1200, 4000, 1024, 3413);
      expect(inst.exports.jd_coefficient_bytes()).toBeGreaterThan(0);
      // 1024x3413 at 4:2:0 needs ≈10 MB of coefficients for its optimised Huffman pass.
      const encoded = encodeJpegInEngine(inst, engineRgba(inst, image), 80);
      expect((await sharp(encoded).metadata()).height).toBe(3413);
    }, 30_000);

    it("refuse cleanly when the coefficients would exceed the memory budget", async () => {
      const { progressive } = await pair(3000, 2000, "4:4:4");
      const roomy = decode(progressive, 3000, 2000, 3000, 2000);
      // What decodeJpegResized counts as held before the store: input, engine memory, variant pixels.
      const held = progressive.length + instantiateEngine(engineModule).memory.buffer.byteLength + 3000 * 2000 * 8 + 16 * 2 ** 20;
      const budget = held + roomy.coefficientBytes! / 2;
      expect(() => decode(progressive, 3000, 2000, 3000, 2000, budget)).toThrow(PipelineError);
      expect(() => decode(progressive, 3000, 2000, 3000, 2000, budget)).toThrow(/^JPEG: the progressive scans' DCT coefficients exceed the engine's memory budget$/);
    }, 30_000);
  });
});
