import { setInput, type EngineImage, type EngineInstance } from "./codecs/engine-core";
import { decodingAs, PipelineError } from "./errors";
import { bitsPerPixel, readPngHeader, type PngHeader } from "./png-rows";
import { openProfile } from "./colour";

/** Tells the job's memory ledger about a large JS buffer (0 bytes: released). */
export type Hold = (name: string, bytes: number) => void;

/** Adam7 passes: first column, first row, column step, row step. */
const ADAM7 = [
  [0, 0, 8, 8], [4, 0, 8, 8], [0, 4, 4, 8], [2, 0, 4, 4], [0, 2, 2, 4], [1, 0, 2, 2], [0, 1, 1, 2],
] as const;

interface Pass {
  x0: number; y0: number; dx: number; dy: number;
  width: number; height: number;
}

function passesOf(width: number, height: number, interlaced: boolean): Pass[] {
  if (!interlaced) return [{ x0: 0, y0: 0, dx: 1, dy: 1, width, height }];
  return ADAM7.map(([x0, y0, dx, dy]) => ({
    x0, y0, dx, dy,
    width: Math.max(0, Math.ceil((width - x0) / dx)),
    height: Math.max(0, Math.ceil((height - y0) / dy)),
  })).filter((p) => p.width > 0 && p.height > 0);
}

/**
 * Streams a PNG's rows, top to bottom, as RGBA8: the IDAT stream is inflated by the engine's zlib
 * one row at a time, then unfiltered and expanded in the engine (png-rows.c); no full-size
 * bitmap exists. `onRow` gets the row as a view of the engine's memory (valid during the call)
 * and its address there. Interlaced (Adam7) files keep the even rows (passes 1-6, half the
 * image, in JS) until pass 7 delivers the odd rows between them. Returns whether any pixel was
 * not fully opaque.
 */
export function streamPngRows(inst: EngineInstance, head: PngHeader, onRow: (rgba: Uint8Array, ptr: number) => void, hold: Hold = () => {}): boolean {
  const { width, height } = head;
  const ex = inst.exports;
  const bpp = bitsPerPixel(head);
  const passes = passesOf(width, height, head.interlaced);
  const rowBytes = width * 4;
  const maxStride = Math.ceil((width * bpp) / 8) + 1;
  const heap = (ptr: number, length: number) => new Uint8Array(inst.memory.buffer, ptr, length);
  const tables = ex.eng_malloc(head.palette.length + (head.trns?.length ?? 0) + 1);
  heap(tables, head.palette.length).set(head.palette);
  if (head.trns) heap(tables + head.palette.length, head.trns.length).set(head.trns);
  ex.pr_setup(head.colour, head.depth, tables, head.palette.length, tables + head.palette.length, head.trns?.length ?? 0);
  let cur = ex.eng_malloc(maxStride), prev = ex.eng_malloc(maxStride);
  const out = ex.eng_malloc(rowBytes);

  const even = head.interlaced ? new Uint8Array(Math.ceil(height / 2) * rowBytes) : null;
  if (even) hold("PNG even rows", even.length);
  let evenSent = 0;
  const sendEven = () => {
    heap(out, rowBytes).set(even!.subarray(evenSent * rowBytes, ++evenSent * rowBytes));
    onRow(heap(out, rowBytes), out);
  };
  let transparent = false;
  setInput(inst, head.idat);
  ex.zi_begin();
  try {
    decodingAs("PNG", () => {
      for (const pass of passes) {
        const stride = Math.ceil((pass.width * bpp) / 8) + 1;
        heap(prev, stride).fill(0);
        for (let y = 0; y < pass.height; y++) {
          if (ex.zi_read(cur, stride) < stride) throw new PipelineError("PNG: the image data ends early (truncated)");
          const alpha = ex.pr_row(cur, prev, stride, pass.width, out);
          if (alpha < 0) throw new PipelineError(`PNG: unknown row filter ${heap(cur, 1)[0]}`);
          transparent ||= alpha === 1;
          [cur, prev] = [prev, cur];
          if (!even) {
            onRow(heap(out, rowBytes), out);
          } else if (pass.y0 === 1) {
            // Pass 7 is the odd rows at full width: the even row above goes first.
            const odd = heap(out, rowBytes).slice();
            sendEven();
            heap(out, rowBytes).set(odd);
            onRow(heap(out, rowBytes), out);
          } else {
            const row = heap(out, pass.width * 4);
            const base = ((pass.y0 + y * pass.dy) >> 1) * rowBytes;
            for (let k = 0; k < pass.width; k++) even.set(row.subarray(k * 4, k * 4 + 4), base + (pass.x0 + k * pass.dx) * 4);
          }
        }
      }
      while (even && evenSent < Math.ceil(height / 2)) sendEven();
    });
  } finally {
    ex.zi_end();
    for (const ptr of [tables, cur, prev, out]) ex.eng_free(ptr);
    setInput(inst, []);
  }
  hold("PNG even rows", 0);
  return transparent;
}

/**
 * Decodes a PNG straight into the engine's resampler (streamPngRows). Colour is weighted by alpha
 * while resampling whenever the file can carry alpha (RGBA, grey+alpha, tRNS); `transparent` says
 * whether any pixel actually was.
 */
export function decodePngResized(
  inst: EngineInstance,
  bytes: Uint8Array,
  width: number,
  height: number,
  targetW: number,
  targetH: number,
  hold: Hold = () => {},
): { image: EngineImage; transparent: boolean } {
  const head = readPngHeader(bytes);
  if (head.width !== width || head.height !== height) {
    throw new PipelineError(`PNG: header says ${head.width}x${head.height}, recorded ${width}x${height}`);
  }
  if (head.iccp) openProfile(inst, head.iccp, head.colour === 0 || head.colour === 4 ? "grey" : "rgb", true);
  const ex = inst.exports;
  const premultiply = head.colour === 4 || head.colour === 6 || head.trns !== null;
  const rs = ex.rs_new(width, height, targetW, targetH, premultiply ? 1 : 0);
  const transparent = streamPngRows(inst, head, (_row, ptr) => ex.rs_push(rs, ptr), hold);
  return { image: { rs, width: targetW, height: targetH }, transparent };
}

/** One frame of an APNG (its fcTL and its image data). */
export interface ApngFrame {
  width: number;
  height: number;
  x: number;
  y: number;
  /** How long the frame is shown, in ms, before browsers' rule for short delays. */
  delayMs: number;
  /** 0 NONE, 1 BACKGROUND, 2 PREVIOUS. */
  dispose: number;
  /** 0 SOURCE, 1 OVER. */
  blend: number;
  /** The IDAT payloads (the default image as frame 0) or the fdAT payloads without their sequence numbers. */
  data: Uint8Array[];
}

export interface Apng {
  head: PngHeader;
  /** acTL num_plays: how many times the animation plays (0: forever). */
  plays: number;
  frames: ApngFrame[];
}

/**
 * The frames of an APNG: acTL, each fcTL with its data (the IDAT chunks when the fcTL precedes
 * them: the default image is then frame 0; else the fdAT chunks after it). An IDAT without an
 * fcTL before it is not part of the animation. The upload Worker validated the file, but storage
 * is not trusted: any inconsistency is a PipelineError.
 */
export function apngFrames(bytes: Uint8Array): Apng {
  const head = readPngHeader(bytes);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const bad = (why: string): never => {
    throw new PipelineError(`PNG: ${why}`);
  };
  let declared = -1, plays = 0, seq = 0, idatState: "before" | "in" | "after" = "before";
  const frames: (ApngFrame & { fromIdat: boolean })[] = [];
  let current: (ApngFrame & { fromIdat: boolean }) | null = null;
  let pos = 8;
  while (pos + 12 <= bytes.length) {
    const len = dv.getUint32(pos);
    const type = String.fromCharCode(...bytes.subarray(pos + 4, pos + 8));
    const at = pos + 8;
    if (at + len > bytes.length) bad("a chunk runs past the end of the file");
    if (type !== "IDAT" && idatState === "in") idatState = "after";
    if (type === "acTL") {
      if (declared >= 0 || idatState !== "before" || len !== 8) bad("invalid acTL chunk");
      declared = dv.getUint32(at);
      plays = dv.getUint32(at + 4);
      if (declared < 1) bad("APNG with zero frames");
    } else if (type === "fcTL" || type === "fdAT") {
      if (declared < 0) bad(`${type} without acTL`);
      if (len < 4 || dv.getUint32(at) !== seq++) bad("APNG sequence numbers out of order");
      if (type === "fcTL") {
        if (len !== 26) bad("invalid APNG fcTL chunk");
        if (current && current.data.length === 0) bad(`APNG frame ${frames.length - 1} has no image data`);
        const width = dv.getUint32(at + 4), height = dv.getUint32(at + 8), x = dv.getUint32(at + 12), y = dv.getUint32(at + 16);
        const num = dv.getUint16(at + 20), den = dv.getUint16(at + 22) || 100;
        const dispose = bytes[at + 24]!, blend = bytes[at + 25]!;
        if (width === 0 || height === 0 || x + width > head.width || y + height > head.height) bad(`APNG frame ${frames.length} outside the canvas`);
        if (dispose > 2 || blend > 1) bad(`APNG frame ${frames.length} has an unknown dispose or blend operation`);
        if (idatState === "before" && (width !== head.width || height !== head.height || x !== 0 || y !== 0)) bad("APNG default frame size mismatch");
        if (frames.length === declared) bad("APNG has more frames than acTL declares");
        current = { width, height, x, y, delayMs: Math.round((num * 1000) / den), dispose, blend, data: [], fromIdat: idatState === "before" };
        frames.push(current);
      } else {
        if (!current || current.fromIdat) bad("APNG fdAT without its fcTL");
        current!.data.push(bytes.subarray(at + 4, at + len));
      }
    } else if (type === "IDAT") {
      if (idatState === "after") bad("IDAT chunks are not consecutive");
      idatState = "in";
      if (current?.fromIdat) current.data.push(bytes.subarray(at, at + len));
    } else if (type === "IEND") break;
    pos = at + len + 4;
  }
  if (declared < 0) bad("not an APNG (no acTL chunk)");
  if (frames.length !== declared) bad(`APNG has ${frames.length} frames, acTL declares ${declared}`);
  if (frames.at(-1)!.data.length === 0) bad(`APNG frame ${frames.length - 1} has no image data`);
  return { head, plays, frames: frames.map(({ fromIdat: _, ...f }) => f) };
}

/**
 * Composites every frame of an APNG on its canvas (IHDR size, RGBA8 in the engine, starting
 * transparent black), as the APNG specification says: blend SOURCE replaces the frame's
 * rectangle, OVER alpha-composites the frame over it (non-premultiplied, rounded); once shown,
 * dispose NONE leaves the frame, BACKGROUND clears its rectangle, PREVIOUS restores what was
 * there before (BACKGROUND on the first frame). Each frame is decoded by streamPngRows at its own
 * size, one row at a time, straight onto the canvas. `onFrame` gets the canvas's address (valid
 * until it returns; the engine's memory may grow during it).
 */
export function compositeApngFrames(
  inst: EngineInstance,
  apng: Apng,
  onFrame: (canvas: number, index: number, delayMs: number) => void,
  hold: Hold = () => {},
): void {
  const { head, frames } = apng;
  const W = head.width, H = head.height;
  const ex = inst.exports;
  const canvas = ex.eng_malloc(W * H * 4);
  try {
    new Uint8Array(inst.memory.buffer, canvas, W * H * 4).fill(0);
    frames.forEach((f, index) => {
      const dispose = index === 0 && f.dispose === 2 ? 1 : f.dispose;
      const rowBytes = f.width * 4;
      const at = (row: number) => canvas + ((f.y + row) * W + f.x) * 4;
      let saved: Uint8Array | null = null;
      if (dispose === 2) {
        saved = new Uint8Array(rowBytes * f.height);
        hold("APNG saved rectangle", saved.length);
        for (let r = 0; r < f.height; r++) saved.set(new Uint8Array(inst.memory.buffer, at(r), rowBytes), r * rowBytes);
      }
      let row = 0;
      streamPngRows(inst, { ...head, width: f.width, height: f.height, idat: f.data }, (src) => {
        const dst = new Uint8Array(inst.memory.buffer, at(row++), rowBytes);
        if (f.blend === 0) dst.set(src);
        else blendOver(dst, src);
      }, hold);
      onFrame(canvas, index, f.delayMs);
      if (dispose === 1) {
        for (let r = 0; r < f.height; r++) new Uint8Array(inst.memory.buffer, at(r), rowBytes).fill(0);
      } else if (saved) {
        for (let r = 0; r < f.height; r++) new Uint8Array(inst.memory.buffer, at(r), rowBytes).set(saved.subarray(r * rowBytes, (r + 1) * rowBytes));
        hold("APNG saved rectangle", 0);
      }
    });
  } finally {
    ex.eng_free(canvas);
  }
}

/** Non-premultiplied RGBA8 `src` over `dst`, in place, rounded. */
function blendOver(dst: Uint8Array, src: Uint8Array): void {
  for (let i = 0; i < src.length; i += 4) {
    const sa = src[i + 3]!;
    if (sa === 0) continue;
    const da = dst[i + 3]!;
    if (sa === 255 || da === 0) {
      dst[i] = src[i]!; dst[i + 1] = src[i + 1]!; dst[i + 2] = src[i + 2]!; dst[i + 3] = sa;
      continue;
    }
    const dw = (da * (255 - sa)) / 255;
    const a = sa + dw;
    for (let c = 0; c < 3; c++) dst[i + c] = Math.round((src[i + c]! * sa + dst[i + c]! * dw) / a);
    dst[i + 3] = Math.round(a);
  }
}
