import { existsSync, readFileSync } from "node:fs";
import sharp from "sharp";
import { describe, expect, it } from "vitest";
import { instantiateEngine, type EngineInstance } from "../../workers/resize/pipeline/codecs/engine-core";
import { PipelineError } from "../../workers/resize/pipeline/errors";
import { compositeGifFrames, gifDelayMs, gifFrames, gifLoopCount } from "../../workers/resize/pipeline/gif";
import { CORPUS_DIR, type ManifestEntry } from "../corpus";
import { lzw } from "./sniff-builders";
import { buildGif, lzwEncode, model, type Spec } from "./gif-anim-builders";
import { cat } from "./sniff-helpers";

// Every frame of an animated GIF composited in the engine (gif.c's canvas), against libvips (which
// composites GIF frames as browsers do) and against a small model of browsers' rules below.
const manifest: ManifestEntry[] = existsSync(CORPUS_DIR + "manifest.json") ? JSON.parse(readFileSync(CORPUS_DIR + "manifest.json", "utf8")) : [];
const animated = manifest.filter((e) => e.expect === "accept" && e.format === "gif" && (e.pages ?? 1) > 1).map((e) => e.path);
// The project's types are workerd's, whose WebAssembly.Module is not constructible from bytes; Node's is.
const NodeModule = WebAssembly.Module as unknown as new (bytes: Uint8Array) => WebAssembly.Module;
const engineModule = new NodeModule(readFileSync(new URL("../../workers/resize/wasm/engine.wasm", import.meta.url)));

const screenOf = (bytes: Uint8Array) => ({ w: bytes[6]! | (bytes[7]! << 8), h: bytes[8]! | (bytes[9]! << 8) });

/** Our composited frames (copies of the canvas after each frame) and their delays. */
function ours(bytes: Uint8Array, inst: EngineInstance = instantiateEngine(engineModule)): { frames: Uint8Array[]; delays: number[] } {
  const { w, h } = screenOf(bytes);
  const frames: Uint8Array[] = [], delays: number[] = [];
  compositeGifFrames(inst, bytes, w, h, (ptr, index, delay) => {
    expect(index).toBe(frames.length);
    frames.push(new Uint8Array(inst.memory.buffer, ptr, w * h * 4).slice());
    delays.push(delay);
  });
  return { frames, delays };
}

/** libvips' pages, all decoded at once (a tall image, one page under the other). */
async function vipsPages(bytes: Uint8Array): Promise<Uint8Array[]> {
  const { w, h } = screenOf(bytes);
  const { data, info } = await sharp(bytes, { pages: -1 }).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  expect(info.width).toBe(w);
  const n = info.height / h, size = w * h * 4;
  return Array.from({ length: n }, (_, k) => new Uint8Array(data.buffer, data.byteOffset + k * size, size));
}

/** Largest difference: colour where both are opaque-ish (within 1 level allowed by callers), alpha always. */
function compare(mine: Uint8Array, ref: Uint8Array): { colour: number; alpha: number } {
  let colour = 0, alpha = 0;
  for (let i = 0; i < mine.length; i += 4) {
    alpha = Math.max(alpha, Math.abs(mine[i + 3]! - ref[i + 3]!));
    if (mine[i + 3] !== 255 || ref[i + 3] !== 255) continue;
    for (let c = 0; c < 3; c++) colour = Math.max(colour, Math.abs(mine[i + c]! - ref[i + c]!));
  }
  return { colour, alpha };
}

// ---- Hand-built GIFs ----------------------------------------------------------------------------

const pattern = (w: number, h: number, seed: number, colours = 8) => Array.from({ length: w * h }, (_, i) => (i * 7 + seed * 3 + ((i / w) | 0)) % colours);
const LOCAL = [[10, 20, 30], [200, 100, 50], [90, 180, 45], [12, 250, 128], [250, 5, 99], [64, 64, 64], [128, 0, 255], [255, 128, 0]];

/** One of each: disposal 1, 2, 3 and none; transparency; local palette; offscreen; interlacing. */
const SCENE: Spec[] = [
  { left: 1, top: 1, w: 6, h: 4, indices: pattern(6, 4, 0), disposal: 1, delayCs: 5 }, // leaves the border transparent
  { left: 2, top: 0, w: 4, h: 3, indices: pattern(4, 3, 1), transparent: 2, disposal: 2, delayCs: 0 },
  { left: 0, top: 2, w: 5, h: 4, indices: pattern(5, 4, 2), local: LOCAL, transparent: 0, disposal: 3, delayCs: 1 },
  { left: 5, top: 3, w: 6, h: 3, indices: pattern(6, 3, 3), interlaced: true, disposal: 3, delayCs: 2 }, // past the right
  { left: 3, top: 4, w: 2, h: 2, indices: pattern(2, 2, 4), transparent: 1, disposal: 2 },
  { left: 0, top: 0, w: 8, h: 6, indices: pattern(8, 6, 5), transparent: 3, delayCs: 7 },
  { left: 9, top: 0, w: 3, h: 3, indices: pattern(3, 3, 6), disposal: 2 }, // entirely off screen
  { left: 0, top: 0, w: 8, h: 6, indices: pattern(8, 6, 7), interlaced: true, transparent: 4, disposal: 3 },
  { left: 2, top: 1, w: 3, h: 2, indices: pattern(3, 2, 8) },
];

describe("GIF animation canvas", () => {
  it("hand-built frames: every disposal, transparency, local palettes, clipping, interlacing", async () => {
    const bytes = buildGif(8, 6, SCENE);
    const mine = ours(bytes);
    expect(mine.frames.map((f) => Buffer.from(f).toString("hex"))).toEqual(model(8, 6, SCENE).map((f) => Buffer.from(f).toString("hex")));
    expect(mine.delays).toEqual([50, 100, 100, 20, 100, 70, 100, 100, 100]);
    const vips = await vipsPages(bytes);
    expect(vips.length).toBe(SCENE.length);
    vips.forEach((page, k) => expect(compare(mine.frames[k]!, page), `frame ${k + 1}`).toEqual({ colour: 0, alpha: 0 }));
  });

  // libvips (libnsgif) places the rows of an interlaced frame that extends past the bottom of the
  // screen by the on-screen height instead of the frame's: with 3 of 9 rows on screen it shows
  // rows 0, 4, 8. Browsers place them by the frame's height (rows 0, 1, 2), so the yardstick here
  // is the model.
  it("interlaced frames of every height up to 17, partly off the bottom", () => {
    for (let h = 1; h <= 17; h++) {
      const specs: Spec[] = [
        { left: 0, top: 0, w: 3, h: 20, indices: pattern(3, 20, h) },
        { left: 1, top: 20 - Math.ceil(h / 2) - 1, w: 3, h, indices: pattern(3, h, h + 1, 7).map((i) => i + 1), interlaced: true },
      ];
      const mine = ours(buildGif(4, 20, specs));
      expect(mine.frames.map((f) => Buffer.from(f).toString("hex")), `height ${h}`).toEqual(model(4, 20, specs).map((f) => Buffer.from(f).toString("hex")));
    }
  });

  // Browsers start from a transparent canvas and restore a disposal-2 frame's rectangle to
  // transparent. libvips does the same only for transparency it knows of: a GIF in which no frame
  // has a transparent index decodes opaque (the background colour where no frame has drawn), and a
  // disposal-2 frame without a transparent index is restored to the background colour, opaque.
  // So the opaque variants are checked by hand, the others against libvips too.
  it("disposal 2 and 3 restore to transparent, also on the first frame", async () => {
    for (const disposal of [2, 3]) {
      for (const transparent of [undefined, 7]) {
        const specs: Spec[] = [
          { left: 1, top: 1, w: 2, h: 2, indices: [1, 2, 3, 4], disposal, transparent },
          { left: 0, top: 0, w: 1, h: 1, indices: [5], disposal, transparent },
          { left: 3, top: 3, w: 1, h: 1, indices: [6], transparent },
        ];
        const name = `disposal ${disposal}, transparent index ${transparent}`;
        const bytes = buildGif(4, 4, specs);
        const mine = ours(bytes);
        expect(mine.frames.map((f) => Buffer.from(f).toString("hex")), name).toEqual(model(4, 4, specs).map((f) => Buffer.from(f).toString("hex")));
        expect(mine.frames[0]!.filter((v, i) => i % 4 === 3 && v === 255).length, name).toBe(4);
        expect(mine.frames[1]!.every((v, i) => (i < 4 ? v === [255, 255, 0, 255][i] : v === 0)), name).toBe(true);
        expect(mine.frames[2]!.every((v, i) => (i >= 60 ? v === [0, 255, 255, 255][i - 60] : v === 0)), name).toBe(true);
        const vips = await vipsPages(bytes);
        if (transparent === undefined) {
          expect(vips.every((page) => page.every((v, i) => i % 4 !== 3 || v === 255)), `libvips: ${name} is opaque`).toBe(true);
          continue;
        }
        vips.forEach((page, k) => expect(compare(mine.frames[k]!, page), `${name}, frame ${k + 1}`).toEqual({ colour: 0, alpha: 0 }));
      }
    }
    // libvips' disposal 2 without a transparent index, in a file that has one elsewhere: background colour, opaque.
    const bytes = buildGif(4, 4, [
      { left: 1, top: 1, w: 2, h: 2, indices: [1, 2, 3, 4], disposal: 2 },
      { left: 0, top: 0, w: 1, h: 1, indices: [5], transparent: 7 },
    ]);
    expect(ours(bytes).frames[1]![(1 * 4 + 1) * 4 + 3]).toBe(0);
    expect((await vipsPages(bytes))[1]![(1 * 4 + 1) * 4 + 3], "libvips").toBe(255);
  });

  // A stream cut short ends with its last byte's padding bits: when there are at least a code's
  // worth, they decode as one more code (index 0), in browsers too; the cuts below leave fewer.
  it("a truncated code stream leaves the rest of the frame as it was", () => {
    const specs: Spec[] = [
      { left: 0, top: 0, w: 4, h: 3, indices: pattern(4, 3, 0) },
      { left: 0, top: 0, w: 4, h: 3, indices: pattern(4, 3, 1, 7).map((i) => i + 1), cut: 6 }, // one row and a half
      { left: 0, top: 0, w: 4, h: 3, indices: pattern(4, 3, 2, 7).map((i) => i + 1), interlaced: true, cut: 6 },
    ];
    const mine = ours(buildGif(4, 3, specs));
    const expected = model(4, 3, specs);
    expect(mine.frames.map((f) => Buffer.from(f).toString("hex"))).toEqual(expected.map((f) => Buffer.from(f).toString("hex")));
    // Frame 2: row 0 and the first 2 pixels of row 1 are new; the rest is frame 1.
    expect(Buffer.from(mine.frames[1]!.subarray(24)).equals(Buffer.from(mine.frames[0]!.subarray(24)))).toBe(true);
    expect(Buffer.from(mine.frames[1]!.subarray(0, 24)).equals(Buffer.from(mine.frames[0]!.subarray(0, 24)))).toBe(false);
  });

  it("a corrupt code (past the next free table slot) fails with a PipelineError naming the frame", () => {
    const bytes = buildGif(2, 1, [
      { left: 0, top: 0, w: 2, h: 1, indices: [1, 2] },
      { left: 0, top: 0, w: 2, h: 1, indices: [], data: lzw([[8, 4], [1, 4], [15, 4], [9, 4]]) },
    ]);
    expect(() => ours(bytes)).toThrowError(new PipelineError("GIF: corrupt LZW data in frame 2"));
    // The canvas was closed: the same instance composites another file.
    const inst = instantiateEngine(engineModule);
    expect(() => ours(bytes, inst)).toThrow(PipelineError);
    expect(ours(buildGif(8, 6, SCENE), inst).frames.length).toBe(SCENE.length);
  });

  it("malformed files fail with PipelineErrors", () => {
    const good = buildGif(8, 6, SCENE);
    for (const n of [5, 14, 40, 60, 100, good.length - 2]) expect(() => gifFrames(good.subarray(0, n)), `cut at ${n}`).toThrow(PipelineError);
    expect(() => gifFrames(cat(good.subarray(0, good.length - 1), [0x99]))).toThrowError(/unexpected block/);
    expect(() => gifFrames(buildGif(2, 2, []))).toThrowError(/no image/);
    // Neither a global nor a local colour table (flag bytes cleared: screen at 10, frame at 9 after its 0x2c).
    const bare = cat([...good.subarray(0, 13)], good.subarray(13 + 24));
    bare[10] = 0;
    expect(() => gifFrames(bare)).toThrowError("GIF: a frame has no colour table");
    // Without its trailer, a file that ends between blocks is read up to there, as browsers do.
    expect(gifFrames(good.subarray(0, good.length - 1)).length).toBe(SCENE.length);
  });

  it("loop counts: browsers' and libvips' number of plays", async () => {
    const frames: Spec[] = [{ left: 0, top: 0, w: 1, h: 1, indices: [1] }, { left: 0, top: 0, w: 1, h: 1, indices: [2] }];
    for (const [stored, plays] of [[undefined, 1], [0, 0], [1, 2], [5, 6], [65535, 65535]] as const) {
      const bytes = buildGif(1, 1, frames, stored);
      expect(gifLoopCount(bytes), `NETSCAPE2.0 ${stored}`).toBe(plays);
      if (stored !== 65535) expect((await sharp(bytes, { animated: true }).metadata()).loop ?? 1, `libvips, NETSCAPE2.0 ${stored}`).toBe(plays);
    }
  });

  it("delays: centiseconds x 10, and 0 or 1 cs shown as 100 ms", () => {
    expect([0, 1, 2, 10, 65535].map(gifDelayMs)).toEqual([100, 100, 20, 100, 655350]);
  });

  it.skipIf(animated.length === 0)("corpus: every frame matches libvips' page; delays and loop count match its metadata", async () => {
    const report: string[] = [];
    for (const path of animated) {
      const bytes = new Uint8Array(readFileSync(CORPUS_DIR + path));
      const mine = ours(bytes);
      const vips = await vipsPages(bytes);
      expect(mine.frames.length, path).toBe(vips.length);
      let worst = { colour: 0, alpha: 0 };
      mine.frames.forEach((f, k) => {
        const d = compare(f, vips[k]!);
        worst = { colour: Math.max(worst.colour, d.colour), alpha: Math.max(worst.alpha, d.alpha) };
      });
      report.push(`${path}: ${mine.frames.length} frames, max diff colour ${worst.colour}, alpha ${worst.alpha}`);
      expect(worst.colour, path).toBeLessThanOrEqual(1);
      expect(worst.alpha, path).toBe(0);
      const meta = await sharp(bytes, { animated: true }).metadata();
      // libvips reports the stored delay; browsers show 0 or 1 cs as 100 ms, and so do we.
      expect(mine.delays, `${path} delays`).toEqual(meta.delay!.map((d) => (d <= 10 ? 100 : d)));
      expect(gifLoopCount(bytes), `${path} loop`).toBe(meta.loop ?? 1);
    }
    console.log(report.join("\n"));
  });

  it.skipIf(animated.length === 0)("sharp's { page: k } is the composited frame k (what the corpus test reads all at once)", async () => {
    const path = animated.find((p) => p.includes("moon")) ?? animated[0]!;
    const bytes = new Uint8Array(readFileSync(CORPUS_DIR + path));
    const all = await vipsPages(bytes);
    for (const k of [0, 1, Math.floor(all.length / 2), all.length - 1]) {
      const one = await sharp(bytes, { page: k }).ensureAlpha().raw().toBuffer();
      expect(Buffer.from(all[k]!).equals(one), `${path} page ${k}`).toBe(true);
    }
  });

  it("mutated and truncated files composite or fail with a PipelineError, never anything else", () => {
    const originals = [buildGif(8, 6, SCENE), ...animated.filter((p) => !p.includes("muybridge")).map((p) => new Uint8Array(readFileSync(CORPUS_DIR + p)))];
    let seed = 0x9e3779b9;
    const rand = (n: number) => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 8) % n;
    const unexpected: string[] = [];
    for (const original of originals) {
      const { w, h } = screenOf(original);
      for (let run = 0; run < 150; run++) {
        const bytes = original.slice(0, run % 5 === 0 ? 13 + rand(original.length - 13) : original.length);
        for (let k = 1 + rand(4); k > 0; k--) bytes[13 + rand(bytes.length - 13)] = rand(256);
        try {
          compositeGifFrames(instantiateEngine(engineModule), bytes, w, h, () => {});
        } catch (err) {
          if (!(err instanceof PipelineError)) unexpected.push(String(err));
        }
      }
    }
    expect(unexpected).toEqual([]);
  });

  it("memory: a 2000x2000 GIF of 100 full-screen frames (disposal 3 and 2 alternating; disposal 1)", () => {
    const [w, h] = [2000, 2000];
    const indices = Array.from({ length: w * h }, (_, i) => ((i % w) >> 4) % 8);
    const data = lzwEncode(indices, 3);
    for (const disposals of [[3, 2], [1, 1]]) {
      const spec = (k: number): Spec => ({ left: 0, top: 0, w, h, indices: [], data, disposal: disposals[k % 2], transparent: k % 8 });
      const bytes = buildGif(w, h, Array.from({ length: 100 }, (_, k) => spec(k)));
      const inst = instantiateEngine(engineModule);
      const before = inst.memory.buffer.byteLength;
      let frames = 0;
      const start = performance.now();
      compositeGifFrames(inst, bytes, w, h, () => frames++);
      expect(frames).toBe(100);
      console.log(`2000x2000, 100 frames, disposal ${disposals.join("/")} (${(bytes.length / 1e6).toFixed(1)} MB): engine memory ${(before / 2 ** 20).toFixed(1)} MiB before, ${(inst.memory.buffer.byteLength / 2 ** 20).toFixed(1)} MiB after (canvas ${(w * h * 4 / 2 ** 20).toFixed(1)} MiB); ${Math.round(performance.now() - start)} ms`);
    }
  }, 60_000);
});
