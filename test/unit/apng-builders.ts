/** Hand-built APNGs and a model of how the APNG specification composites them, for resize-apng.test.ts. */
import { deflateSync } from "node:zlib";
import { cat, u16be, u32be } from "./sniff-helpers";
import { ihdr, PNG_SIG, pngChunk } from "./sniff-builders";

export interface TestFrame {
  w: number;
  h: number;
  x?: number;
  y?: number;
  /** delay_num / delay_den seconds (den 0: 100). */
  num?: number;
  den?: number;
  /** 0 NONE, 1 BACKGROUND, 2 PREVIOUS. */
  dispose?: number;
  /** 0 SOURCE, 1 OVER. */
  blend?: number;
  /** RGBA8, w x h. */
  pixels: Uint8Array;
}

export interface ApngOptions {
  plays?: number;
  /** A default image (canvas-size RGBA) that is NOT part of the animation; else frame 0 is the IDAT. */
  hiddenDefault?: Uint8Array;
  /** Colour type 3 with a tRNS chunk (every colour of every frame in the palette) instead of RGBA. */
  palette?: boolean;
}

/** RGBA8 w x h filled with one colour. */
export function solid(w: number, h: number, rgba: [number, number, number, number]): Uint8Array {
  const out = new Uint8Array(w * h * 4);
  for (let i = 0; i < out.length; i += 4) out.set(rgba, i);
  return out;
}

/** RGBA8 w x h where every pixel differs (colour from x, y and a seed; alpha from `alpha`). */
export function pattern(w: number, h: number, seed: number, alpha: (x: number, y: number) => number = () => 255): Uint8Array {
  const out = new Uint8Array(w * h * 4);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      out.set([(x * 37 + seed * 61) & 255, (y * 53 + seed * 17) & 255, (x * y + seed * 97) & 255, alpha(x, y)], (y * w + x) * 4);
    }
  }
  return out;
}

export function apng(width: number, height: number, frames: TestFrame[], opts: ApngOptions = {}): Uint8Array {
  const colours = new Map<number, number>();
  const key = (p: Uint8Array, i: number) => ((p[i]! << 24) | (p[i + 1]! << 16) | (p[i + 2]! << 8) | p[i + 3]!) >>> 0;
  if (opts.palette) {
    for (const p of [...frames.map((f) => f.pixels), ...(opts.hiddenDefault ? [opts.hiddenDefault] : [])]) {
      for (let i = 0; i < p.length; i += 4) if (!colours.has(key(p, i))) colours.set(key(p, i), colours.size);
    }
    if (colours.size > 256) throw new Error("too many colours for a palette");
  }
  const data = (w: number, h: number, p: Uint8Array): Uint8Array => {
    const bpp = opts.palette ? 1 : 4;
    const raw = new Uint8Array(h * (w * bpp + 1));
    for (let y = 0; y < h; y++) {
      const row = y * (w * bpp + 1) + 1;
      if (opts.palette) for (let x = 0; x < w; x++) raw[row + x] = colours.get(key(p, (y * w + x) * 4))!;
      else raw.set(p.subarray(y * w * 4, (y + 1) * w * 4), row);
    }
    return deflateSync(raw);
  };
  const chunks: Uint8Array[] = [ihdr(width, height, 8, opts.palette ? 3 : 6)];
  if (opts.palette) {
    const entries = [...colours.keys()];
    chunks.push(pngChunk("PLTE", entries.flatMap((c) => [c >>> 24, (c >>> 16) & 255, (c >>> 8) & 255])));
    chunks.push(pngChunk("tRNS", entries.map((c) => c & 255)));
  }
  chunks.push(pngChunk("acTL", [...u32be(frames.length), ...u32be(opts.plays ?? 0)]));
  let seq = 0;
  const fctl = (f: TestFrame) => pngChunk("fcTL", [
    ...u32be(seq++), ...u32be(f.w), ...u32be(f.h), ...u32be(f.x ?? 0), ...u32be(f.y ?? 0),
    ...u16be(f.num ?? 1), ...u16be(f.den ?? 10), f.dispose ?? 0, f.blend ?? 0,
  ]);
  /** Splits zlib data over two chunks, to check they are joined. */
  const halves = (z: Uint8Array) => [z.subarray(0, z.length >> 1), z.subarray(z.length >> 1)];
  if (opts.hiddenDefault) {
    for (const part of halves(data(width, height, opts.hiddenDefault))) chunks.push(pngChunk("IDAT", part));
  }
  frames.forEach((f, i) => {
    chunks.push(fctl(f));
    const z = data(f.w, f.h, f.pixels);
    if (i === 0 && !opts.hiddenDefault) for (const part of halves(z)) chunks.push(pngChunk("IDAT", part));
    else for (const part of halves(z)) chunks.push(pngChunk("fdAT", cat(u32be(seq++), part)));
  });
  return cat(PNG_SIG, ...chunks, pngChunk("IEND"));
}

/**
 * The canvases shown, per the APNG specification: transparent black at first; SOURCE replaces the
 * rectangle, OVER composites with the specification's integer formula (alpha ·255 weights,
 * truncated); dispose after showing (PREVIOUS on the first frame is BACKGROUND).
 */
export function model(width: number, height: number, frames: TestFrame[]): Uint8Array[] {
  const canvas = new Uint8Array(width * height * 4);
  const shown: Uint8Array[] = [];
  frames.forEach((f, index) => {
    const x0 = f.x ?? 0, y0 = f.y ?? 0;
    const before = canvas.slice();
    for (let y = 0; y < f.h; y++) {
      for (let x = 0; x < f.w; x++) {
        const s = (y * f.w + x) * 4, d = ((y0 + y) * width + x0 + x) * 4;
        const a = f.pixels[s + 3]!;
        if ((f.blend ?? 0) === 0 || a === 255) {
          canvas.set(f.pixels.subarray(s, s + 4), d);
        } else if (a !== 0) {
          const u = a * 255, v = (255 - a) * canvas[d + 3]!, al = u + v;
          for (let c = 0; c < 3; c++) canvas[d + c] = Math.floor((f.pixels[s + c]! * u + canvas[d + c]! * v) / al);
          canvas[d + 3] = Math.floor(al / 255);
        }
      }
    }
    shown.push(canvas.slice());
    const dispose = index === 0 && f.dispose === 2 ? 1 : (f.dispose ?? 0);
    for (let y = 0; y < f.h && dispose !== 0; y++) {
      const d = ((y0 + y) * width + x0) * 4;
      if (dispose === 1) canvas.fill(0, d, d + f.w * 4);
      else canvas.set(before.subarray(d, d + f.w * 4), d);
    }
  });
  return shown;
}
