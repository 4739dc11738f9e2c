import { EngineFailure, WEBP_METHOD, type EngineInstance } from "./codecs/engine-core";
import type { Rgba } from "./pixels";
import { openProfile } from "./colour";
import { readPngHeader } from "./png-rows";
import { decodingAs } from "./errors";
import { compositeGifFrames, gifLoopCount } from "./gif";
import { PipelineError } from "./errors";
import { apngFrames, compositeApngFrames } from "./png";
import { applyOrientation } from "./pixels";
import { readWebp } from "./webp-container";

/**
 * Animated variants. Every frame of an animated GIF, WebP or PNG (APNG) is composited on its
 * canvas (in the engine: gif.c, libwebp's WebPAnimDecoder; an APNG's in JS on a canvas in the
 * engine, png.ts), resampled to the variant's size, and added to
 * libwebp's WebPAnimEncoder (lossy, the stills' quality and method; frames that repeat are
 * merged by the encoder). One width at a time: only one encoder and one canvas exist at once.
 * The JPEG/PNG fallbacks stay stills of the first frame: those formats cannot move, and every
 * browser that asks for them takes WebP anyway.
 */

/** Canvas pixels composited at 4 B each (WebPAnimDecoder keeps a second canvas): larger animations get stills. */
export const MAX_ANIMATED_CANVAS_PIXELS = 4 * 2 ** 20;
/**
 * Frames × the pixels of every animated variant: what the encoding costs, nearly linearly
 * (docs/performance.md). Larger animations get stills, so a job stays within seconds.
 */
export const MAX_ANIMATED_OUTPUT_PIXELS = 50_000_000;
/**
 * Widths × the pixels decoded and composited per pass (every frame's rectangle, and the canvas
 * per frame): the decoding side of the job's time, bounded like the encoding. 2048×2048 × 12
 * frames at three widths is 302 M (≈3 s in all, docs/performance.md).
 */
export const MAX_ANIMATED_DECODE_PIXELS = 320_000_000;
/**
 * An animated WebP is copied whole into the engine, beside WebPAnimDecoder's two canvases (8 B
 * per canvas pixel), and the job holds the file too: canvases + twice the file stay under this,
 * leaving the encoder and outputs their measured ≈40 MiB of the 100 MiB budget.
 */
export const MAX_ANIMATED_WEBP_HELD_BYTES = 48 * 2 ** 20;

export interface AnimationSource {
  format: string;
  width: number;
  height: number;
  frames: number;
  /** GIF: every frame rectangle's pixels, summed (core/sniff); absent means frames × canvas. */
  framePixels?: number;
}

/** Stored (w, h) and displayed (width, height) size of one variant. */
export interface VariantSize {
  w: number;
  h: number;
  width: number;
  height: number;
}

const ANIMATED_FORMATS = new Set(["gif", "webp", "png"]);
const FORMAT_NAMES: Record<string, string> = { gif: "GIF", webp: "WebP", png: "PNG" };

/**
 * Whether the variants of `src` (a file of `fileBytes`) at these sizes are animated, else stills
 * of the first frame: within the canvas, encoding, decoding and (WebP) memory bounds above.
 */
export function animates(src: AnimationSource, sizes: VariantSize[], fileBytes: number): boolean {
  if (!ANIMATED_FORMATS.has(src.format) || src.frames < 2) return false;
  const canvas = src.width * src.height;
  if (canvas > MAX_ANIMATED_CANVAS_PIXELS) return false;
  if (src.format === "webp" && canvas * 8 + 2 * fileBytes > MAX_ANIMATED_WEBP_HELD_BYTES) return false;
  const decoded = Math.max(src.framePixels ?? 0, src.frames * canvas) + src.frames * canvas;
  if (sizes.length * decoded > MAX_ANIMATED_DECODE_PIXELS) return false;
  return src.frames * sizes.reduce((n, s) => n + s.w * s.h, 0) <= MAX_ANIMATED_OUTPUT_PIXELS;
}

/**
 * The encoder's failures (out of memory, mostly) are not the input's: a plain Error, which
 * `decodingAs` passes through and the queue retries, where a reading failure is permanent.
 */
function encoding<T>(call: () => T): T {
  try {
    return call();
  } catch (err) {
    if (err instanceof EngineFailure) throw new Error(`animated WebP encoder: ${err.message}`, { cause: err });
    throw err;
  }
}

interface FrameVisitor {
  /** Before the first frame: how many times the animation plays (0: forever). */
  start(loopCount: number): void;
  /** One composited canvas (RGBA8 in the engine at `canvas`), shown from startMs to endMs. */
  frame(canvas: number, startMs: number, endMs: number): void;
}

function eachGifFrame(inst: EngineInstance, bytes: Uint8Array, src: AnimationSource, visit: FrameVisitor): void {
  visit.start(gifLoopCount(bytes));
  let t = 0;
  compositeGifFrames(inst, bytes, src.width, src.height, (canvas, _index, delayMs) => {
    visit.frame(canvas, t, t + delayMs);
    t += delayMs;
  });
}

function eachWebpFrame(inst: EngineInstance, bytes: Uint8Array, { width, height }: AnimationSource, visit: FrameVisitor): void {
  const ex = inst.exports;
  const data = ex.eng_malloc(bytes.length);
  try {
    new Uint8Array(inst.memory.buffer, data, bytes.length).set(bytes);
    const frames = ex.wa_open(data, bytes.length);
    if (ex.wa_info(0) !== width || ex.wa_info(1) !== height) {
      throw new PipelineError(`WebP: the animation's canvas is ${ex.wa_info(0)}x${ex.wa_info(1)}, recorded ${width}x${height}`);
    }
    visit.start(ex.wa_info(2));
    // WebPAnimDecoder gives each frame the time its display ENDS. Browsers show a frame of at most
    // 10 ms for 100 ms, in WebP as in GIF (gifDelayMs); the timeline is rebuilt with that rule.
    let t = 0, previousEnd = 0;
    for (let i = 0; i < frames; i++) {
      const canvas = ex.wa_next();
      const end = ex.wa_timestamp();
      // libwebp's timestamps are C ints: the difference is taken as one too, across a wrap.
      const duration = (end - previousEnd) | 0;
      const shown = duration <= 10 ? 100 : duration;
      visit.frame(canvas, t, t + shown);
      t += shown;
      previousEnd = end;
    }
  } finally {
    ex.wa_close();
    ex.eng_free(data);
  }
}

/**
 * An APNG's frames (png.ts). Its play count is already WebP's loop count (0: forever; the ANIM
 * chunk holds 16 bits). Browsers show a frame of at most 10 ms for 100 ms, as in GIF and WebP.
 */
function eachPngFrame(inst: EngineInstance, bytes: Uint8Array, src: AnimationSource, visit: FrameVisitor): void {
  const apng = apngFrames(bytes);
  if (apng.head.width !== src.width || apng.head.height !== src.height || apng.frames.length !== src.frames) {
    throw new PipelineError(`PNG: ${apng.head.width}x${apng.head.height} with ${apng.frames.length} frames, recorded ${src.width}x${src.height} with ${src.frames}`);
  }
  visit.start(Math.min(apng.plays, 0xffff));
  let t = 0;
  compositeApngFrames(inst, apng, (canvas, _index, delayMs) => {
    const shown = delayMs <= 10 ? 100 : delayMs;
    visit.frame(canvas, t, t + shown);
    t += shown;
  });
}

/**
 * The animated WebP of one variant, and its first frame as shown (for the still fallback).
 * `orientation` (EXIF: WebP, PNG) is applied to every frame; a WebP's or PNG's ICC profile
 * converts every frame to sRGB, as the stills are.
 */
export function encodeAnimatedWebp(
  inst: EngineInstance,
  bytes: Uint8Array,
  src: AnimationSource,
  size: VariantSize,
  orientation: number,
  quality: number,
): { bytes: Uint8Array; frames: number; first: Rgba } {
  const ex = inst.exports;
  return decodingAs(FORMAT_NAMES[src.format] ?? src.format, () => {
    let managed = false;
    if (src.format === "webp") {
      const icc = readWebp(bytes).icc;
      managed = icc !== null && openProfile(inst, icc, "rgb") === "active";
    } else if (src.format === "png") {
      const head = readPngHeader(bytes);
      const grey = head.colour === 0 || head.colour === 4;
      managed = head.iccp !== null && openProfile(inst, head.iccp, grey ? "grey" : "rgb", true) === "active";
    }
    let frames = 0, end = 0, turned = 0;
    let first: Rgba | undefined;
    const visit: FrameVisitor = {
      start: (loopCount) => void encoding(() => ex.ae_new(size.width, size.height, quality, WEBP_METHOD, loopCount)),
      frame: (canvas, startMs, endMs) => {
        const rs = ex.rs_resize(canvas, src.width, src.height, size.w, size.h, 1);
        try {
          let pixels = ex.rs_output(rs);
          if (managed) ex.cc_apply(pixels, size.w * size.h);
          if (orientation !== 1) {
            const stored = new Uint8Array(inst.memory.buffer, pixels, size.w * size.h * 4);
            const shown = applyOrientation({ data: stored.slice(), width: size.w, height: size.h }, orientation);
            turned ||= ex.eng_malloc(shown.data.length);
            new Uint8Array(inst.memory.buffer, turned, shown.data.length).set(shown.data);
            pixels = turned;
          }
          first ??= { data: new Uint8Array(inst.memory.buffer, pixels, size.width * size.height * 4).slice(), width: size.width, height: size.height };
          encoding(() => ex.ae_add(pixels, startMs));
        } finally {
          ex.rs_free(rs);
        }
        frames++;
        end = endMs;
      },
    };
    try {
      if (src.format === "gif") eachGifFrame(inst, bytes, src, visit);
      else if (src.format === "png") eachPngFrame(inst, bytes, src, visit);
      else eachWebpFrame(inst, bytes, src, visit);
      // The frame readers fail on an animation without frames; none here would be our bug.
      if (!first) throw new Error("the animation was read without any frame");
      const out = encoding(() => ex.ae_finish(end));
      return { bytes: new Uint8Array(inst.memory.buffer, out, ex.ae_size()).slice(), frames, first };
    } finally {
      ex.ae_free();
      if (turned) ex.eng_free(turned);
      if (managed) ex.cc_close();
    }
  });
}
