import { readFileSync } from "node:fs";
import sharp from "sharp";
import { describe, expect, it } from "vitest";
import { inspectImage } from "../../core/sniff";
import { animates, encodeAnimatedWebp } from "../../workers/resize/pipeline/animation";
import { instantiateEngine } from "../../workers/resize/pipeline/codecs/engine-core";
import { PipelineError } from "../../workers/resize/pipeline/errors";
import { apngFrames, compositeApngFrames } from "../../workers/resize/pipeline/png";
import { apng, model, pattern, solid, type ApngOptions, type TestFrame } from "./apng-builders";
import { cat, SNIFF_LIMITS, u32be } from "./sniff-helpers";
import { ihdr, PNG_SIG, pngChunk } from "./sniff-builders";
import { unexpectedOutcomes } from "./damage";

// Animated PNG: every frame composited on the canvas (png.ts) as the APNG specification says,
// checked against the model in apng-builders.ts; then encoded as an animated WebP.
const NodeModule = WebAssembly.Module as unknown as new (bytes: Uint8Array) => WebAssembly.Module;
const engineModule = new NodeModule(readFileSync(new URL("../../workers/resize/wasm/engine.wasm", import.meta.url)));
const engine = () => instantiateEngine(engineModule);
const FIXTURE = new URL("./fixtures/apng-3-frames.png", import.meta.url);

function composite(bytes: Uint8Array): { canvases: Uint8Array[]; delays: number[] } {
  const inst = engine();
  const a = apngFrames(bytes);
  const size = a.head.width * a.head.height * 4;
  const canvases: Uint8Array[] = [], delays: number[] = [];
  compositeApngFrames(inst, a, (canvas, _index, delayMs) => {
    canvases.push(new Uint8Array(inst.memory.buffer, canvas, size).slice());
    delays.push(delayMs);
  });
  return { canvases, delays };
}

function maxDiff(a: Uint8Array, b: Uint8Array): number {
  expect(a.length).toBe(b.length);
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i]! - b[i]!));
  return d;
}

/**
 * Composites `frames` and compares every canvas with the model: exact until a frame blends OVER,
 * then within 1 level per OVER frame so far (we round, the specification's formula truncates;
 * a blend on a blended pixel can add a level).
 */
function check(width: number, height: number, frames: TestFrame[], opts: ApngOptions = {}): void {
  const bytes = apng(width, height, frames, opts);
  // The validator accepts the file and counts the animation's frames (not a hidden default image).
  expect(inspectImage(bytes, SNIFF_LIMITS).frames).toBe(frames.length);
  const { canvases } = composite(bytes);
  const expected = model(width, height, frames);
  expect(canvases.length).toBe(frames.length);
  let blended = 0;
  canvases.forEach((canvas, k) => {
    if (frames[k]!.blend === 1) blended++;
    expect(maxDiff(canvas, expected[k]!), `frame ${k}`).toBeLessThanOrEqual(blended);
  });
}

/** Partial alpha everywhere: 0, 255 and values between. */
const ramp = (x: number, y: number) => [0, 255, 40, 128, 200, 1, 254][(x + 2 * y) % 7]!;

describe("APNG compositing", () => {
  it("default image as frame 0; SOURCE and OVER with partial alpha; frames offset in the canvas; dispose NONE", () => {
    check(12, 10, [
      { w: 12, h: 10, pixels: pattern(12, 10, 1, ramp) },
      { w: 5, h: 4, x: 3, y: 2, pixels: pattern(5, 4, 2, ramp) },
      { w: 4, h: 3, x: 8, y: 7, blend: 1, pixels: pattern(4, 3, 3, ramp) },
      { w: 12, h: 10, blend: 1, pixels: pattern(12, 10, 4, (x, y) => (x * 23 + y * 41) & 255) },
    ]);
  });

  it("dispose BACKGROUND and PREVIOUS (PREVIOUS on the first frame is BACKGROUND)", () => {
    check(10, 8, [
      { w: 10, h: 8, dispose: 2, pixels: pattern(10, 8, 5) },
      { w: 6, h: 5, x: 2, y: 2, blend: 1, dispose: 0, pixels: pattern(6, 5, 6, ramp) },
      { w: 4, h: 4, x: 5, y: 3, blend: 1, dispose: 2, pixels: pattern(4, 4, 7, ramp) },
      { w: 3, h: 3, x: 1, y: 1, blend: 0, dispose: 1, pixels: pattern(3, 3, 8, ramp) },
      { w: 10, h: 8, blend: 1, dispose: 2, pixels: pattern(10, 8, 9, ramp) },
      { w: 2, h: 2, x: 8, y: 6, pixels: solid(2, 2, [1, 2, 3, 4]) },
    ]);
  });

  it("a default image outside the animation is not shown; frames are the fcTL frames", () => {
    const frames: TestFrame[] = [
      { w: 4, h: 4, x: 2, y: 1, blend: 1, dispose: 1, pixels: pattern(4, 4, 10, ramp) },
      { w: 8, h: 6, blend: 1, pixels: pattern(8, 6, 11, ramp) },
    ];
    check(8, 6, frames, { hiddenDefault: solid(8, 6, [255, 0, 0, 255]) });
    const bytes = apng(8, 6, frames, { hiddenDefault: solid(8, 6, [255, 0, 0, 255]) });
    expect(apngFrames(bytes).frames.map((f) => [f.width, f.height, f.x, f.y])).toEqual([[4, 4, 2, 1], [8, 6, 0, 0]]);
  });

  it("palette frames with tRNS (every frame decoded with IHDR's colour type and PLTE)", () => {
    const few = (w: number, h: number, seed: number) => pattern(w, h, seed, ramp).map((v, i) => (i % 4 === 3 ? v : v & 0xc0));
    check(6, 5, [
      { w: 6, h: 5, dispose: 2, pixels: few(6, 5, 1) },
      { w: 3, h: 3, x: 3, y: 2, blend: 1, dispose: 2, pixels: few(3, 3, 2) },
      { w: 4, h: 2, x: 1, y: 0, blend: 1, pixels: few(4, 2, 3) },
    ], { palette: true });
  });

  it("delays: delay_num/delay_den seconds, den 0 is 100; the play count", async () => {
    const colours: [number, number, number, number][] = [[255, 0, 0, 255], [0, 255, 0, 255], [0, 0, 255, 255], [255, 255, 0, 255], [0, 255, 255, 255]];
    const timing = [[1, 0], [0, 10], [3, 20], [25, 100], [11, 1000]];
    const frames = colours.map((c, k) => ({ w: 8, h: 8, num: timing[k]![0], den: timing[k]![1], pixels: solid(8, 8, c) }));
    const bytes = apng(8, 8, frames, { plays: 3 });
    expect(composite(bytes).delays).toEqual([10, 0, 150, 250, 11]);
    expect(apngFrames(bytes).plays).toBe(3);
    const src = { format: "png", width: 8, height: 8, frames: 5 };
    const out = encodeAnimatedWebp(engine(), bytes, src, { w: 8, h: 8, width: 8, height: 8 }, 1, 80);
    expect(out.frames).toBe(5);
    const meta = await sharp(out.bytes, { animated: true }).metadata();
    // Browsers show a frame of 10 ms or less for 100 ms, as in GIF and WebP.
    expect([meta.format, meta.pages, meta.delay, meta.loop]).toEqual(["webp", 5, [100, 100, 150, 250, 11], 3]);
    const forever = apng(8, 8, frames.slice(0, 2));
    const meta2 = await sharp(encodeAnimatedWebp(engine(), forever, { ...src, frames: 2 }, { w: 4, h: 4, width: 4, height: 4 }, 1, 80).bytes, { animated: true }).metadata();
    expect([meta2.pages, meta2.loop]).toEqual([2, 0]);
  });

  it("malformed APNGs are PipelineErrors", () => {
    const good = apng(4, 4, [{ w: 4, h: 4, pixels: solid(4, 4, [9, 9, 9, 255]) }, { w: 2, h: 2, pixels: solid(2, 2, [1, 1, 1, 255]) }]);
    const z = [0x78, 0x9c, 0x63, 0, 0, 0, 1, 0, 1];
    const fctl = (seq: number, w: number, h: number, x = 0, y = 0, ops = [0, 0]) =>
      pngChunk("fcTL", [...u32be(seq), ...u32be(w), ...u32be(h), ...u32be(x), ...u32be(y), 0, 1, 0, 10, ...ops]);
    const file = (...chunks: Uint8Array[]) => cat(PNG_SIG, ihdr(4, 4, 8, 6), ...chunks, pngChunk("IEND"));
    const actl = (n: number) => pngChunk("acTL", [...u32be(n), 0, 0, 0, 0]);
    // Each file breaks one rule, which its own message names.
    const bad: [Uint8Array, string][] = [
      [file(pngChunk("IDAT", z)), "PNG: not an APNG (no acTL chunk)"],
      [file(actl(2), fctl(0, 4, 4), pngChunk("IDAT", z)), "PNG: APNG has 1 frames, acTL declares 2"],
      [file(actl(1), fctl(0, 4, 4), pngChunk("IDAT", z), fctl(1, 2, 2), pngChunk("fdAT", [0, 0, 0, 2, ...z])), "PNG: APNG has more frames than acTL declares"],
      [file(actl(2), pngChunk("IDAT", z), pngChunk("fdAT", [0, 0, 0, 0, ...z]), fctl(1, 4, 4)), "PNG: APNG fdAT without its fcTL"],
      [file(actl(1), pngChunk("IDAT", z), fctl(0, 3, 3, 2, 0), pngChunk("fdAT", [0, 0, 0, 1, ...z])), "PNG: APNG frame 0 outside the canvas"],
      [file(actl(1), pngChunk("IDAT", z), fctl(0, 2, 2, 0, 0, [3, 0]), pngChunk("fdAT", [0, 0, 0, 1, ...z])), "PNG: APNG frame 0 has an unknown dispose or blend operation"],
      [file(actl(1), pngChunk("IDAT", z), fctl(0, 2, 2), pngChunk("fdAT", [0, 0, 0, 5, ...z])), "PNG: APNG sequence numbers out of order"],
      [file(actl(1), pngChunk("IDAT", z), fctl(0, 2, 2)), "PNG: APNG frame 0 has no image data"],
      [file(actl(1), fctl(0, 2, 2), pngChunk("IDAT", z)), "PNG: APNG default frame size mismatch"],
    ];
    for (const [bytes, message] of bad) {
      expect(() => apngFrames(bytes)).toThrow(message);
      expect(() => encodeAnimatedWebp(engine(), bytes, { format: "png", width: 4, height: 4, frames: 2 }, { w: 4, h: 4, width: 4, height: 4 }, 1, 80), message).toThrow(PipelineError);
    }
    // Cut short: the frames' data ends early when decoded.
    expect(() => encodeAnimatedWebp(engine(), good.subarray(0, good.length - 40), { format: "png", width: 4, height: 4, frames: 2 }, { w: 4, h: 4, width: 4, height: 4 }, 1, 80)).toThrow(PipelineError);
    // The frames recorded by the upload Worker must match the file.
    expect(() => encodeAnimatedWebp(engine(), good, { format: "png", width: 4, height: 4, frames: 3 }, { w: 4, h: 4, width: 4, height: 4 }, 1, 80)).toThrow(/PNG: /);
  });
});

describe("an APNG made by ffmpeg (fixtures/README.md)", () => {
  const source = new Uint8Array(readFileSync(FIXTURE));
  const info = inspectImage(source, SNIFF_LIMITS);
  const src = { format: "png", width: info.width, height: info.height, frames: info.frames };

  it("composites its frames: the default image first, the frame rectangles in place", async () => {
    expect([src.width, src.height, src.frames]).toEqual([64, 48, 3]);
    const { canvases, delays } = composite(source);
    expect(delays).toEqual([200, 200, 200]);
    // sharp reads only the default image: frame 0 here.
    const first = await sharp(source).ensureAlpha().raw().toBuffer();
    expect(maxDiff(canvases[0]!, first)).toBe(0);
    // Frame 1 is a 37x37 rectangle at (14, 6) after frame 0 was cleared (dispose BACKGROUND).
    const a = apngFrames(source);
    expect(a.frames.map((f) => [f.width, f.height, f.x, f.y, f.dispose, f.blend])).toEqual([[64, 48, 0, 0, 1, 0], [37, 37, 14, 6, 0, 0], [64, 48, 0, 0, 0, 0]]);
    for (let y = 0; y < 48; y++) {
      for (let x = 0; x < 64; x++) {
        const inside = x >= 14 && x < 51 && y >= 6 && y < 43;
        if (!inside) expect(canvases[1]![(y * 64 + x) * 4 + 3], `(${x}, ${y})`).toBe(0);
      }
    }
    expect(canvases[1]!.some((v, i) => i % 4 === 3 && v === 255)).toBe(true);
  });

  it("becomes an animated WebP: frames, total duration and loop count", async () => {
    expect(animates(src, [{ w: 32, h: 24, width: 32, height: 24 }], source.length)).toBe(true);
    const { bytes, frames, first } = encodeAnimatedWebp(engine(), source, src, { w: 32, h: 24, width: 32, height: 24 }, 1, 80);
    expect(frames).toBe(3);
    const meta = await sharp(bytes, { animated: true }).metadata();
    expect([meta.format, meta.width, meta.pageHeight, meta.loop]).toEqual(["webp", 32, 24, 0]);
    expect(meta.pages!).toBeGreaterThan(1);
    expect(meta.pages!).toBeLessThanOrEqual(3);
    expect(meta.delay!.reduce((a, b) => a + b, 0)).toBe(600);
    // The first frame is the default image, resized.
    const ref = await sharp(source).resize(32, 24, { fit: "fill", kernel: "lanczos3" }).ensureAlpha().raw().toBuffer();
    expect(maxDiff(first.data, ref)).toBeLessThanOrEqual(8);
  });
});

// Bypassing upload validation, like resize-animation.test.ts: damaged APNGs are encoded or fail
// with a PipelineError, never another error, a trap or a hang.
describe("damaged APNGs", () => {
  const built = apng(24, 20, [
    { w: 24, h: 20, dispose: 2, pixels: pattern(24, 20, 1, ramp) },
    { w: 10, h: 8, x: 5, y: 6, blend: 1, dispose: 2, pixels: pattern(10, 8, 2, ramp) },
    { w: 12, h: 12, x: 12, y: 8, blend: 1, dispose: 1, pixels: pattern(12, 12, 3, ramp) },
  ], { palette: false });
  it.each([
    ["fixtures/apng-3-frames.png", new Uint8Array(readFileSync(FIXTURE)), 64, 48, 3],
    ["hand-built", built, 24, 20, 3],
  ] as const)("%s: animated or a PipelineError", (_name, original, width, height, frames) => {
    const size = { w: width >> 1, h: height >> 1, width: width >> 1, height: height >> 1 };
    const unexpected = unexpectedOutcomes(original, { seed: 0xa9c, runs: 40, skip: 8, truncate: true }, (input) => {
      encodeAnimatedWebp(engine(), input, { format: "png", width, height, frames }, size, 1, 80);
    });
    expect(unexpected).toEqual([]);
  });
});
