import { PipelineError } from "./errors";

/**
 * What the engine's libwebp (its still-image decoder) should decode, and where the result goes.
 * Still images pass through unchanged. That decoder refuses an animation, so the first frame's
 * bitstream (its ALPH + VP8, or VP8L, chunks from the first ANMF) is rewrapped as a still WebP, to
 * be decoded and placed at the frame's offset on a transparent canvas of the animation's size: the
 * first frame as WebPAnimDecoder shows it (blending with, or disposing to, an empty canvas is a
 * no-op for the first frame).
 */
export interface WebpStill {
  bytes: Uint8Array;
  canvasWidth: number;
  canvasHeight: number;
  x: number;
  y: number;
  frameWidth: number;
  frameHeight: number;
}

interface Chunk {
  id: string;
  payload: Uint8Array;
}

const u24 = (b: Uint8Array, o: number) => b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16);

function fourcc(b: Uint8Array, o: number): string {
  return String.fromCharCode(b[o]!, b[o + 1]!, b[o + 2]!, b[o + 3]!);
}

function chunks(b: Uint8Array, start: number, end: number): Chunk[] {
  const out: Chunk[] = [];
  let o = start;
  while (o + 8 <= end) {
    const size = new DataView(b.buffer, b.byteOffset + o + 4, 4).getUint32(0, true);
    if (o + 8 + size > end) throw new PipelineError(`WebP: chunk ${fourcc(b, o)} runs past the end of the file`);
    out.push({ id: fourcc(b, o), payload: b.subarray(o + 8, o + 8 + size) });
    o += 8 + size + (size & 1);
  }
  return out;
}

function riff(parts: Chunk[]): Uint8Array {
  let size = 4;
  for (const c of parts) size += 8 + c.payload.length + (c.payload.length & 1);
  const out = new Uint8Array(8 + size);
  const dv = new DataView(out.buffer);
  out.set([0x52, 0x49, 0x46, 0x46], 0); // RIFF
  dv.setUint32(4, size, true);
  out.set([0x57, 0x45, 0x42, 0x50], 8); // WEBP
  let o = 12;
  for (const c of parts) {
    for (let i = 0; i < 4; i++) out[o + i] = c.id.charCodeAt(i);
    dv.setUint32(o + 4, c.payload.length, true);
    out.set(c.payload, o + 8);
    o += 8 + c.payload.length + (c.payload.length & 1);
  }
  return out;
}

/**
 * A WebP's top-level chunks read once: the first frame of an animation rewrapped as a still (null
 * for a still image, decoded as it is), and the ICC profile of an extended file (ICCP), if any.
 */
export function readWebp(bytes: Uint8Array): { animationFrame: WebpStill | null; icc: Uint8Array | null } {
  if (bytes.length < 12 || fourcc(bytes, 0) !== "RIFF" || fourcc(bytes, 8) !== "WEBP") {
    throw new PipelineError("WebP: not a RIFF/WEBP file");
  }
  const riffEnd = 8 + new DataView(bytes.buffer, bytes.byteOffset + 4, 4).getUint32(0, true);
  if (riffEnd > bytes.length) throw new PipelineError("WebP: the file is truncated");
  const top = chunks(bytes, 12, riffEnd);
  const vp8x = top[0]?.id === "VP8X" ? top[0].payload : undefined;
  const icc = (vp8x && top.find((c) => c.id === "ICCP")?.payload) ?? null;
  const animated = vp8x !== undefined && vp8x.length >= 10 && (vp8x[0]! & 0x02) !== 0;
  return { animationFrame: animated ? firstFrame(vp8x, top) : null, icc };
}

function firstFrame(vp8x: Uint8Array, top: Chunk[]): WebpStill {
  const canvasWidth = 1 + u24(vp8x, 4);
  const canvasHeight = 1 + u24(vp8x, 7);
  const anmf = top.find((c) => c.id === "ANMF");
  if (!anmf || anmf.payload.length < 16) throw new PipelineError("WebP: animation without frames");
  const p = anmf.payload;
  const x = 2 * u24(p, 0);
  const y = 2 * u24(p, 3);
  const frameWidth = 1 + u24(p, 6);
  const frameHeight = 1 + u24(p, 9);
  if (x + frameWidth > canvasWidth || y + frameHeight > canvasHeight) {
    throw new PipelineError("WebP: the first frame lies outside the canvas");
  }
  const sub = chunks(p, 16, p.length);
  const alph = sub.find((c) => c.id === "ALPH");
  const vp8 = sub.find((c) => c.id === "VP8 ");
  const vp8l = sub.find((c) => c.id === "VP8L");
  let still: Uint8Array;
  if (vp8l) {
    still = riff([vp8l]);
  } else if (vp8 && alph) {
    const header = new Uint8Array(10);
    header[0] = 0x10; // alpha
    header.set([(frameWidth - 1) & 0xff, ((frameWidth - 1) >> 8) & 0xff, (frameWidth - 1) >> 16], 4);
    header.set([(frameHeight - 1) & 0xff, ((frameHeight - 1) >> 8) & 0xff, (frameHeight - 1) >> 16], 7);
    still = riff([{ id: "VP8X", payload: header }, alph, vp8]);
  } else if (vp8) {
    still = riff([vp8]);
  } else {
    throw new PipelineError("WebP: the first frame has no image data");
  }
  return { bytes: still, canvasWidth, canvasHeight, x, y, frameWidth, frameHeight };
}
