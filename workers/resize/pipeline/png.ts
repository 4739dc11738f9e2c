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
