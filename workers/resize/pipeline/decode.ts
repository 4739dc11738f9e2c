import { CodecFailure, decodeAvif, decodeWebp } from "./codecs/jsquash";
import { InstantiationError } from "./codecs/slot";
import { PipelineError } from "./errors";
import { placeOnCanvas, type Rgba } from "./pixels";
import type { SourceFormat } from "./index";
import { webpStill } from "./webp-container";

const FORMAT_NAMES: Record<SourceFormat, string> = { jpeg: "JPEG", png: "PNG", gif: "GIF", webp: "WebP", avif: "AVIF" };

function reason(err: unknown): string {
  if (err instanceof CodecFailure) return err.detail;
  // A trap inside a codec has no message of its own.
  if (err instanceof WebAssembly.RuntimeError) return "the data could not be decoded (corrupt or unsupported)";
  return err instanceof Error ? err.message : String(err);
}

function fail(format: SourceFormat, err: unknown): never {
  // A PipelineError is final already; an InstantiationError is not the input's fault (retry).
  if (err instanceof PipelineError || err instanceof InstantiationError) throw err;
  throw new PipelineError(`${FORMAT_NAMES[format]}: ${reason(err)}`, { cause: err });
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
 * Decodes a WebP or AVIF still (or first frame) to RGBA8 as stored. JPEG, PNG and GIF have
 * their own streaming paths (jpeg.ts, png.ts, gif.ts).
 */
export async function decodeSource(bytes: Uint8Array, format: "webp" | "avif", width: number, height: number): Promise<Rgba> {
  let img: Rgba;
  try {
    switch (format) {
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
