import { PipelineError } from "./errors";

/** What the PNG decoder needs from the chunks (the upload Worker has validated their structure). */
export interface PngHeader {
  width: number;
  height: number;
  depth: number;
  colour: number;
  interlaced: boolean;
  /** RGB triples (colour type 3). */
  palette: Uint8Array;
  /** tRNS: alpha per palette index (type 3) or the transparent grey/RGB sample (types 0, 2). */
  trns: Uint8Array | null;
  /** The IDAT payloads in order (views into the file). */
  idat: Uint8Array[];
}

const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

export function readPngHeader(bytes: Uint8Array): PngHeader {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const head: Partial<PngHeader> = { palette: new Uint8Array(0), trns: null, idat: [] };
  let pos = 8;
  while (pos + 12 <= bytes.length) {
    const len = dv.getUint32(pos);
    const type = String.fromCharCode(...bytes.subarray(pos + 4, pos + 8));
    const data = bytes.subarray(pos + 8, pos + 8 + len);
    if (data.length !== len) throw new PipelineError("PNG: a chunk runs past the end of the file");
    if (type === "IHDR") {
      head.width = dv.getUint32(pos + 8);
      head.height = dv.getUint32(pos + 12);
      head.depth = data[8];
      head.colour = data[9];
      head.interlaced = data[12] === 1;
    } else if (type === "PLTE") head.palette = data;
    else if (type === "tRNS") head.trns = data;
    else if (type === "IDAT") head.idat!.push(data);
    else if (type === "IEND") break;
    pos += 12 + len;
  }
  if (!head.width || head.idat!.length === 0 || CHANNELS[head.colour!] === undefined) throw new PipelineError("PNG: no image data");
  return head as PngHeader;
}

/** Bits per pixel of a PNG's samples. */
export function bitsPerPixel(h: PngHeader): number {
  return CHANNELS[h.colour]! * h.depth;
}

/**
 * Turns unfiltered PNG rows of any colour type and bit depth into RGBA8: 16-bit samples keep their
 * high byte (as libvips does), low-depth grey is scaled to 0..255, palettes and tRNS become alpha.
 */
export function rowConverter(h: PngHeader): (raw: Uint8Array, width: number, out: Uint8Array) => void {
  const { depth, colour, palette, trns } = h;
  const wide = depth === 16;
  const step = wide ? 2 : 1;
  const trnsGrey = trns && colour === 0 ? (wide ? (trns[0]! << 8) | trns[1]! : trns[1]!) : -1;
  const trnsRgb = trns && colour === 2 && trns.length >= 6 ? [0, 2, 4].map((i) => (wide ? (trns[i]! << 8) | trns[i + 1]! : trns[i + 1]!)) : null;
  const sample = (raw: Uint8Array, i: number) => (wide ? (raw[i]! << 8) | raw[i + 1]! : raw[i]!);
  if (colour === 0 || colour === 3) {
    const max = (1 << depth) - 1;
    return (raw, width, out) => {
      for (let x = 0; x < width; x++) {
        let v: number;
        if (depth < 8) {
          const bit = x * depth;
          v = (raw[bit >> 3]! >> (8 - depth - (bit & 7))) & max;
        } else v = sample(raw, x * step);
        const o = x * 4;
        if (colour === 3) {
          out[o] = palette[v * 3] ?? 0;
          out[o + 1] = palette[v * 3 + 1] ?? 0;
          out[o + 2] = palette[v * 3 + 2] ?? 0;
          out[o + 3] = trns && v < trns.length ? trns[v]! : 255;
        } else {
          const g = depth < 8 ? Math.round((v * 255) / max) : wide ? v >> 8 : v;
          out[o] = out[o + 1] = out[o + 2] = g;
          out[o + 3] = v === trnsGrey ? 0 : 255;
        }
      }
    };
  }
  const n = CHANNELS[colour]!;
  return (raw, width, out) => {
    for (let x = 0, i = 0, o = 0; x < width; x++, i += n * step, o += 4) {
      if (colour === 4) {
        out[o] = out[o + 1] = out[o + 2] = raw[i]!;
        out[o + 3] = raw[i + step]!;
        continue;
      }
      out[o] = raw[i]!;
      out[o + 1] = raw[i + step]!;
      out[o + 2] = raw[i + 2 * step]!;
      if (colour === 6) out[o + 3] = raw[i + 3 * step]!;
      else if (trnsRgb) out[o + 3] = sample(raw, i) === trnsRgb[0] && sample(raw, i + step) === trnsRgb[1] && sample(raw, i + 2 * step) === trnsRgb[2] ? 0 : 255;
      else out[o + 3] = 255;
    }
  };
}

/** Undoes one row's PNG filter in place; `prev` is the previous unfiltered row of the pass (or zeros). */
export function unfilter(filter: number, row: Uint8Array, prev: Uint8Array, bpp: number): void {
  const n = row.length;
  switch (filter) {
    case 0:
      return;
    case 1:
      for (let i = bpp; i < n; i++) row[i] = (row[i]! + row[i - bpp]!) & 255;
      return;
    case 2:
      for (let i = 0; i < n; i++) row[i] = (row[i]! + prev[i]!) & 255;
      return;
    case 3:
      for (let i = 0; i < n; i++) row[i] = (row[i]! + (((i >= bpp ? row[i - bpp]! : 0) + prev[i]!) >> 1)) & 255;
      return;
    case 4:
      for (let i = 0; i < n; i++) {
        const a = i >= bpp ? row[i - bpp]! : 0, b = prev[i]!, c = i >= bpp ? prev[i - bpp]! : 0;
        const p = a + b - c, pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c);
        row[i] = (row[i]! + (pa <= pb && pa <= pc ? a : pb <= pc ? b : c)) & 255;
      }
      return;
    default:
      throw new PipelineError(`PNG: unknown row filter ${filter}`);
  }
}
