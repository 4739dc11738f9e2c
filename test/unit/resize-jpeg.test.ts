import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import sharp from "sharp";
import { describe, expect, it } from "vitest";
import { instantiateEngine } from "../../workers/resize/pipeline/codecs/engine-core";
import { PipelineError } from "../../workers/resize/pipeline/errors";
import { decodeJpegResized } from "../../workers/resize/pipeline/jpeg";

// The resize engine's JPEG path (libjpeg-turbo in WASM, run here in Node) against libvips.
const CORPUS = fileURLToPath(new URL("../../../shared/corpus/", import.meta.url));
// The project's types are workerd's, whose WebAssembly.Module is not constructible from bytes; Node's is.
const NodeModule = WebAssembly.Module as unknown as new (bytes: Uint8Array) => WebAssembly.Module;
const engineModule = new NodeModule(readFileSync(new URL("../../workers/resize/wasm/engine.wasm", import.meta.url)));

function decode(bytes: Uint8Array, width: number, height: number, targetW = width, targetH = height) {
  const inst = instantiateEngine(engineModule);
  const { image, scale } = decodeJpegResized(inst, bytes, width, height, targetW, targetH);
  const data = new Uint8Array(inst.memory.buffer, inst.exports.rs_output(image.rs), targetW * targetH * 4).slice();
  return { data, scale };
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
      expect(ours.scale).toBe(1);
      expect(maxDiff(ours.data, ref), name).toBeLessThanOrEqual(1);
    }
  });

  it("scales in the DCT by the largest power of two that still covers the target", async () => {
    const bytes = await sharp({ create: { width: 4100, height: 2000, channels: 3, background: "#336699" } }).jpeg().toBuffer();
    expect(decode(bytes, 4100, 2000, 1024, 500).scale).toBe(4);
    expect(decode(bytes, 4100, 2000, 512, 250).scale).toBe(8);
    expect(decode(bytes, 4100, 2000, 2050, 1000).scale).toBe(2);
    expect(decode(bytes, 4100, 2000, 2051, 1000).scale).toBe(1);
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
    const garbled = Uint8Array.from(bytes);
    for (let i = bytes.length >> 1; i < (bytes.length >> 1) + 64; i++) garbled[i] = 0xff;
    expect(() => decode(garbled, 256, 256)).toThrow(PipelineError);
    expect(() => decode(bytes, 255, 256)).toThrow(/header says 256x256/);
  });
});
