import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import sharp from "sharp";
import { describe, expect, it } from "vitest";
import { animates, encodeAnimatedWebp, MAX_ANIMATED_CANVAS_PIXELS, MAX_ANIMATED_DECODE_PIXELS, MAX_ANIMATED_OUTPUT_PIXELS, MAX_ANIMATED_WEBP_HELD_BYTES } from "../../workers/resize/pipeline/animation";
import { instantiateEngine } from "../../workers/resize/pipeline/codecs/engine-core";
import { PipelineError } from "../../workers/resize/pipeline/errors";
import { gifFrames } from "../../workers/resize/pipeline/gif";
import { unexpectedOutcomes } from "./damage";
import { inspectImage } from "../../core/sniff";
import { parseLimits } from "../../core/limits";

// Animated variants: every frame composited by the engine, resampled, and encoded by libwebp's
// WebPAnimEncoder; libvips (sharp) reads the source's frames and the result's as the yardstick.
const CORPUS = fileURLToPath(new URL("../../../shared/corpus/", import.meta.url));
const NodeModule = WebAssembly.Module as unknown as new (bytes: Uint8Array) => WebAssembly.Module;
const engineModule = new NodeModule(readFileSync(new URL("../../workers/resize/wasm/engine.wasm", import.meta.url)));

/** PSNR over colour where the reference is opaque, and the largest alpha difference. */
function compare(ours: Buffer, ref: Buffer): { psnr: number; alpha: number } {
  let se = 0, n = 0, alpha = 0;
  for (let i = 0; i < ref.length; i += 4) {
    alpha = Math.max(alpha, Math.abs(ours[i + 3]! - ref[i + 3]!));
    if (ref[i + 3] !== 255) continue;
    for (let c = 0; c < 3; c++) se += (ours[i + c]! - ref[i + c]!) ** 2;
    n += 3;
  }
  return { psnr: se === 0 ? Infinity : 10 * Math.log10((255 * 255 * n) / se), alpha };
}

const sum = (xs: number[] = []) => xs.reduce((a, b) => a + b, 0);

describe.skipIf(!existsSync(CORPUS))("animated WebP variants", () => {
  it.each([
    ["animated/moon_impact.gif", "gif", 58, 50],
    ["animated/random_lossy.webp", "webp", 99, 87],
    ["animated/anim-gr.gif", "gif", 100, 50],
  ] as const)("%s: every frame, timed and looped as the source", async (file, format, width, height) => {
    const source = readFileSync(CORPUS + file);
    const meta = await sharp(source, { animated: true }).metadata();
    const pages = meta.pages!;
    const src = { format, width: meta.width!, height: meta.pageHeight!, frames: pages };
    const size = { w: width, h: height, width, height };
    const { bytes, frames } = encodeAnimatedWebp(instantiateEngine(engineModule), source, src, size, 1, 80);
    expect(frames).toBe(pages);

    const out = await sharp(bytes, { animated: true }).metadata();
    expect([out.format, out.width, out.pageHeight]).toEqual(["webp", width, height]);
    expect(out.loop).toBe(meta.loop);
    // Browsers show GIF delays of 0 or 1 centisecond as 100 ms; so do we.
    const shown = (meta.delay ?? []).map((d) => (format === "gif" && d <= 10 ? 100 : d));
    // libwebp merges a frame equal to the one before into it (a longer display): same timeline.
    expect(out.pages!).toBeGreaterThan(1);
    expect(out.pages!).toBeLessThanOrEqual(pages);
    expect(sum(out.delay)).toBe(sum(shown));

    // Each frame of ours against the source frame on screen when it starts.
    const starts = shown.map((_, k) => sum(shown.slice(0, k)));
    for (let k = 0, t = 0; k < out.pages!; t += out.delay![k]!, k++) {
      const page = starts.filter((s) => s <= t).length - 1;
      expect(starts[page], `${file}: frame ${k} starts at ${t} ms, not at a source frame's start`).toBe(t);
      const ours = await sharp(bytes, { page: k }).ensureAlpha().raw().toBuffer();
      const ref = await sharp(source, { page }).resize(width, height, { fit: "fill", kernel: "lanczos3" }).ensureAlpha().raw().toBuffer();
      const { psnr, alpha } = compare(ours, ref);
      expect(psnr, `${file} frame ${k}`).toBeGreaterThanOrEqual(28);
      expect(alpha, `${file} frame ${k}`).toBeLessThanOrEqual(64);
    }
  });

  it("shows WebP frames of 10 ms or less for 100 ms, as browsers do", async () => {
    const frames = [0, 1, 2].map((k) => sharp({ create: { width: 8, height: 8, channels: 3, background: ["#f00", "#0f0", "#00f"][k]! } }).png().toBuffer());
    const source = await sharp(await Promise.all(frames), { join: { animated: true } }).webp({ delay: [0, 250, 10], loop: 3 }).toBuffer();
    const { bytes } = encodeAnimatedWebp(instantiateEngine(engineModule), source, { format: "webp", width: 8, height: 8, frames: 3 }, { w: 8, h: 8, width: 8, height: 8 }, 1, 80);
    const out = await sharp(bytes, { animated: true }).metadata();
    expect([out.delay, out.loop]).toEqual([[100, 250, 100], 3]);
  });

  it("turns every frame by the EXIF orientation", async () => {
    const source = readFileSync(CORPUS + "animated/random_lossy.webp");
    const src = { format: "webp", width: 99, height: 87, frames: 4 };
    // Orientation 6 (90° clockwise): stored 99x87 is shown 87x99.
    const { bytes } = encodeAnimatedWebp(instantiateEngine(engineModule), source, src, { w: 99, h: 87, width: 87, height: 99 }, 6, 80);
    const out = await sharp(bytes, { animated: true }).metadata();
    expect([out.width, out.pageHeight, out.pages]).toEqual([87, 99, 4]);
    for (let k = 0; k < 4; k++) {
      const ours = await sharp(bytes, { page: k }).ensureAlpha().raw().toBuffer();
      const ref = await sharp(source, { page: k }).rotate(90).ensureAlpha().raw().toBuffer();
      expect(compare(ours, ref).psnr).toBeGreaterThanOrEqual(28);
    }
  });

  it("fails with a PipelineError on a damaged animation", () => {
    const source = Uint8Array.from(readFileSync(CORPUS + "animated/moon_impact.gif"));
    // Garbage in the middle of the LZW data of a later frame.
    source.fill(0xff, source.length >> 1, (source.length >> 1) + 400);
    const src = { format: "gif", width: 116, height: 100, frames: 14 };
    expect(() => encodeAnimatedWebp(instantiateEngine(engineModule), source, src, { w: 58, h: 50, width: 58, height: 50 }, 1, 80)).toThrow(PipelineError);
    const webp = readFileSync(CORPUS + "animated/random_lossy.webp");
    // A canvas other than the recorded one is the input's fault, not a read outside the canvas.
    expect(() => encodeAnimatedWebp(instantiateEngine(engineModule), webp, { format: "webp", width: 100, height: 87, frames: 4 }, { w: 50, h: 43, width: 50, height: 43 }, 1, 80)).toThrow(/^WebP: the animation's canvas is 99x87, recorded 100x87$/);
    // The encoder's own failures are not the input's fault: a plain Error, which the queue retries.
    const encoderFailure = (() => {
      try {
        encodeAnimatedWebp(instantiateEngine(engineModule), webp, { format: "webp", width: 99, height: 87, frames: 4 }, { w: 50, h: 43, width: 50, height: 43 }, 1, 200);
      } catch (err) {
        return err;
      }
    })();
    expect(encoderFailure).toBeInstanceOf(Error);
    expect(encoderFailure).not.toBeInstanceOf(PipelineError);
    expect(String(encoderFailure)).toMatch(/animated WebP encoder: invalid encoder parameters/);
    const cut = webp.subarray(0, webp.length - 2000);
    expect(() => encodeAnimatedWebp(instantiateEngine(engineModule), cut, { format: "webp", width: 99, height: 87, frames: 4 }, { w: 99, h: 87, width: 99, height: 87 }, 1, 80)).toThrow(PipelineError);
  });
});

// Bypassing upload validation, like resize-fuzz.test.ts: damaged animations are encoded or fail
// with a PipelineError (the image is marked failed), never another error, a trap or a hang.
describe.skipIf(!existsSync(CORPUS))("damaged animations", () => {
  it.each([
    ["animated/moon_impact.gif", "gif", 116, 100, 14],
    ["animated/random_lossy.webp", "webp", 99, 87, 4],
    ["animated/gifplayer-muybridge.gif", "gif", 472, 298, 380],
  ] as const)("%s: animated or a PipelineError", (file, format, width, height, frames) => {
    const original = readFileSync(CORPUS + file);
    const size = { w: width >> 1, h: height >> 1, width: width >> 1, height: height >> 1 };
    const unexpected = unexpectedOutcomes(original, { seed: 0xa11, runs: 24, skip: 32, truncate: true }, (input) => {
      encodeAnimatedWebp(instantiateEngine(engineModule), input, { format, width, height, frames }, size, 1, 80);
    });
    expect(unexpected).toEqual([]);
  });
});

describe("which animations move", () => {
  const size = (w: number, h: number) => ({ w, h, width: w, height: h });
  it("animated GIF, WebP and PNG within the canvas and work bounds; stills otherwise", () => {
    const gif = { format: "gif", width: 1000, height: 1000, frames: 10 };
    expect(animates(gif, [size(1000, 1000), size(800, 800), size(500, 500)], 1000)).toBe(true);
    expect(animates({ ...gif, format: "webp" }, [size(500, 500)], 1000)).toBe(true);
    expect(animates({ ...gif, frames: 1 }, [size(500, 500)], 1000)).toBe(false);
    expect(animates({ ...gif, format: "png" }, [size(500, 500)], 1000)).toBe(true);
    expect(animates({ ...gif, format: "png", frames: 1 }, [size(500, 500)], 1000)).toBe(false);
    expect(animates({ ...gif, format: "avif" }, [size(500, 500)], 1000)).toBe(false);
    const side = Math.floor(Math.sqrt(MAX_ANIMATED_CANVAS_PIXELS));
    expect(animates({ ...gif, width: side, height: side }, [size(500, 500)], 1000)).toBe(true);
    expect(animates({ ...gif, width: side + 1, height: side }, [size(500, 500)], 1000)).toBe(false);
    const frames = Math.floor(MAX_ANIMATED_OUTPUT_PIXELS / (1000 * 1000 + 500 * 500));
    expect(animates({ ...gif, frames }, [size(1000, 1000), size(500, 500)], 1000)).toBe(true);
    expect(animates({ ...gif, frames: frames + 1 }, [size(1000, 1000), size(500, 500)], 1000)).toBe(false);
  });

  it.skipIf(!existsSync(CORPUS))("reads a GIF's frame rectangles at upload as the resize Worker does", () => {
    for (const file of ["animated/moon_impact.gif", "animated/gifplayer-muybridge.gif", "animated/anim-gr.gif"]) {
      const bytes = readFileSync(CORPUS + file);
      const frames = gifFrames(bytes);
      expect(inspectImage(bytes, parseLimits({})).framePixels, file).toBe(frames.reduce((n, f) => n + f.width * f.height, 0));
    }
  });

  it("counts what decoding costs: GIF frames reaching past a small screen, and frames x canvas per width", () => {
    const tiny = { format: "gif", width: 16, height: 16, frames: 1000 };
    expect(animates({ ...tiny, framePixels: 1000 * 256 }, [size(16, 16)], 1000)).toBe(true);
    // 1000 frames of 16384x4577 on a 16x16 screen: each decodes its whole rectangle.
    expect(animates({ ...tiny, framePixels: 1000 * 16384 * 4577 }, [size(16, 16)], 1000)).toBe(false);
    const big = { format: "gif", width: 2048, height: 2048, frames: 12 };
    const widths = [size(1024, 1024), size(800, 800), size(500, 500)];
    expect(MAX_ANIMATED_DECODE_PIXELS).toBeGreaterThanOrEqual(3 * 2 * 12 * 2048 * 2048);
    expect(animates(big, widths, 30e6)).toBe(true);
    expect(animates({ ...big, frames: 13 }, widths, 30e6)).toBe(false);
  });

  it("counts an animated WebP's file, held twice beside two canvases", () => {
    const webp = { format: "webp", width: 2048, height: 2048, frames: 12 };
    const widths = [size(1024, 1024), size(800, 800), size(500, 500)];
    const room = (MAX_ANIMATED_WEBP_HELD_BYTES - 2048 * 2048 * 8) / 2;
    expect(animates(webp, widths, Math.floor(room))).toBe(true);
    expect(animates(webp, widths, Math.floor(room) + 1)).toBe(false);
    // A GIF is streamed into the engine: its file size does not count.
    expect(animates({ ...webp, format: "gif" }, widths, 30e6)).toBe(true);
  });
});
