import type { EngineImage, EngineInstance } from "./codecs/engine-core";
import { PipelineError } from "./errors";
import type { Hold } from "./png";

/** The first frame of a GIF: where it sits on the logical screen, its colours and its LZW data. */
interface FirstFrame {
  left: number; top: number; width: number; height: number;
  interlaced: boolean;
  palette: Uint8Array;
  transparentIndex: number;
  minCodeSize: number;
  data: Uint8Array[];
}

function readFirstFrame(bytes: Uint8Array): FirstFrame {
  const u16 = (at: number) => bytes[at]! | (bytes[at + 1]! << 8);
  const flags = bytes[10]!;
  let pos = 13;
  let globalPalette: Uint8Array = new Uint8Array(0);
  if (flags & 0x80) {
    globalPalette = bytes.subarray(pos, pos + 3 * (2 << (flags & 7)));
    pos += globalPalette.length;
  }
  let transparentIndex = -1;
  const subBlocks = (): Uint8Array[] => {
    const parts: Uint8Array[] = [];
    for (let n = bytes[pos++]; n; n = bytes[pos++]) {
      if (n === undefined) throw new PipelineError("GIF: the data ends early (truncated)");
      parts.push(bytes.subarray(pos, pos + n));
      pos += n;
    }
    return parts;
  };
  while (pos < bytes.length) {
    const block = bytes[pos++];
    if (block === 0x21) {
      const label = bytes[pos++];
      const gce = label === 0xf9 ? bytes.subarray(pos + 1, pos + 5) : null;
      subBlocks();
      if (gce && gce.length === 4) transparentIndex = gce[0]! & 1 ? gce[3]! : -1;
    } else if (block === 0x2c) {
      const [left, top, width, height, f] = [u16(pos), u16(pos + 2), u16(pos + 4), u16(pos + 6), bytes[pos + 8]!];
      pos += 9;
      let palette = globalPalette;
      if (f & 0x80) {
        palette = bytes.subarray(pos, pos + 3 * (2 << (f & 7)));
        pos += palette.length;
      }
      const minCodeSize = bytes[pos++]!;
      if (minCodeSize < 1 || minCodeSize > 11) throw new PipelineError("GIF: invalid LZW code size");
      return { left, top, width, height, interlaced: (f & 0x40) !== 0, palette, transparentIndex, minCodeSize, data: subBlocks() };
    } else break;
  }
  throw new PipelineError("GIF: no image in the file");
}

/**
 * LZW-decodes a frame into palette indices, handing over one row at a time in stored order
 * (`row` is reused). A short stream ends with a partial row (`count` < width) and then nothing:
 * the missing pixels are shown transparent.
 */
function lzwRows(frame: FirstFrame, onRow: (row: Uint8Array, count: number) => void): void {
  const row = new Uint8Array(frame.width);
  let rowsLeft = frame.height, written = 0;
  const wanted = () => rowsLeft > 0;
  decodeCodes(
    frame,
    (index) => {
      row[written++] = index;
      if (written === row.length) {
        onRow(row, written);
        rowsLeft--;
        written = 0;
      }
    },
    wanted,
  );
  if (written > 0 && wanted()) onRow(row, written);
}

/** The LZW code stream: each decoded index goes to `emit`, until the data ends or `wanted` fails. */
function decodeCodes(frame: FirstFrame, emit: (index: number) => void, wanted: () => boolean): void {
  const clear = 1 << frame.minCodeSize;
  const prefix = new Uint16Array(4096);
  const suffix = new Uint8Array(4096);
  const stack = new Uint8Array(4097);
  let size = frame.minCodeSize + 1, next = clear + 2, prev = -1, first = 0;
  let bits = 0, acc = 0;
  for (const part of frame.data) {
    for (let i = 0; i < part.length; i++) {
      acc |= part[i]! << bits;
      bits += 8;
      while (bits >= size) {
        const code = acc & ((1 << size) - 1);
        acc >>>= size;
        bits -= size;
        if (code === clear) {
          size = frame.minCodeSize + 1;
          next = clear + 2;
          prev = -1;
          continue;
        }
        if (code === clear + 1) return;
        let sp = 0, c = code;
        if (prev < 0) {
          if (code >= clear) throw new PipelineError("GIF: corrupt LZW data");
          emit((first = code));
          prev = code;
          if (!wanted()) return;
          continue;
        }
        if (c >= next) {
          if (c > next) throw new PipelineError("GIF: corrupt LZW data");
          stack[sp++] = first;
          c = prev;
        }
        while (c >= clear) {
          stack[sp++] = suffix[c]!;
          c = prefix[c]!;
        }
        stack[sp++] = first = c;
        if (next < 4096) {
          prefix[next] = prev;
          suffix[next] = first;
          if (++next === 1 << size && size < 12) size++;
        }
        prev = code;
        while (sp > 0 && wanted()) emit(stack[--sp]!);
        if (!wanted()) return;
      }
    }
  }
}

/** Where the n-th stored row of an interlaced GIF goes: rows 0, 8, 16...; 4, 12...; 2, 6...; odd rows. */
function displayRow(n: number, height: number): number {
  const p1 = Math.ceil(height / 8), p2 = Math.max(0, Math.ceil((height - 4) / 8)), p3 = Math.max(0, Math.ceil((height - 2) / 4));
  if (n < p1) return n * 8;
  if (n < p1 + p2) return 4 + (n - p1) * 8;
  if (n < p1 + p2 + p3) return 2 + (n - p1 - p2) * 4;
  return 1 + (n - p1 - p2 - p3) * 2;
}

/**
 * The first frame of a GIF, composited on its logical screen (transparent where it does not
 * cover it or where its transparent index is), streamed row by row into the engine's resampler.
 * Holds the visible part of the frame's palette indices (1 byte per pixel, at most the screen)
 * and one RGBA row; never a full bitmap.
 */
export function decodeGifResized(
  inst: EngineInstance,
  bytes: Uint8Array,
  width: number,
  height: number,
  targetW: number,
  targetH: number,
  hold: Hold = () => {},
): { image: EngineImage; transparent: boolean } {
  if (bytes.length < 13 || (bytes[6]! | (bytes[7]! << 8)) !== width || (bytes[8]! | (bytes[9]! << 8)) !== height) {
    throw new PipelineError(`GIF: the logical screen is not the recorded ${width}x${height}`);
  }
  const frame = readFirstFrame(bytes);
  // Only the part of the frame on the screen is kept (a frame may extend far past it): its
  // indices, 1 byte per pixel, and how many pixels of each of its rows the data reached.
  const vx0 = Math.max(0, frame.left), vx1 = Math.min(width, frame.left + frame.width);
  const vy0 = Math.max(0, frame.top), vy1 = Math.min(height, frame.top + frame.height);
  const vw = Math.max(0, vx1 - vx0), vh = Math.max(0, vy1 - vy0);
  const indices = new Uint8Array(vw * vh);
  const reached = new Int32Array(vh);
  hold("GIF indices", indices.length);
  let stored = 0;
  lzwRows(frame, (row, count) => {
    const y = frame.top + (frame.interlaced ? displayRow(stored, frame.height) : stored);
    stored++;
    if (y < vy0 || y >= vy1 || vw === 0) return;
    indices.set(row.subarray(vx0 - frame.left, vx1 - frame.left), (y - vy0) * vw);
    reached[y - vy0] = count;
  });
  const ex = inst.exports;
  const rs = ex.rs_new(width, height, targetW, targetH, 1);
  const stage = ex.rs_stage(rs);
  const row = new Uint8Array(width * 4);
  const colours = frame.palette.length / 3;
  let transparent = false;
  for (let y = 0; y < height; y++) {
    row.fill(0);
    if (y >= vy0 && y < vy1) {
      const base = (y - vy0) * vw;
      // Pixels past what the data reached (a truncated stream) stay transparent.
      const end = Math.min(vx1, frame.left + reached[y - vy0]!);
      for (let x = vx0; x < end; x++) {
        const index = indices[base + x - vx0]!;
        if (index === frame.transparentIndex) continue;
        const o = x * 4;
        if (index < colours) {
          row[o] = frame.palette[index * 3]!;
          row[o + 1] = frame.palette[index * 3 + 1]!;
          row[o + 2] = frame.palette[index * 3 + 2]!;
        }
        row[o + 3] = 255;
      }
    }
    if (!transparent) for (let i = 3; i < row.length; i += 4) if (row[i] !== 255) { transparent = true; break; }
    new Uint8Array(inst.memory.buffer, stage, row.length).set(row);
    ex.rs_push(rs, stage);
  }
  hold("GIF indices", 0);
  return { image: { rs, width: targetW, height: targetH }, transparent };
}
