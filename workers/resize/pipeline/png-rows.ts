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
  /** iCCP: the zlib-compressed ICC profile (after its name and method byte), if any. */
  iccp: Uint8Array | null;
}

const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

export function readPngHeader(bytes: Uint8Array): PngHeader {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const head: Partial<PngHeader> = { palette: new Uint8Array(0), trns: null, idat: [], iccp: null };
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
    else if (type === "iCCP") head.iccp = data.subarray(data.indexOf(0) + 2);
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
