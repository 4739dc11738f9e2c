import { EngineFailure, setInput, type EngineImage, type EngineInstance } from "./codecs/engine-core";
import { PipelineError } from "./errors";
import { bitsPerPixel, readPngHeader, rowConverter, unfilter, type PngHeader } from "./png-rows";

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
 * Streams a PNG's rows, top to bottom, as RGBA8 (each `onRow` argument is reused after the call):
 * the IDAT stream is inflated by the engine's zlib one row at a time, each row unfiltered and
 * converted in JS; no full-size bitmap exists. Interlaced (Adam7) files keep the even rows
 * (passes 1-6, half the image) until pass 7 delivers the odd rows between them.
 */
export function streamPngRows(inst: EngineInstance, head: PngHeader, onRow: (rgba: Uint8Array) => void, hold: Hold = () => {}): void {
  const { width, height } = head;
  const ex = inst.exports;
  const convert = rowConverter(head);
  const bpp = bitsPerPixel(head);
  const filterStep = Math.max(1, bpp >> 3);
  const passes = passesOf(width, height, head.interlaced);
  const rowBytes = width * 4;
  const even = head.interlaced ? new Uint8Array(Math.ceil(height / 2) * rowBytes) : null;
  if (even) hold("PNG even rows", even.length);
  const rgba = new Uint8Array(rowBytes);
  let evenSent = 0;
  const sendEven = () => onRow(even!.subarray(evenSent * rowBytes, ++evenSent * rowBytes));
  const emit = (pass: Pass, y: number, row: Uint8Array) => {
    if (!even) return onRow(row);
    if (pass.y0 === 1) {
      sendEven();
      return onRow(row);
    }
    const base = ((pass.y0 + y * pass.dy) >> 1) * rowBytes;
    for (let k = 0; k < pass.width; k++) even.set(row.subarray(k * 4, k * 4 + 4), base + (pass.x0 + k * pass.dx) * 4);
  };

  const scratch = ex.eng_malloc(Math.ceil((width * bpp) / 8) + 1);
  setInput(inst, head.idat);
  ex.zi_begin();
  try {
    for (const pass of passes) {
      const stride = Math.ceil((pass.width * bpp) / 8) + 1;
      let cur = new Uint8Array(stride);
      let prev = new Uint8Array(stride);
      for (let y = 0; y < pass.height; y++) {
        if (ex.zi_read(scratch, stride) < stride) throw new PipelineError("PNG: the image data ends early (truncated)");
        cur.set(new Uint8Array(inst.memory.buffer, scratch, stride));
        const data = cur.subarray(1);
        unfilter(cur[0]!, data, prev.subarray(1), filterStep);
        convert(data, pass.width, rgba);
        emit(pass, y, rgba.subarray(0, pass.width * 4));
        [cur, prev] = [prev, cur];
      }
    }
  } catch (err) {
    if (err instanceof EngineFailure) throw new PipelineError(`PNG: the image data could not be inflated (${err.message})`, { cause: err });
    throw err;
  } finally {
    ex.zi_end();
    ex.eng_free(scratch);
    setInput(inst, []);
  }
  while (even && evenSent < Math.ceil(height / 2)) sendEven();
  hold("PNG even rows", 0);
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
  const ex = inst.exports;
  const premultiply = head.colour === 4 || head.colour === 6 || head.trns !== null;
  const rs = ex.rs_new(width, height, targetW, targetH, premultiply ? 1 : 0);
  const stage = ex.rs_stage(rs);
  let transparent = false;
  streamPngRows(inst, head, (rgba) => {
    if (premultiply && !transparent) {
      for (let i = 3; i < rgba.length; i += 4) {
        if (rgba[i] !== 255) {
          transparent = true;
          break;
        }
      }
    }
    // The view is made per row: the engine's memory may have grown (and moved) since the last one.
    new Uint8Array(inst.memory.buffer, stage, rgba.length).set(rgba);
    ex.rs_push(rs, stage);
  }, hold);
  return { image: { rs, width: targetW, height: targetH }, transparent };
}
