import { setInput, type EngineImage, type EngineInstance } from "./codecs/engine-core";
import { PipelineError } from "./errors";

/** One frame of a GIF: where it sits on the logical screen, how it is shown, its colours and its LZW data. */
export interface GifFrame {
  left: number; top: number; width: number; height: number;
  interlaced: boolean;
  /** RGB triples: the frame's local colour table, else the global one. */
  palette: Uint8Array;
  /** From the frame's Graphic Control Extension; -1 for none. */
  transparentIndex: number;
  /** The GCE's disposal method (0 when there is no GCE): 2 restore to background, 3 to previous. */
  disposal: number;
  /** The GCE's delay, in centiseconds, as stored (0 when there is no GCE). */
  delayCs: number;
  minCodeSize: number;
  /** The LZW data sub-blocks' payloads (views into the file). */
  data: Uint8Array[];
}

/** What the block walker sees: the frames, and application extensions' identifiers and data. */
type GifBlock = { kind: "frame"; frame: GifFrame } | { kind: "app"; id: string; data: Uint8Array[] };

/**
 * Walks a GIF's blocks in order (the one walker of this file). The upload validator checked the
 * structure, but the bytes come back from R2: anything malformed throws a PipelineError. A file
 * that ends cleanly between blocks without its trailer is read up to there, as browsers do.
 */
function* gifBlocks(bytes: Uint8Array): Generator<GifBlock> {
  const truncated = () => new PipelineError("GIF: the data ends early (truncated)");
  if (bytes.length < 13 || String.fromCharCode(...bytes.subarray(0, 4)) !== "GIF8") throw new PipelineError("GIF: not a GIF file");
  const u16 = (at: number) => bytes[at]! | (bytes[at + 1]! << 8);
  const flags = bytes[10]!;
  let pos = 13;
  const colourTable = (packed: number): Uint8Array => {
    const n = 3 * (2 << (packed & 7));
    if (pos + n > bytes.length) throw truncated();
    pos += n;
    return bytes.subarray(pos - n, pos);
  };
  const globalPalette = flags & 0x80 ? colourTable(flags) : null;
  const subBlocks = (): Uint8Array[] => {
    const parts: Uint8Array[] = [];
    for (;;) {
      const n = bytes[pos++];
      if (n === undefined || pos + n > bytes.length) throw truncated();
      if (n === 0) return parts;
      parts.push(bytes.subarray(pos, pos + n));
      pos += n;
    }
  };
  // A Graphic Control Extension applies to the next image only.
  let gce: { transparentIndex: number; disposal: number; delayCs: number } | null = null;
  while (pos < bytes.length) {
    const block = bytes[pos++]!;
    if (block === 0x3b) return;
    if (block === 0x21) {
      const label = bytes[pos++];
      if (label === undefined) throw truncated();
      const parts = subBlocks();
      if (label === 0xf9) {
        const g = parts[0];
        if (!g || g.length < 4) throw new PipelineError("GIF: invalid graphic control extension");
        gce = { transparentIndex: g[0]! & 1 ? g[3]! : -1, disposal: (g[0]! >> 2) & 7, delayCs: g[1]! | (g[2]! << 8) };
      } else if (label === 0xff && parts.length > 0) {
        yield { kind: "app", id: String.fromCharCode(...parts[0]!), data: parts.slice(1) };
      }
    } else if (block === 0x2c) {
      if (pos + 10 > bytes.length) throw truncated();
      const [left, top, width, height, f] = [u16(pos), u16(pos + 2), u16(pos + 4), u16(pos + 6), bytes[pos + 8]!];
      pos += 9;
      const palette = f & 0x80 ? colourTable(f) : globalPalette;
      if (!palette) throw new PipelineError("GIF: a frame has no colour table");
      const minCodeSize = bytes[pos++];
      if (minCodeSize === undefined) throw truncated();
      if (minCodeSize < 1 || minCodeSize > 11) throw new PipelineError("GIF: invalid LZW code size");
      const data = subBlocks();
      const frame: GifFrame = {
        left, top, width, height, interlaced: (f & 0x40) !== 0, palette,
        transparentIndex: gce?.transparentIndex ?? -1, disposal: gce?.disposal ?? 0, delayCs: gce?.delayCs ?? 0,
        minCodeSize, data,
      };
      gce = null;
      yield { kind: "frame", frame };
    } else {
      throw new PipelineError(`GIF: unexpected block 0x${block.toString(16)}`);
    }
  }
}

/** Every frame of a GIF, in order; throws a PipelineError for a malformed file or one without images. */
export function gifFrames(bytes: Uint8Array): GifFrame[] {
  const frames: GifFrame[] = [];
  for (const b of gifBlocks(bytes)) if (b.kind === "frame") frames.push(b.frame);
  if (frames.length === 0) throw new PipelineError("GIF: no image in the file");
  return frames;
}

/**
 * How many times a GIF's animation plays; 0 = forever (WebP's ANIM loop count has this meaning).
 * The NETSCAPE2.0 (or ANIMEXTS1.0) extension stores the number of REPEATS after the first play,
 * 0 meaning forever: browsers (Chrome, Firefox) play a stored n > 0 n + 1 times, and a GIF without
 * the extension once, and so does libvips (its `loop`). Capped at 65535 (WebP's field is 16 bits).
 */
export function gifLoopCount(bytes: Uint8Array): number {
  for (const b of gifBlocks(bytes)) {
    if (b.kind !== "app" || (b.id !== "NETSCAPE2.0" && b.id !== "ANIMEXTS1.0")) continue;
    const sub = b.data[0];
    if (!sub || sub.length < 3 || sub[0] !== 1) continue;
    const repeats = sub[1]! | (sub[2]! << 8);
    return repeats === 0 ? 0 : Math.min(repeats + 1, 65535);
  }
  return 1;
}

/** The first frame, found without walking the rest of the file. */
function readFirstFrame(bytes: Uint8Array): GifFrame {
  for (const b of gifBlocks(bytes)) if (b.kind === "frame") return b.frame;
  throw new PipelineError("GIF: no image in the file");
}

/**
 * The first frame of a GIF, composited on its logical screen (transparent where it does not
 * cover it, where its transparent index is, and past the end of a truncated stream), decoded by
 * the engine (gif.c) straight into its resampler, the compressed data streamed in. The engine
 * holds the frame's on-screen palette indices (1 byte per pixel, at most the screen: a frame may
 * extend far past it); never a full bitmap.
 */
export function decodeGifResized(inst: EngineInstance, bytes: Uint8Array, width: number, height: number, targetW: number, targetH: number): { image: EngineImage; transparent: boolean } {
  if (bytes.length < 13 || (bytes[6]! | (bytes[7]! << 8)) !== width || (bytes[8]! | (bytes[9]! << 8)) !== height) {
    throw new PipelineError(`GIF: the logical screen is not the recorded ${width}x${height}`);
  }
  const frame = readFirstFrame(bytes);
  const ex = inst.exports;
  const palette = ex.eng_malloc(frame.palette.length + 1);
  try {
    new Uint8Array(inst.memory.buffer, palette, frame.palette.length).set(frame.palette);
    setInput(inst, frame.data);
    const rs = ex.gif_decode(frame.minCodeSize, frame.left, frame.top, frame.width, frame.height, frame.interlaced ? 1 : 0,
      palette, frame.palette.length / 3, frame.transparentIndex, width, height, targetW, targetH);
    if (!rs) throw new PipelineError("GIF: corrupt LZW data");
    return { image: { rs, width: targetW, height: targetH }, transparent: ex.gif_transparent() === 1 };
  } finally {
    setInput(inst, []);
    ex.eng_free(palette);
  }
}

/** Browsers show a frame delay of 0 or 1 centisecond (≤ 10 ms) as 100 ms; so do we. */
export function gifDelayMs(delayCs: number): number {
  return delayCs <= 1 ? 100 : delayCs * 10;
}

/**
 * Composites every frame of a GIF on an RGBA canvas of its logical screen in the engine (gif.c),
 * as browsers show them: transparent to start with, each frame's transparent index leaving the
 * canvas as it is, frames clipped to the screen, disposal methods applied before the next frame
 * (2, restore to background, clears the rectangle to transparent as browsers do; 3 restores what
 * was there before). After each frame, `onFrame` gets the canvas (width x height RGBA8, not
 * premultiplied, in the engine's memory: read it there, it changes with the next frame), the
 * frame's index and its delay in ms. The engine holds the canvas, the rectangle saved for
 * disposal 3 and the LZW decoder's state; never a frame's full bitmap.
 */
export function compositeGifFrames(
  inst: EngineInstance, bytes: Uint8Array, width: number, height: number,
  onFrame: (canvasPtr: number, index: number, delayMs: number) => void,
): void {
  if (bytes.length < 13 || (bytes[6]! | (bytes[7]! << 8)) !== width || (bytes[8]! | (bytes[9]! << 8)) !== height) {
    throw new PipelineError(`GIF: the logical screen is not the recorded ${width}x${height}`);
  }
  const frames = gifFrames(bytes);
  const ex = inst.exports;
  const palette = ex.eng_malloc(3 * 256);
  let canvas = 0;
  try {
    canvas = ex.gif_canvas_open(width, height);
    frames.forEach((frame, index) => {
      new Uint8Array(inst.memory.buffer, palette, frame.palette.length).set(frame.palette);
      setInput(inst, frame.data);
      const ok = ex.gif_canvas_frame(frame.minCodeSize, frame.left, frame.top, frame.width, frame.height, frame.interlaced ? 1 : 0,
        palette, frame.palette.length / 3, frame.transparentIndex, frame.disposal);
      if (!ok) throw new PipelineError(`GIF: corrupt LZW data in frame ${index + 1}`);
      onFrame(canvas, index, gifDelayMs(frame.delayCs));
    });
  } finally {
    setInput(inst, []);
    if (canvas) ex.gif_canvas_close();
    ex.eng_free(palette);
  }
}
