/** Hand-built animated GIFs and a model of how browsers show them, for resize-gif-anim.test.ts. */
import { cat, enc, u16le } from "./sniff-helpers";

/** GIF LZW (variable code size, no early change), whole codes into 255-byte sub-blocks. */
export function lzwEncode(indices: number[], minCode: number, end = true): number[] {
  const clear = 1 << minCode;
  const bytes: number[] = [];
  let acc = 0, nbits = 0, size = minCode + 1, next = clear + 2;
  const emit = (code: number) => {
    acc |= code << nbits;
    nbits += size;
    while (nbits >= 8) { bytes.push(acc & 255); acc >>>= 8; nbits -= 8; }
  };
  const dict = new Map<number, number>();
  emit(clear);
  let prefix = indices[0]!;
  for (let i = 1; i < indices.length; i++) {
    const k = indices[i]!, key = prefix * 256 + k;
    const hit = dict.get(key);
    if (hit !== undefined) { prefix = hit; continue; }
    emit(prefix);
    if (next < 4096) {
      dict.set(key, next++);
      if (next - 1 === 1 << size && size < 12) size++;
    } else {
      emit(clear);
      dict.clear();
      next = clear + 2;
      size = minCode + 1;
    }
    prefix = k;
  }
  if (indices.length) emit(prefix);
  if (end) emit(clear + 1);
  if (nbits > 0) bytes.push(acc & 255);
  const out: number[] = [];
  for (let i = 0; i < bytes.length; i += 255) {
    const part = bytes.slice(i, i + 255);
    out.push(part.length, ...part);
  }
  out.push(0);
  return out;
}

export const PALETTE = [[0, 0, 0], [255, 255, 255], [255, 0, 0], [0, 255, 0], [0, 0, 255], [255, 255, 0], [0, 255, 255], [255, 0, 255]];

export interface Spec {
  left: number; top: number; w: number; h: number;
  /** Palette indices in display order (row by row), w*h unless the stream is cut short. */
  indices: number[];
  interlaced?: boolean;
  local?: number[][]; // a local colour table (8 entries)
  transparent?: number;
  disposal?: number;
  delayCs?: number;
  /** LZW data sub-blocks to use instead of encoding `indices`. */
  data?: number[];
  /** Encode only the first n pixels, without END (a truncated stream). */
  cut?: number;
}

/** Stored order of an interlaced frame's rows: 0, 8, 16...; 4, 12...; 2, 6...; 1, 3... */
export function interlaceOrder(h: number): number[] {
  const rows: number[] = [];
  for (const [start, step] of [[0, 8], [4, 8], [2, 4], [1, 2]] as const) for (let y = start; y < h; y += step) rows.push(y);
  return rows;
}

export function buildGif(sw: number, sh: number, frames: Spec[], loop?: number): Uint8Array {
  const parts: ArrayLike<number>[] = [enc("GIF89a"), u16le(sw), u16le(sh), [0x82, 0, 0], PALETTE.flat()];
  if (loop !== undefined) parts.push([0x21, 0xff, 11], enc("NETSCAPE2.0"), [3, 1, ...u16le(loop), 0]);
  for (const f of frames) {
    if (f.transparent !== undefined || f.disposal !== undefined || f.delayCs !== undefined) {
      parts.push([0x21, 0xf9, 4, ((f.disposal ?? 0) << 2) | (f.transparent !== undefined ? 1 : 0), ...u16le(f.delayCs ?? 0), f.transparent ?? 0, 0]);
    }
    parts.push([0x2c, ...u16le(f.left), ...u16le(f.top), ...u16le(f.w), ...u16le(f.h), (f.local ? 0x82 : 0) | (f.interlaced ? 0x40 : 0)]);
    if (f.local) parts.push(f.local.flat());
    let stored = f.indices;
    if (f.interlaced) stored = interlaceOrder(f.h).flatMap((y) => f.indices.slice(y * f.w, y * f.w + f.w));
    if (f.cut !== undefined) stored = stored.slice(0, f.cut);
    parts.push([3], f.data ?? lzwEncode(stored, 3, f.cut === undefined));
  }
  parts.push([0x3b]);
  return cat(...parts);
}

/** What browsers show after each frame (transparent start, clipping, transparency, disposal 2 and 3). */
export function model(sw: number, sh: number, frames: Spec[]): Uint8Array[] {
  const canvas = new Uint8Array(sw * sh * 4);
  const out: Uint8Array[] = [];
  let prev: Spec | null = null, saved: Uint8Array | null = null;
  const inRect = (f: Spec, fn: (i: number) => void) => {
    for (let y = f.top; y < Math.min(f.top + f.h, sh); y++) for (let x = f.left; x < Math.min(f.left + f.w, sw); x++) fn((y * sw + x) * 4);
  };
  for (const f of frames) {
    if (prev?.disposal === 2) inRect(prev, (i) => canvas.fill(0, i, i + 4));
    if (prev?.disposal === 3) inRect(prev, (i) => canvas.set(saved!.subarray(i, i + 4), i));
    if (f.disposal === 3) saved = canvas.slice();
    const palette = f.local ?? PALETTE;
    const order = f.interlaced ? interlaceOrder(f.h) : Array.from({ length: f.h }, (_, y) => y);
    const n = f.cut ?? f.w * f.h;
    for (let p = 0; p < n; p++) {
      const y = f.top + order[Math.floor(p / f.w)]!, x = f.left + (p % f.w);
      const index = f.indices[(y - f.top) * f.w + (x - f.left)]!;
      if (index === f.transparent || x >= sw || y >= sh) continue;
      canvas.set([...palette[index]!, 255], (y * sw + x) * 4);
    }
    out.push(canvas.slice());
    prev = f;
  }
  return out;
}
