import { existsSync, readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import sharp from "sharp";
import { describe, expect, it } from "vitest";
import { av1SequenceInfo } from "../../core/sniff/av1";
import { readBoxes } from "../../core/sniff/bmff";
import { readHeifMeta } from "../../core/sniff/heif";
import { inspectImage } from "../../core/sniff";
import { withSplitItem } from "./avif-builders";
import { codeOf, SNIFF_LIMITS } from "./sniff-helpers";
import { checkAvifLayers, decodeAvifResized } from "../../workers/resize/pipeline/avif";
import { avifPlan, type AvifLayer } from "../../workers/resize/pipeline/avif-container";
import { engineRgba, instantiateEngine } from "../../workers/resize/pipeline/codecs/engine-core";

// The resize Worker's AVIF decoder (the engine's dav1d, YUV -> RGBA rows into the resampler)
// against libheif (sharp) on the corpus AVIFs and on small files with the features sharp cannot
// write (test/unit/fixtures/avif/README.md): grids, alpha, 4:0:0, 4:2:2, 10/12-bit, limited range,
// BT.709, identity, YCgCo. Decoded at full size, where the resampler is a plain copy.
const CORPUS = fileURLToPath(new URL("../../../shared/corpus/", import.meta.url));
const FIXTURES = fileURLToPath(new URL("./fixtures/avif/", import.meta.url));
const manifest: { path: string; expect: string; format?: string }[] = existsSync(CORPUS + "manifest.json")
  ? JSON.parse(readFileSync(CORPUS + "manifest.json", "utf8"))
  : [];
const NodeModule = WebAssembly.Module as unknown as new (bytes: Uint8Array) => WebAssembly.Module;
const engineModule = new NodeModule(readFileSync(new URL("../../workers/resize/wasm/engine.wasm", import.meta.url)));
const corpus = manifest.filter((e) => e.expect === "accept" && e.format === "avif").map((e) => CORPUS + e.path);
const fixtures = readdirSync(FIXTURES).filter((f) => f.endsWith(".avif")).map((f) => FIXTURES + f);
const fixture = (name: string) => new Uint8Array(readFileSync(FIXTURES + name));

function decode(bytes: Uint8Array, width?: number, height?: number) {
  const plan = avifPlan(bytes);
  const w = width ?? plan.width, h = height ?? plan.height;
  const inst = instantiateEngine(engineModule);
  const { image, transparent } = decodeAvifResized(inst, bytes, w, h, w, h);
  return { data: engineRgba(inst, image).data, width: w, height: h, transparent };
}

function psnr(a: Uint8Array, b: Uint8Array): number {
  expect(a.length).toBe(b.length);
  let se = 0;
  for (let i = 0; i < a.length; i++) se += (a[i]! - b[i]!) ** 2;
  return se === 0 ? Infinity : 10 * Math.log10((255 * 255 * a.length) / se);
}

/** Offset of the n-th occurrence of a four-character code (a box type or an item type). */
function find(bytes: Uint8Array, code: string, n = 0): number {
  for (let i = 0, seen = 0; i + 4 <= bytes.length; i++) {
    if (String.fromCharCode(...bytes.subarray(i, i + 4)) === code && seen++ === n) return i;
  }
  throw new Error(`${code} #${n} not found`);
}

function patched(bytes: Uint8Array, at: number, values: number[]): Uint8Array {
  const out = bytes.slice();
  out.set(values, at);
  return out;
}

const u16 = (v: number) => [v >> 8, v & 255];
const u32 = (v: number) => [0, 0, ...u16(v)];

/** The item's sequence header OBU (avifenc writes none in av1C) with colour description `from` recoded as `to`. */
function withSequenceCicp(bytes: Uint8Array, from: number[], to: number[]): Uint8Array {
  const out = bytes.slice();
  const bits = (v: number[]) => v.map((b) => b.toString(2).padStart(8, "0")).join("");
  expect(bytes[find(bytes, "av1C") - 1]).toBe(12); // no configOBUs
  let obu = avifPlan(bytes).colour.tiles[0]!.byteOffset;
  while (out[obu] === 0x12) obu += 2 + out[obu + 1]!; // temporal delimiter
  expect(out[obu]).toBe(0x0a); // sequence header, with a one-byte size
  const start = obu + 2, end = start + out[obu + 1]!;
  const payload = bits([...out.subarray(start, end)]);
  const at = payload.indexOf(bits(from));
  expect(at).toBeGreaterThan(0);
  const recoded = payload.slice(0, at) + bits(to) + payload.slice(at + 24);
  for (let i = start; i < end; i++) out[i] = parseInt(recoded.slice((i - start) * 8, (i - start + 1) * 8), 2);
  return out;
}

/** Where the primary item's data (a grid's descriptor) starts. */
function primaryData(bytes: Uint8Array): number {
  const meta = readBoxes(bytes, 0, bytes.length).find((b) => b.type === "meta")!;
  const heif = readHeifMeta(bytes, meta);
  return heif.locate(heif.primaryId).start;
}

describe("AVIF decoding with the engine's dav1d", () => {
  it.each([...corpus, ...fixtures])("%s matches libheif", async (file) => {
    const bytes = new Uint8Array(readFileSync(file));
    const ours = decode(bytes);
    const ref = await sharp(bytes).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
    expect([ref.info.width, ref.info.height]).toEqual([ours.width, ours.height]);
    expect(psnr(ours.data, ref.data)).toBeGreaterThanOrEqual(35);
    expect(ours.transparent).toBe(ref.data.some((v, i) => i % 4 === 3 && v !== 255));
  });

  it("decodes alpha and grids for real (transparent pixels, every tile)", () => {
    const grid = decode(fixture("grid-2x3-alpha.avif"));
    expect(grid.transparent).toBe(true);
    // The fixture's alpha is (x + y) % 256: check it in every tile (3 x 2 of 128 x 64, ±2 for AV1 loss).
    for (const [x, y] of [[10, 10], [200, 10], [10, 100], [200, 100], [10, 180], [200, 180]] as const) {
      expect(Math.abs(grid.data[(y * 256 + x) * 4 + 3]! - ((x + y) % 256))).toBeLessThanOrEqual(2);
    }
  });

  it("cuts the last grid column and row at the canvas (only they may overhang)", () => {
    const bytes = fixture("grid-2x2.avif");
    const full = decode(bytes);
    const at = primaryData(bytes);
    let cut = patched(bytes, at + 4, [...u16(250), ...u16(190)]);
    cut = patched(cut, find(cut, "ispe") + 8, [...u32(250), ...u32(190)]);
    const ours = decode(cut);
    for (let y = 0; y < 190; y++) {
      expect(ours.data.subarray(y * 250 * 4, (y + 1) * 250 * 4)).toEqual(full.data.subarray(y * 256 * 4, y * 256 * 4 + 250 * 4));
    }
  });

  it("takes the AV1 sequence header's colour description when there is no nclx box", () => {
    const bytes = fixture("yuv420-limited.avif");
    const withoutNclx = patched(bytes, find(bytes, "nclx"), [...Buffer.from("nclz")]);
    expect(avifPlan(withoutNclx).matrix).toBe(-1);
    expect(decode(withoutNclx).data).toEqual(decode(bytes).data);
  });

  it("reads the colour description of the AV1 sequence header", () => {
    const colour = (name: string) => {
      const bytes = fixture(name), tile = avifPlan(bytes).colour.tiles[0]!;
      return av1SequenceInfo(bytes, tile.byteOffset, tile.byteOffset + tile.byteLength);
    };
    expect(colour("ycgco.avif")).toMatchObject({ maxWidth: 97, maxHeight: 75, matrix: 8, fullRange: true, mono: false });
    expect(colour("yuv420-limited.avif")).toMatchObject({ matrix: 6, fullRange: false, mono: false });
    expect(colour("identity.avif")).toMatchObject({ matrix: 0, fullRange: true }); // implied by BT.709 / sRGB / identity
    expect(colour("yuv444-12bit-limited.avif")).toMatchObject({ matrix: 6, fullRange: false });
    expect(colour("mono-8bit.avif")).toMatchObject({ mono: true });
  });

  // libavif 0.11 draws YCgCo (8) in full range only and does not know YCgCo-Re / -Ro (16, 17):
  // the validator refuses those rather than let the decoder draw them as BT.601.
  it("refuses YCgCo in limited range and YCgCo-Re / YCgCo-Ro, from the nclx box or the sequence header", () => {
    const bytes = fixture("ycgco.avif");
    const nclx = find(bytes, "nclx");
    expect(inspectImage(bytes, SNIFF_LIMITS)).toMatchObject({ width: 97, height: 75 });
    expect(() => inspectImage(patched(bytes, nclx + 10, [0]), SNIFF_LIMITS)).toThrow(/^AVIF with limited-range YCgCo colour \(matrix coefficients 8\) is not supported$/);
    expect(codeOf(() => inspectImage(patched(bytes, nclx + 8, u16(16)), SNIFF_LIMITS))).toBe("unsupported_media_type");
    expect(() => inspectImage(patched(bytes, nclx + 8, u16(17)), SNIFF_LIMITS)).toThrow(/^AVIF with YCgCo-Ro colour \(matrix coefficients 17\)/);
    // Nor the systems libavif 0.11 refuses too (the decoder would draw them as BT.601 or BT.2020).
    for (const [mc, name] of [[3, "reserved"], [10, "BT.2020 constant-luminance"], [11, "SMPTE ST 2085"], [13, "chromaticity-derived constant-luminance"], [14, "ICtCp"], [15, "IPT-C2"], [18, "reserved"]] as const) {
      expect(() => inspectImage(patched(bytes, nclx + 8, u16(mc)), SNIFF_LIMITS)).toThrow(`AVIF with ${name} colour (matrix coefficients ${mc}) is not supported`);
    }
    // Those it draws are accepted.
    for (const mc of [1, 2, 4, 5, 6, 7, 9, 12]) expect(inspectImage(patched(bytes, nclx + 8, u16(mc)), SNIFF_LIMITS)).toMatchObject({ width: 97 });
    // Identity (GBR) only with full-resolution chroma, as libavif.
    expect(() => inspectImage(patched(bytes, nclx + 8, u16(0)), SNIFF_LIMITS)).toThrow("AVIF with identity (GBR) colour and subsampled chroma is not supported");
    expect(inspectImage(fixture("identity.avif"), SNIFF_LIMITS)).toMatchObject({ width: 97 });
    // The nclx box decides when there is one; without it the sequence header's description does.
    const noNclx = patched(bytes, nclx, [...Buffer.from("nclz")]);
    expect(inspectImage(noNclx, SNIFF_LIMITS)).toMatchObject({ width: 97 });
    expect(decode(noNclx).data).toEqual(decode(bytes).data);
    const limited = fixture("yuv420-limited.avif");
    const limitedNoNclx = patched(limited, find(limited, "nclx"), [...Buffer.from("nclz")]);
    expect(inspectImage(withSequenceCicp(limitedNoNclx, [1, 13, 6], [1, 13, 1]), SNIFF_LIMITS)).toMatchObject({ width: 97 });
    expect(codeOf(() => inspectImage(withSequenceCicp(limitedNoNclx, [1, 13, 6], [1, 13, 8]), SNIFF_LIMITS))).toBe("unsupported_media_type");
    expect(codeOf(() => inspectImage(withSequenceCicp(noNclx, [1, 13, 8], [1, 13, 16]), SNIFF_LIMITS))).toBe("unsupported_media_type");
    // 4:0:0 has no chroma to convert, and an alpha image's matrix is never applied.
    const mono = fixture("mono-8bit.avif");
    expect(inspectImage(patched(mono, find(mono, "nclx") + 8, u16(16)), SNIFF_LIMITS)).toMatchObject({ width: 97 });
  });

  it("refuses AV1 data dav1d cannot decode, and frames that differ from ispe or the recorded size", () => {
    const bytes = fixture("bt709.avif");
    const obu = avifPlan(bytes).colour.tiles[0]!.byteOffset;
    expect(() => decode(patched(bytes, obu, [0x80]))).toThrow(/^AVIF: the AV1 data could not be decoded/);
    expect(() => decode(patched(bytes, find(bytes, "ispe") + 8, u32(98)))).toThrow(/AVIF: an AV1 image decoded to 97x75, its ispe says 98x75/);
    // dav1d is told the largest frame ispe allows: a frame coded larger is refused before allocation.
    expect(() => decode(patched(bytes, find(bytes, "ispe") + 8, u32(96)))).toThrow(/^AVIF: the AV1 data could not be decoded/);
    expect(() => decode(bytes, 98, 75)).toThrow(/AVIF: the image is 97x75, recorded 98x75/);
  });

  // iloc may store an item in several extents, anywhere in the file, the last byte of one given
  // as length 0 ("to the end"): the validator and the decoder must both join them in iloc order.
  it("joins an item's extents in iloc order, length 0 running to the end of the file", () => {
    for (const [name, tile] of [["bt709.avif", 0], ["grid-2x3-alpha.avif", 4]] as const) {
      const original = fixture(name);
      const meta = readBoxes(original, 0, original.length).find((b) => b.type === "meta")!;
      const heif = readHeifMeta(original, meta);
      const id = tile ? heif.refs.find((r) => r.type === "dimg" && r.from === heif.primaryId)!.to[tile]! : heif.primaryId;
      const plan = avifPlan(original);
      for (const toEnd of [false, true]) {
        const split = withSplitItem(original, id, toEnd);
        expect(inspectImage(split, SNIFF_LIMITS)).toMatchObject({ width: plan.width, height: plan.height, imageBytes: split.length });
        expect(avifPlan(split).colour.tiles).toEqual(plan.colour.tiles);
        expect(decode(split).data).toEqual(decode(original).data);
      }
    }
  });

  it("refuses containers it cannot draw", () => {
    const bytes = fixture("bt709.avif");
    expect(() => avifPlan(bytes.subarray(0, find(bytes, "meta") - 4))).toThrow(/^AVIF: no meta box/);
    expect(() => avifPlan(patched(bytes, find(bytes, "hdlr") + 12, [...Buffer.from("vide")]))).toThrow(/^AVIF: HEIF meta handler/);
    expect(() => avifPlan(patched(bytes, find(bytes, "pitm") + 8, u16(99)))).toThrow(/^AVIF primary item is missing/);
    expect(() => avifPlan(patched(bytes, find(bytes, "av01"), [...Buffer.from("hvc1")]))).toThrow(/^AVIF image is coded as "hvc1", not AV1/);
    expect(() => avifPlan(patched(bytes, find(bytes, "ispe"), [...Buffer.from("ispf")]))).toThrow(/^AVIF: the image has no ispe/);

    const grid = fixture("grid-2x2.avif");
    const at = primaryData(grid);
    expect(() => avifPlan(patched(grid, at, [1]))).toThrow(/^AVIF image: unsupported grid version/);
    expect(() => avifPlan(patched(grid, at + 2, [2]))).toThrow(/^AVIF image: grid tile count mismatch/);
    expect(() => avifPlan(patched(grid, find(grid, "av01", 1), [...Buffer.from("hvc1")]))).toThrow(/^AVIF image: a grid tile is not an AV1 image/);
    const dimg = find(grid, "dimg");
    expect(() => avifPlan(patched(grid, dimg + 8, u16(99)))).toThrow(/^AVIF image: a grid tile is missing/);
  });

  it("checks that the tiles cover the canvas and that alpha is tiled like colour", () => {
    const layer = (rows: number, cols: number, tileWidth: number, tileHeight: number): AvifLayer => ({ rows, cols, tiles: [], tileWidth, tileHeight });
    const plan = { width: 250, height: 190, matrix: -1, primaries: -1, fullRange: -1, transfer: -1, profile: null, colour: layer(2, 2, 128, 96) };
    expect(() => checkAvifLayers(plan)).not.toThrow();
    expect(() => checkAvifLayers({ ...plan, width: 257 })).toThrow(/colour tiles do not cover the 257x190 image/);
    expect(() => checkAvifLayers({ ...plan, width: 128 })).toThrow(/colour tiles do not cover/);
    expect(() => checkAvifLayers({ ...plan, alpha: layer(1, 1, 250, 190) })).toThrow(/alpha image is tiled differently/);
    expect(() => checkAvifLayers({ ...plan, alpha: layer(1, 1, 100, 100) })).toThrow(/alpha tiles do not cover/);
  });
});
