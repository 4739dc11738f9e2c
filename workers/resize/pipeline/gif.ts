import { setInput, type EngineImage, type EngineInstance } from "./codecs/engine-core";
import { PipelineError } from "./errors";

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
