import { CodecFailure, decodeAvif, decodeWebp } from "./codecs/jsquash";
import { photonDecode } from "./codecs/photon";
import { InstantiationError } from "./codecs/slot";
import { PipelineError } from "./errors";
import { placeOnCanvas, type Rgba } from "./pixels";
import type { SourceFormat } from "./index";
import { webpStill } from "./webp-container";

const FORMAT_NAMES: Record<SourceFormat, string> = { jpeg: "JPEG", png: "PNG", gif: "GIF", webp: "WebP", avif: "AVIF" };

function reason(err: unknown): string {
  if (err instanceof CodecFailure) return err.detail;
  // A Rust panic inside photon surfaces as a bare trap ("unreachable"): it has no message.
  if (err instanceof WebAssembly.RuntimeError) return "the data could not be decoded (corrupt or unsupported)";
  return err instanceof Error ? err.message : String(err);
}

function fail(format: SourceFormat, err: unknown): never {
  // A PipelineError is final already; an InstantiationError is not the input's fault (retry).
  if (err instanceof PipelineError || err instanceof InstantiationError) throw err;
  throw new PipelineError(`${FORMAT_NAMES[format]}: ${reason(err)}`, { cause: err });
}

/**
 * The header's own size must be the recorded one before photon allocates a canvas for it (a GIF's
 * logical screen may claim 65535x65535 over a 6x6 frame). PNG: IHDR; GIF: logical screen.
 */
function checkHeaderSize(bytes: Uint8Array, format: "png" | "gif", width: number, height: number): void {
  let w: number, h: number;
  if (format === "png") {
    const sig = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
    if (bytes.length < 24 || sig.some((v, i) => bytes[i] !== v)) throw new PipelineError("PNG: bad signature");
    const dv = new DataView(bytes.buffer, bytes.byteOffset, 24);
    w = dv.getUint32(16);
    h = dv.getUint32(20);
  } else {
    if (bytes.length < 10 || String.fromCharCode(...bytes.subarray(0, 3)) !== "GIF") {
      throw new PipelineError("GIF: bad signature");
    }
    w = bytes[6]! | (bytes[7]! << 8);
    h = bytes[8]! | (bytes[9]! << 8);
  }
  if (w !== width || h !== height) {
    throw new PipelineError(`${FORMAT_NAMES[format]}: header says ${w}x${h}, recorded ${width}x${height}`);
  }
}

async function decodeWebpFirstFrame(bytes: Uint8Array): Promise<Rgba> {
  const still = webpStill(bytes);
  if (!still) return decodeWebp(bytes);
  const frame = await decodeWebp(still.bytes);
  if (frame.width !== still.frameWidth || frame.height !== still.frameHeight) {
    throw new PipelineError("WebP: the first frame's bitstream size differs from its frame header");
  }
  return placeOnCanvas(frame, still.canvasWidth, still.canvasHeight, still.x, still.y);
}

/**
 * Decodes a PNG, GIF, WebP or AVIF still (or first frame) to RGBA8 as stored. JPEG has its own
 * streaming path (jpeg.ts).
 */
export async function decodeSource(bytes: Uint8Array, format: Exclude<SourceFormat, "jpeg">, width: number, height: number): Promise<Rgba> {
  let img: Rgba;
  try {
    switch (format) {
      case "png":
      case "gif":
        checkHeaderSize(bytes, format, width, height);
        img = await photonDecode(bytes);
        break;
      case "webp":
        img = await decodeWebpFirstFrame(bytes);
        break;
      case "avif":
        img = await decodeAvif(bytes);
        break;
      default:
        throw new PipelineError(`unsupported source format ${String(format)}`);
    }
  } catch (err) {
    fail(format, err);
  }
  if (img.width !== width || img.height !== height) {
    throw new PipelineError(`${FORMAT_NAMES[format]}: decoded ${img.width}x${img.height}, recorded ${width}x${height}`);
  }
  if (img.data.length !== width * height * 4) throw new PipelineError(`${FORMAT_NAMES[format]}: decoder returned a short buffer`);
  return img;
}
