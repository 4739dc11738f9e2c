import { readFileSync } from "node:fs";
import sharp from "sharp";
import { describe, expect, it } from "vitest";
import { EngineFailure, instantiateEngine, type EngineInstance } from "../../workers/resize/pipeline/codecs/engine-core";
import { CORPUS_DIR } from "../corpus";
import { cat } from "./sniff-helpers";

// Animated WebP in the engine: libwebp's WebPAnimEncoder (ae_*) and WebPAnimDecoder (wa_*), checked
// against sharp (libvips with its own libwebp) as the yardstick.
const NodeModule = WebAssembly.Module as unknown as new (bytes: Uint8Array) => WebAssembly.Module;
const engineModule = new NodeModule(readFileSync(new URL("../../workers/resize/wasm/engine.wasm", import.meta.url)));
const corpus = CORPUS_DIR.replace(/\/$/, "");

/** Copies bytes into the engine's memory; the pointer stays valid until freed. */
function put(inst: EngineInstance, bytes: Uint8Array): number {
  const ptr = inst.exports.eng_malloc(bytes.length);
  new Uint8Array(inst.memory.buffer, ptr, bytes.length).set(bytes);
  return ptr;
}

/** Encodes width x height RGBA frames shown from timestamps[k] until `end`. */
function encode(
  inst: EngineInstance, frames: Uint8Array[], width: number, height: number, timestamps: number[], end: number, loop: number,
): Uint8Array {
  const ex = inst.exports;
  ex.ae_new(width, height, 80, 2, loop);
  const ptr = ex.eng_malloc(width * height * 4);
  try {
    frames.forEach((frame, k) => {
      new Uint8Array(inst.memory.buffer, ptr, frame.length).set(frame);
      expect(ex.ae_add(ptr, timestamps[k]!)).toBe(1);
    });
  } finally {
    ex.eng_free(ptr);
  }
  const out = ex.ae_finish(end);
  const bytes = new Uint8Array(inst.memory.buffer, out, ex.ae_size()).slice();
  ex.ae_free();
  return bytes;
}

interface Decoded { width: number; height: number; loop: number; frames: Uint8Array[]; timestamps: number[] }

/** Decodes every frame, composited, with the engine. */
function decode(bytes: Uint8Array, inst = instantiateEngine(engineModule)): Decoded {
  const ex = inst.exports;
  const data = put(inst, bytes);
  try {
    const count = ex.wa_open(data, bytes.length);
    const [width, height, loop] = [ex.wa_info(0), ex.wa_info(1), ex.wa_info(2)];
    const frames: Uint8Array[] = [], timestamps: number[] = [];
    for (let k = 0; k < count; k++) {
      const canvas = ex.wa_next();
      frames.push(new Uint8Array(inst.memory.buffer, canvas, width * height * 4).slice());
      timestamps.push(ex.wa_timestamp());
    }
    return { width, height, loop, frames, timestamps };
  } finally {
    ex.wa_close();
    ex.eng_free(data);
  }
}

/** sharp's composited page k, RGBA. */
async function sharpPage(bytes: Uint8Array, page: number): Promise<Uint8Array> {
  return new Uint8Array(await sharp(bytes, { page }).ensureAlpha().raw().toBuffer());
}

/** RGBA pixels from f(x, y) -> [r, g, b, a]. */
function pixels(width: number, height: number, f: (x: number, y: number) => number[]): Uint8Array {
  const px = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) px.set(f(x, y), (y * width + x) * 4);
  return px;
}

/** PSNR of the colour of pixels visible (alpha > 0) in the reference. */
function colourPsnr(ref: Uint8Array, got: Uint8Array): number {
  let sum = 0, n = 0;
  for (let i = 0; i < ref.length; i += 4) {
    if (ref[i + 3] === 0) continue;
    for (let c = 0; c < 3; c++) sum += (ref[i + c]! - got[i + c]!) ** 2;
    n += 3;
  }
  return sum === 0 ? Infinity : 10 * Math.log10((255 * 255 * n) / sum);
}

/** Largest channel difference; pixels transparent in both count only by alpha. */
function maxDifference(a: Uint8Array, b: Uint8Array): number {
  expect(a.length).toBe(b.length);
  let max = 0;
  for (let i = 0; i < a.length; i += 4) {
    const channels = a[i + 3] === 0 && b[i + 3] === 0 ? [3] : [0, 1, 2, 3];
    for (const c of channels) max = Math.max(max, Math.abs(a[i + c]! - b[i + c]!));
  }
  return max;
}

const expectFailure = (f: () => unknown) => expect(f).toThrow(EngineFailure);

describe("animated WebP encoding (WebPAnimEncoder)", () => {
  it("encodes 6 frames that sharp reads back with their delays, loop count and pixels", async () => {
    const [w, h] = [64, 48];
    const colours = [[230, 40, 40], [40, 200, 60], [50, 80, 230], [240, 220, 30], [200, 60, 220], [30, 210, 210]];
    const frames = colours.map(([r, g, b], k) =>
      pixels(w, h, (x, y) => {
        // A smooth gradient in the frame's colour; frame 3 has a transparent band, a translucent one and opaque rest.
        const rgb = [r! * (0.5 + x / (2 * w)), g! * (0.5 + y / (2 * h)), b! * (1 - x / (3 * w))].map(Math.round);
        const alpha = k === 3 ? (x < 16 ? 0 : x < 24 ? 128 : 255) : 255;
        return [...rgb, alpha];
      }));
    const inst = instantiateEngine(engineModule);
    const out = encode(inst, frames, w, h, [0, 100, 200, 300, 400, 500], 600, 3);
    const meta = await sharp(out, { animated: true }).metadata();
    expect(meta.format).toBe("webp");
    expect(meta.pages).toBe(6);
    expect(meta.delay).toEqual([100, 100, 100, 100, 100, 100]);
    expect(meta.loop).toBe(3);
    expect(meta.width).toBe(64);
    expect(meta.pageHeight).toBe(48);
    for (let k = 0; k < 6; k++) {
      const page = await sharpPage(out, k);
      const ref = frames[k]!;
      expect(colourPsnr(ref, page), `frame ${k}`).toBeGreaterThanOrEqual(30);
      for (let i = 3; i < ref.length; i += 4) {
        if (ref[i] === 0 || ref[i] === 255) expect(page[i], `frame ${k} alpha at ${i >> 2}`).toBe(ref[i]);
      }
    }
    // The engine reads its own output like sharp does.
    const mine = decode(out);
    expect(mine.timestamps).toEqual([100, 200, 300, 400, 500, 600]);
    for (let k = 0; k < 6; k++) expect(maxDifference(mine.frames[k]!, await sharpPage(out, k)), `frame ${k}`).toBeLessThanOrEqual(1);
    // loop 0 (forever) is written as such; a second animation in the same instance starts afresh.
    const again = encode(inst, frames.slice(0, 2), w, h, [0, 40], 120, 0);
    const meta2 = await sharp(again, { animated: true }).metadata();
    expect([meta2.pages, meta2.loop, meta2.delay]).toEqual([2, 0, [40, 80]]);
  });
  it("writes a still WebP when every frame is the same (WebPAnimEncoder merges equal frames)", async () => {
    const frame = pixels(32, 24, (x, y) => [x * 8, y * 10, 100, 255]);
    const out = encode(instantiateEngine(engineModule), [frame, frame, frame], 32, 24, [0, 100, 200], 300, 0);
    const meta = await sharp(out, { animated: true }).metadata();
    expect([meta.pages, meta.delay]).toEqual([undefined, undefined]);
    expect(colourPsnr(frame, await sharpPage(out, 0))).toBeGreaterThanOrEqual(30);
    const inst = instantiateEngine(engineModule);
    const ptr = put(inst, out);
    expectFailure(() => inst.exports.wa_open(ptr, out.length));
  });
});

describe("animated WebP decoding (WebPAnimDecoder)", () => {
  /** Frames over a fixed background with a moving square (so frames after the first are sub-rectangles), some translucent. */
  function movingSquare(w: number, h: number, n: number, withAlpha: boolean): Uint8Array[] {
    return Array.from({ length: n }, (_, k) =>
      pixels(w, h, (x, y) => {
        const inSquare = x >= 4 + k * 5 && x < 16 + k * 5 && y >= 6 + k * 2 && y < 18 + k * 2;
        if (inSquare) return [250 - k * 30, 20 + k * 40, 90, withAlpha && k % 2 ? 160 : 255];
        const a = withAlpha ? (x < 6 ? 0 : y < 4 ? 90 : 255) : 255;
        return [(x * 6) & 255, (y * 8) & 255, 128, a];
      }));
  }

  const cases = [
    { name: "lossless, opaque", options: { lossless: true }, alpha: false },
    { name: "lossless, transparent and translucent", options: { lossless: true }, alpha: true },
    { name: "lossy, transparent and translucent", options: { quality: 80 }, alpha: true },
  ];
  for (const { name, options, alpha } of cases) {
    it(`composites every frame as sharp does (${name})`, async () => {
      const [w, h, n] = [48, 36, 5];
      const delay = [80, 120, 40, 200, 60];
      const stacked = cat(...movingSquare(w, h, n, alpha));
      const file = new Uint8Array(await sharp(stacked, { raw: { width: w, height: h * n, channels: 4, pageHeight: h } })
        .webp({ ...options, loop: 2, delay })
        .toBuffer());
      const got = decode(file);
      expect([got.width, got.height, got.loop, got.frames.length]).toEqual([w, h, 2, n]);
      expect(got.timestamps).toEqual([80, 200, 240, 440, 500]);
      for (let k = 0; k < n; k++) expect(maxDifference(got.frames[k]!, await sharpPage(file, k)), `frame ${k}`).toBeLessThanOrEqual(1);
    });
  }

  const manifest = JSON.parse(readFileSync(`${corpus}/manifest.json`, "utf8")) as { path: string; expect: string; format: string; pages?: number }[];
  const animated = manifest.filter((e) => e.path.startsWith("animated/") && e.format === "webp" && e.expect === "accept");
  it("finds the corpus's animated WebP files", () => expect(animated.length).toBeGreaterThan(0));
  for (const entry of animated) {
    it(`decodes ${entry.path} as sharp does`, async () => {
      const file = new Uint8Array(readFileSync(`${corpus}/${entry.path}`));
      const meta = await sharp(file, { animated: true }).metadata();
      const got = decode(file);
      expect(got.frames.length).toBe(meta.pages);
      expect(got.frames.length).toBe(entry.pages);
      expect([got.width, got.height, got.loop]).toEqual([meta.width, meta.pageHeight, meta.loop]);
      let end = 0;
      expect(got.timestamps).toEqual(meta.delay!.map((d) => (end += d)));
      for (let k = 0; k < got.frames.length; k++) expect(maxDifference(got.frames[k]!, await sharpPage(file, k)), `frame ${k}`).toBeLessThanOrEqual(1);
    });
  }
});

describe("failures are EngineFailures", () => {
  it("refuses a still WebP, garbage and empty input at wa_open", async () => {
    const inst = instantiateEngine(engineModule);
    const still = new Uint8Array(await sharp(pixels(20, 20, (x) => [x * 10, 0, 0, 255]), { raw: { width: 20, height: 20, channels: 4 } }).webp().toBuffer());
    const garbage = pixels(30, 30, (x, y) => [(x * 31 + y * 17) & 255, (x ^ y) & 255, 7, 99]);
    for (const [bytes, message] of [[still, "not an animated WebP"], [garbage, "not a valid animated WebP"], [cat(new TextEncoder().encode("RIFF\x10\0\0\0WEBPVP8X"), garbage), "not a valid animated WebP"]] as const) {
      const ptr = put(inst, bytes);
      expectFailure(() => inst.exports.wa_open(ptr, bytes.length));
      expect(() => inst.exports.wa_open(ptr, bytes.length)).toThrow(message);
      inst.exports.eng_free(ptr);
    }
    expectFailure(() => inst.exports.wa_open(0, 0));
    expectFailure(() => inst.exports.wa_next());
    // The instance still works afterwards.
    expect(decode(new Uint8Array(readFileSync(`${corpus}/animated/random_lossy.webp`)), inst).frames.length).toBe(4);
  });

  it("fails an allocation the engine cannot make instead of handing out address 0", () => {
    const inst = instantiateEngine(engineModule);
    expect(() => inst.exports.eng_malloc(0x7ff00000)).toThrow(/^out of memory$/);
    // The instance still works afterwards.
    expect(decode(new Uint8Array(readFileSync(`${corpus}/animated/random_lossy.webp`)), inst).frames.length).toBe(4);
  });

  it("stops a truncated animated WebP with an EngineFailure, at wa_open or wa_next", () => {
    const file = new Uint8Array(readFileSync(`${corpus}/animated/random_lossless.webp`));
    for (const cut of [12, 30, 60, 200, file.length >> 2, file.length >> 1, file.length - 100, file.length - 1]) {
      const inst = instantiateEngine(engineModule);
      let error: unknown;
      try {
        decode(file.subarray(0, cut), inst);
      } catch (e) {
        error = e;
      }
      expect(error, `cut at ${cut}`).toBeInstanceOf(EngineFailure);
    }
  });

  it("refuses encoder calls out of order and bad parameters", () => {
    const inst = instantiateEngine(engineModule);
    const ex = inst.exports;
    const frame = put(inst, new Uint8Array(16 * 16 * 4));
    expectFailure(() => ex.ae_add(frame, 0));
    expectFailure(() => ex.ae_finish(100));
    expectFailure(() => ex.ae_new(0, 10, 80, 2, 0));
    expectFailure(() => ex.ae_new(16, 16, 80, 9, 0));
    expectFailure(() => ex.ae_new(16, 16, 80, 2, -1));
    expect(ex.ae_new(16, 16, 80, 2, 0)).toBe(1);
    expect(ex.ae_add(frame, 100)).toBe(1);
    expectFailure(() => ex.ae_add(frame, 50)); // timestamps must not go back
    ex.ae_free();
    expectFailure(() => ex.ae_add(frame, 0));
  });
});

describe("memory and time", () => {
  /** Encodes 50 frames of 1024 x 768 from frame(k); prints the time a frame and the engine's memory. */
  function benchmark(label: string, frame: (k: number) => (x: number, y: number) => number[]) {
    const [w, h, n] = [1024, 768, 50];
    const inst = instantiateEngine(engineModule);
    const ex = inst.exports;
    ex.ae_new(w, h, 80, 2, 0);
    const ptr = ex.eng_malloc(w * h * 4);
    let ms = 0;
    for (let k = 0; k < n; k++) {
      const px = pixels(w, h, frame(k));
      new Uint8Array(inst.memory.buffer, ptr, px.length).set(px);
      const start = performance.now();
      ex.ae_add(ptr, k * 100);
      ms += performance.now() - start;
    }
    const start = performance.now();
    const out = ex.ae_finish(n * 100);
    ms += performance.now() - start;
    const size = ex.ae_size();
    expect(new TextDecoder().decode(new Uint8Array(inst.memory.buffer, out, 4))).toBe("RIFF");
    console.log(`50 frames of 1024x768, ${label}: ${(ms / n).toFixed(1)} ms a frame (ae_add and ae_finish), ` +
      `${(size / 1024).toFixed(0)} KiB out, engine memory ${(inst.memory.buffer.byteLength / 2 ** 20).toFixed(1)} MiB`);
    const bytes = new Uint8Array(inst.memory.buffer, out, size).slice();
    ex.ae_free();
    ex.eng_free(ptr);
    // Decoding it back: every frame composited on the 1024 x 768 canvas.
    const dec = instantiateEngine(engineModule);
    const data = put(dec, bytes);
    const decStart = performance.now();
    expect(dec.exports.wa_open(data, bytes.length)).toBe(n);
    for (let k = 0; k < n; k++) dec.exports.wa_next();
    const decMs = performance.now() - decStart;
    expect(dec.exports.wa_timestamp()).toBe(n * 100);
    console.log(`  decoded back: ${(decMs / n).toFixed(1)} ms a frame, engine memory ${(dec.memory.buffer.byteLength / 2 ** 20).toFixed(1)} MiB`);
    dec.exports.wa_close();
  }

  it("encodes 50 frames of 1024 x 768: a disc moving over a still background", () => {
    benchmark("moving disc", (k) => {
      const cx = 100 + k * 16, cy = 200 + k * 6;
      return (x, y) => ((x - cx) ** 2 + (y - cy) ** 2 < 90 ** 2 ? [240, 200 - k * 2, 40, 255] : [(x >> 2) & 255, (y >> 2) & 255, 128, 255]);
    });
  }, 300_000);

  it("encodes 50 frames of 1024 x 768: every pixel changes (a textured scene panning)", () => {
    benchmark("panning texture", (k) => (x, y) => {
      const u = x + k * 12, v = y + k * 5;
      return [(u * 3 + ((v * 7) ^ u)) & 255, (v * 2 + ((u >> 3) & 63)) & 255, ((u ^ v) * 5) & 255, 255];
    });
  }, 300_000);
});
