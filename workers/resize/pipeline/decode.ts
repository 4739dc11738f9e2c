import { CodecFailure, decodeAvif } from "./codecs/jsquash";
import { InstantiationError } from "./codecs/slot";
import { PipelineError } from "./errors";
import type { Rgba } from "./pixels";

/**
 * Decodes an AVIF (its primary image) to RGBA8 as stored, whole: libavif + dav1d have no scaled or
 * row-wise output. JPEG, PNG, GIF and WebP have streaming paths in the engine (jpeg.ts, png.ts,
 * gif.ts, webp.ts).
 */
export async function decodeAvifSource(bytes: Uint8Array, width: number, height: number): Promise<Rgba> {
  let img: Rgba;
  try {
    img = await decodeAvif(bytes);
  } catch (err) {
    // An InstantiationError is not the input's fault (retry).
    if (err instanceof PipelineError || err instanceof InstantiationError) throw err;
    const reason = err instanceof CodecFailure ? err.detail : err instanceof WebAssembly.RuntimeError ? "the data could not be decoded (corrupt or unsupported)" : String(err);
    throw new PipelineError(`AVIF: ${reason}`, { cause: err });
  }
  if (img.width !== width || img.height !== height) {
    throw new PipelineError(`AVIF: decoded ${img.width}x${img.height}, recorded ${width}x${height}`);
  }
  if (img.data.length !== width * height * 4) throw new PipelineError("AVIF: decoder returned a short buffer");
  return img;
}
