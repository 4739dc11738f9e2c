import type { Rgba } from "../pixels";
import type { WasmInstance } from "./slot";

/**
 * The project's own WebAssembly module (wasm/engine, built by scripts/build-wasm/engine.sh):
 * libjpeg-turbo for streaming, DCT-scaled JPEG decoding and baseline JPEG encoding, plus a
 * row-fed separable Lanczos3 resampler, zlib's inflate for PNG data, libwebp (still decoding,
 * animated WebP encoding and decoding) and dav1d (AVIF). One instance per job (a fresh, small
 * linear memory that is dropped with the job); instantiating from the compiled module
 * takes well under a millisecond. This file has no `.wasm` import (engine.ts has), so Node tests
 * can instantiate the module themselves.
 */
interface EngineExports {
  memory: WebAssembly.Memory;
  _initialize(): void;
  eng_malloc(size: number): number;
  eng_free(ptr: number): void;
  jd_begin(): number;
  jd_progressive(): number;
  jd_scaled_size(num: number): number;
  jd_decode(num: number, outW: number, outH: number, coefBudget: number): number;
  jd_coefficient_bytes(): number;
  rs_new(inW: number, inH: number, outW: number, outH: number, premultiply: number): number;
  rs_push(rs: number, row: number): void;
  rs_output(rs: number): number;
  rs_resize(src: number, inW: number, inH: number, outW: number, outH: number, premultiply: number): number;
  rs_free(rs: number): void;
  je_encode(rgba: number, width: number, height: number, quality: number): number;
  je_size(): number;
  /** Lossy still WebP of RGBA8 at a quality and method (webp-encode.c); we_size its length, we_free after. */
  we_encode(rgba: number, width: number, height: number, quality: number, method: number): number;
  we_size(): number;
  we_free(): void;
  zi_begin(): void;
  zi_read(dst: number, n: number): number;
  zi_end(): void;
  pr_setup(colour: number, depth: number, palette: number, paletteLength: number, trns: number, trnsLength: number): void;
  pr_row(cur: number, prev: number, stride: number, width: number, out: number): number;
  gif_decode(
    minCodeSize: number, left: number, top: number, frameW: number, frameH: number, interlaced: number,
    palette: number, colours: number, transparentIndex: number, screenW: number, screenH: number, targetW: number, targetH: number,
  ): number;
  gif_transparent(): number;
  /** Opens the animation canvas (screenW x screenH RGBA8, transparent); returns its pointer. One at a time. */
  gif_canvas_open(screenW: number, screenH: number): number;
  /** Applies the previous frame's disposal, then draws this frame (LZW data from read_input); 0 for corrupt LZW data. */
  gif_canvas_frame(
    minCodeSize: number, left: number, top: number, frameW: number, frameH: number, interlaced: number,
    palette: number, colours: number, transparentIndex: number, disposal: number,
  ): number;
  /** Frees the animation canvas and the rectangle saved for disposal 3. */
  gif_canvas_close(): void;
  wd_size(data: number, size: number): number;
  wd_decode(data: number, size: number, width: number, height: number): number;
  wd_free(): void;
  /** Opens the animated WebP encoder (closing any previous one): lossy at quality/method, loopCount 0 = forever; 1 or throws. */
  ae_new(width: number, height: number, quality: number, method: number, loopCount: number): number;
  /** Adds a width x height RGBA8 (not premultiplied) frame shown from timestampMs; 1 or throws. */
  ae_add(rgba: number, timestampMs: number): number;
  /** Ends the last frame at endTimestampMs and assembles: pointer to the WebP bytes (a still WebP if all frames were equal), kept until ae_free. */
  ae_finish(endTimestampMs: number): number;
  /** Length of the WebP ae_finish assembled. */
  ae_size(): number;
  /** Frees the animation encoder and its output. */
  ae_free(): void;
  /** Opens an animated WebP (kept alive by the caller until wa_close) decoding to RGBA8; its frame count, or throws (also for a still WebP). */
  wa_open(data: number, size: number): number;
  /** 0: canvas width, 1: canvas height, 2: loop count (0 = forever); -1 otherwise. */
  wa_info(what: number): number;
  /** Decodes and composites the next frame: pointer to the canvas RGBA8 (width x height x 4), valid until the next call; throws on a corrupt frame. */
  wa_next(): number;
  /** End (ms, from the start) of the display of the frame wa_next last returned: libwebp's convention, the sum of durations so far. */
  wa_timestamp(): number;
  /** Closes the animated WebP decoder. */
  wa_close(): void;
  cc_open(icc: number, size: number, kind: number): number;
  cc_open_zlib(data: number, size: number, kind: number): number;
  cc_open_cicp(primaries: number, transfer: number): number;
  cc_active(): number;
  cc_apply(pixels: number, n: number): void;
  cc_close(): void;
  ad_open(maxPixels: number, cols: number): void;
  ad_decode(col: number, isAlpha: number, data: number, size: number): void;
  ad_info(col: number, isAlpha: number, what: number): number;
  ad_emit(rs: number, canvasW: number, rows: number, matrix: number, primaries: number, fullRange: number, withAlpha: number): number;
  ad_release(): void;
  ad_close(): void;
}

/** A codec in the engine stopped with an error (corrupt, truncated or unsupported data), with its message. */
export class EngineFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = "EngineFailure";
  }
}

export interface EngineInstance extends WasmInstance {
  readonly exports: EngineExports;
  /** The compressed input `read_input` hands to libjpeg or zlib, chunk by chunk, part after part. */
  input: { parts: Uint8Array[]; index: number; offset: number };
  /** libjpeg's warnings during the current decode (the first few). */
  readonly warnings: string[];
}

function cString(memory: WebAssembly.Memory, ptr: number): string {
  const bytes = new Uint8Array(memory.buffer, ptr);
  const end = bytes.indexOf(0);
  return new TextDecoder().decode(bytes.subarray(0, end < 0 ? 0 : end));
}

export function instantiateEngine(module: WebAssembly.Module): EngineInstance {
  const wasi = () => 0;
  const inst = { input: { parts: [] as Uint8Array[], index: 0, offset: 0 }, warnings: [] as string[] } as {
    -readonly [K in keyof EngineInstance]: EngineInstance[K];
  };
  const instance = new WebAssembly.Instance(module, {
    env: {
      read_input: (ptr: number, max: number) => {
        const input = inst.input;
        while (input.index < input.parts.length && input.offset >= input.parts[input.index]!.length) {
          input.index++;
          input.offset = 0;
        }
        const part = input.parts[input.index];
        if (!part) return 0;
        const n = Math.min(max, part.length - input.offset);
        new Uint8Array(inst.memory.buffer, ptr, n).set(part.subarray(input.offset, input.offset + n));
        input.offset += n;
        return n;
      },
      warning: (ptr: number) => {
        if (inst.warnings.length < 8) inst.warnings.push(cString(inst.memory, ptr));
      },
      fail: (ptr: number) => {
        throw new EngineFailure(cString(inst.memory, ptr));
      },
      emscripten_notify_memory_growth: () => {},
      // Little CMS's file I/O (profiles are only read from memory here).
      __syscall_unlink: () => -1,
      __syscall_rmdir: () => -1,
    },
    // libc's stdio and exit paths are linked but never reached: libjpeg's output goes to the imports.
    wasi_snapshot_preview1: { proc_exit: wasi, environ_sizes_get: wasi, environ_get: wasi, fd_close: wasi, fd_write: wasi, fd_seek: wasi, fd_read: wasi },
  });
  inst.exports = instance.exports as unknown as EngineExports;
  inst.memory = inst.exports.memory;
  inst.exports._initialize();
  return inst;
}

/** Sets what `read_input` hands out next. */
export function setInput(inst: EngineInstance, parts: Uint8Array[]): void {
  inst.input = { parts, index: 0, offset: 0 };
}

/** An RGBA8 image living in the engine's memory (a resampler's output). */
export interface EngineImage {
  rs: number;
  width: number;
  height: number;
}

export function engineRgba(inst: EngineInstance, img: EngineImage): Rgba {
  const ptr = inst.exports.rs_output(img.rs);
  return { data: new Uint8Array(inst.memory.buffer, ptr, img.width * img.height * 4).slice(), width: img.width, height: img.height };
}

/** Reads a JPEG's header from `bytes` (streamed in chunks): its stored size and kind. */
export function jpegBegin(inst: EngineInstance, bytes: Uint8Array): { width: number; height: number; progressive: boolean } {
  setInput(inst, [bytes]);
  inst.warnings.length = 0;
  const packed = inst.exports.jd_begin();
  return { width: Math.floor(packed / 65536), height: packed % 65536, progressive: inst.exports.jd_progressive() === 1 };
}

/** The size libjpeg decodes to at num/8 scale. */
export function jpegScaledSize(inst: EngineInstance, num: number): { width: number; height: number } {
  const packed = inst.exports.jd_scaled_size(num);
  return { width: Math.floor(packed / 65536), height: packed % 65536 };
}

/**
 * Decodes at num/8 (after jpegBegin) straight into a resampler to width x height; a progressive
 * file's DCT coefficients may take at most `coefBudget` bytes of the engine's memory.
 */
export function jpegDecodeTo(inst: EngineInstance, num: number, width: number, height: number, coefBudget: number): EngineImage {
  const rs = inst.exports.jd_decode(num, width, height, coefBudget);
  setInput(inst, []);
  return { rs, width, height };
}

/** Resamples an engine image to a smaller one; the source stays until freed. */
export function resizeInEngine(inst: EngineInstance, img: EngineImage, width: number, height: number, premultiply: boolean): EngineImage {
  const src = inst.exports.rs_output(img.rs);
  const rs = inst.exports.rs_resize(src, img.width, img.height, width, height, premultiply ? 1 : 0);
  return { rs, width, height };
}

export function freeImage(inst: EngineInstance, img: EngineImage): void {
  inst.exports.rs_free(img.rs);
}

/**
 * libwebp's method 2 instead of the default 4: half the encode time (the largest step of a job) for
 * ≈2-8 % more bytes at the same quality and PSNR within 0.3 dB (measured by bench/resize.mjs).
 */
export const WEBP_METHOD = 2;

/** Lossy WebP (libwebp's defaults but quality and method) of an RGBA8 image held in JS. */
export function encodeWebpInEngine(inst: EngineInstance, img: Rgba, quality: number): Uint8Array {
  const ex = inst.exports;
  const ptr = ex.eng_malloc(img.data.length);
  try {
    new Uint8Array(inst.memory.buffer, ptr, img.data.length).set(img.data);
    const out = ex.we_encode(ptr, img.width, img.height, quality, WEBP_METHOD);
    return new Uint8Array(inst.memory.buffer, out, ex.we_size()).slice();
  } finally {
    ex.we_free();
    ex.eng_free(ptr);
  }
}

/** Baseline JPEG (4:2:0, optimised Huffman tables, JFIF only) of an RGBA8 image held in JS. */
export function encodeJpegInEngine(inst: EngineInstance, img: Rgba, quality: number): Uint8Array {
  const ex = inst.exports;
  const ptr = ex.eng_malloc(img.data.length);
  try {
    new Uint8Array(inst.memory.buffer, ptr, img.data.length).set(img.data);
    const out = ex.je_encode(ptr, img.width, img.height, quality);
    const bytes = new Uint8Array(inst.memory.buffer, out, ex.je_size()).slice();
    ex.eng_free(out);
    return bytes;
  } finally {
    ex.eng_free(ptr);
  }
}
