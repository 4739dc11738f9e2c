/**
 * The image pipeline of the resize Worker: decode once, apply EXIF orientation, resize to each
 * target width, encode lossy WebP plus a JPEG (opaque) or PNG (transparent) fallback.
 * Runs in workerd; every codec is WebAssembly imported as a compiled `WebAssembly.Module`.
 *
 * Decoders (chosen for correctness; each was compared with libvips/sharp over the shared corpus):
 * - JPEG: libjpeg-turbo 2.1.5 built by this repository (wasm/engine, codecs/engine.ts, jpeg.ts),
 *   streamed and DCT-scaled to the largest power-of-two reduction that still covers the largest
 *   variant (libvips' shrink-on-load), its rows fed straight into the resampler. Warnings meaning
 *   truncated/corrupt data (libjpeg would fill grey) are a PipelineError. CMYK/YCCK is converted
 *   naively (no ICC transform); 12-bit and lossless JPEGs, which libjpeg refuses, get photon's
 *   jpeg-decoder as a second opinion.
 * - PNG and GIF: photon (Rust `image` 0.24.9: png 0.17, gif 0.13), all bit depths, palettes, tRNS,
 *   Adam7, 16-bit (scaled to 8 bits, ±1 of libvips). Driven through its raw exports (codecs/photon.ts)
 *   so a panicking decode, i.e. every corrupt file, cannot poison the isolate.
 * - WebP: libwebp (@jsquash/webp), pixel-identical to libvips. photon's WebP decoder (image 0.24)
 *   was up to 13/255 off on lossy files (no fancy upsampling) and is not used.
 * - AVIF: libavif + dav1d (@jsquash/avif), 8-bit output for 8/10/12-bit input (mean difference
 *   ≤0.5/255 from libvips on the corpus, incl. the 10-bit 4:4:4 PQ file).
 * - Animations (GIF, WebP): the variants are the FIRST frame, a still, as shown on the animation's
 *   canvas (transparent where the frame does not cover it). GIF: photon composites it; WebP: the
 *   first ANMF bitstream is rewrapped as a still for libwebp (webp-container.ts).
 * Colour: no colour management. ICC profiles and AVIF nclx are not applied (as sharp's defaults do
 * for these corpus files); pixels are taken as sRGB, 8 bits per channel, and written without any
 * profile. HDR (PQ) AVIF is not tone-mapped.
 *
 * Orientation: `src.orientation` (EXIF 1..8; anything else is 1) is applied by pixels.ts on RGBA
 * words. To save a full-size rotated copy, each variant is resized in stored orientation (the
 * target's axes swapped for 5..8) and oriented afterwards; a separable symmetric filter commutes
 * with flips and transposes, so this equals orient-then-resize. Checked on the exif-orientation
 * corpus: every Landscape_N/Portrait_N variant is within a mean absolute difference of 3.4/255 of
 * Landscape_1's/Portrait_1's (the same as _0 vs _1, two encodings of one picture; a wrong turn or
 * flip gives 42-87), and of sharp's rotate().resize() of the same file.
 *
 * Resize: a separable Lanczos3 in the engine (wasm/engine/resample.c), fed row by row, in
 * gamma-encoded sRGB like sharp's default, premultiplied by alpha for transparent images. The
 * largest target comes from the (scaled) source; each smaller one from the previous result, inside
 * the engine's memory. A target equal to the source size is copied, not resampled.
 * Heights: max(1, round(width × displayHeight / displayWidth)).
 *
 * Encoders: lossy WebP quality 80 with libwebp's SIMD build (@jsquash/webp, method 4, alpha kept
 * lossless; same PSNR as sharp's WebP q80); JPEG quality 80 with the engine's libjpeg-turbo
 * (baseline, optimised Huffman, 4:2:0, JFIF only: sharp's defaults, several times faster than
 * mozjpeg's trellis search); PNG with photon's `image` encoder (RGBA8, smaller than sharp's
 * default PNG). None of them writes EXIF/XMP/ICC. Transparency is decided from the decoded pixels
 * (any alpha < 255; JPEG sources are opaque by construction), not from `src.hasAlpha`, so an alpha
 * channel that is fully opaque still gets the smaller JPEG fallback and a GIF/WebP canvas that is
 * partly uncovered keeps its transparency. (`src.hasAlpha` and `src.frames` are informational.)
 *
 * WASM instances (codecs/slot.ts): the engine is instantiated per job and dropped after it (its
 * memory holds the input chunk, libjpeg's state, the resampler's few rows and the variants). The
 * WebP encoder and photon are reused across jobs, replaced after a failed call or when a job left
 * their memory above 24 MiB; the jSquash decoders (WebP, AVIF) get a fresh instance per decode.
 *
 * Errors: PipelineError (permanent: the input cannot be decoded, or its decoded size differs from
 * the recorded one) vs any other Error (infrastructure, e.g. an encoder or instantiation failure:
 * retry).
 *
 * Memory (RenderStats.peakIsolateBytes, see memory.ts): the linear memories of every instance the
 * job holds plus the large JS buffers it holds (input, decoded pixels, variants). JPEG: the engine
 * needs ≈1-2 MiB to decode any baseline file (progressive: + ≈3 B/pixel of DCT coefficients).
 * PNG, GIF, WebP and AVIF are still decoded whole (4 B/pixel in the decoder, and once in JS).
 */
import { encodeWebp } from "./codecs/jsquash";
import { engineRgba, engineSlot, encodeJpegInEngine, freeImage, resizeFromJs, resizeInEngine, type EngineImage, type EngineInstance } from "./codecs/engine";
import { photonEncodePng } from "./codecs/photon";
import { releaseAll } from "./codecs/slot";
import { decodeAvifSource } from "./decode";
import { decodeGifResized } from "./gif";
import { decodeWebpResized } from "./webp";
import { decodeJpegFallback, decodeJpegResized, isUnsupportedJpeg } from "./jpeg";
import { MemoryLedger } from "./memory";
import { decodePngResized } from "./png";
import { applyOrientation, hasTransparency, normalizeOrientation, swapsAxes } from "./pixels";

export { PipelineError } from "./errors";

export type SourceFormat = "jpeg" | "png" | "gif" | "webp" | "avif";
export type OutputFormat = "webp" | "jpeg" | "png";

export interface SourceInfo {
  format: SourceFormat;
  /** Stored size, before orientation; for animations the canvas / logical screen. */
  width: number;
  height: number;
  /** EXIF orientation 1..8 (anything else is treated as 1). */
  orientation: number;
  hasAlpha: boolean;
  frames: number;
}

export interface RenderedVariant {
  width: number;
  height: number;
  format: OutputFormat;
  contentType: string;
  bytes: Uint8Array;
}

/**
 * Optional out-parameter for benchmarks and logs, filled in by renderVariants. Times come from
 * `performance.now()`, which a deployed Worker only advances at I/O: they are meaningful locally.
 */
export interface RenderStats {
  /** Decoding, plus the first resize for JPEG (one fused pass). */
  decodeMs: number;
  resizeMs: number;
  orientMs: number;
  encodeMs: { webp: number; jpeg: number; png: number };
  /** Largest sum of the linear memories of the live codec instances seen during the run. */
  peakWasmBytes: number;
  /** Those instances' memories by codec at that peak. */
  peakWasmByCodec: Record<string, number>;
  /** WASM memories plus the large JS buffers held, at the job's peak (memory.ts). */
  peakIsolateBytes: number;
  /** JPEG only: the DCT scale-down used (1, 2, 4 or 8). */
  jpegScale?: number;
  /** Whether the decoded image had transparency (PNG fallback) or not (JPEG fallback). */
  transparent: boolean;
}

/** Drops every WASM instance the pipeline holds; the next job re-creates what it needs. */
export function releaseCodecInstances(): void {
  releaseAll();
}

export const WEBP_QUALITY = 80;
export const JPEG_QUALITY = 80;

const CONTENT_TYPES: Record<OutputFormat, string> = { webp: "image/webp", jpeg: "image/jpeg", png: "image/png" };

/** Height that keeps the aspect ratio, at least 1 (same rule as core/variants' scaledHeight). */
function heightFor(displayWidth: number, displayHeight: number, width: number): number {
  return Math.max(1, Math.round((displayHeight * width) / displayWidth));
}

function emptyStats(): RenderStats {
  return { decodeMs: 0, resizeMs: 0, orientMs: 0, encodeMs: { webp: 0, jpeg: 0, png: 0 }, peakWasmBytes: 0, peakWasmByCodec: {}, peakIsolateBytes: 0, transparent: false };
}

/** The first (largest) variant in stored orientation, made straight from the source. */
async function firstImage(
  engine: EngineInstance,
  bytes: Uint8Array,
  src: SourceInfo,
  w: number,
  h: number,
  ledger: MemoryLedger,
  st: RenderStats,
): Promise<{ image: EngineImage; transparent: boolean }> {
  if (src.format === "jpeg") {
    try {
      const { image, scale } = decodeJpegResized(engine, bytes, src.width, src.height, w, h);
      st.jpegScale = scale;
      return { image, transparent: false };
    } catch (err) {
      if (!isUnsupportedJpeg(err)) throw err;
      return { image: await decodeJpegFallback(engine, bytes, src.width, src.height, w, h), transparent: false };
    }
  }
  if (src.format === "png") return decodePngResized(engine, bytes, src.width, src.height, w, h);
  if (src.format === "gif") return decodeGifResized(engine, bytes, src.width, src.height, w, h);
  if (src.format === "webp") return decodeWebpResized(engine, bytes, src.width, src.height, w, h);
  const decoded = await decodeAvifSource(bytes, src.width, src.height);
  ledger.hold("decoded", decoded.data.length);
  const transparent = hasTransparency(decoded);
  const image = resizeFromJs(engine, decoded, w, h, transparent);
  ledger.hold("decoded", 0);
  return { image, transparent };
}

/**
 * Decode once, apply EXIF orientation, resize to each target width (display widths after
 * orientation, each ≤ the display width; a target equal to it re-encodes at full size), and encode
 * each as lossy WebP (quality 80) plus a fallback: JPEG quality 80 for opaque images, PNG for images
 * with transparency. Output: largest width first, WebP then fallback per width. No metadata; sRGB
 * 8-bit. Throws PipelineError for input that cannot be decoded.
 */
export async function renderVariants(bytes: Uint8Array, src: SourceInfo, targetWidths: number[], stats?: RenderStats): Promise<RenderedVariant[]> {
  const st = stats ?? emptyStats();
  const orientation = normalizeOrientation(src.orientation);
  const swap = swapsAxes(orientation);
  const displayWidth = swap ? src.height : src.width;
  const displayHeight = swap ? src.width : src.height;
  const widths = [...new Set(targetWidths)].sort((a, b) => b - a);
  for (const w of widths) {
    if (!Number.isInteger(w) || w < 1 || w > displayWidth) {
      throw new RangeError(`target width ${w} is not an integer in 1..${displayWidth}`);
    }
  }
  if (widths.length === 0) return [];
  const ledger = new MemoryLedger();
  ledger.hold("input", bytes.length);
  const now = () => performance.now();
  const stored = (width: number) => {
    const height = heightFor(displayWidth, displayHeight, width);
    return { width, height, w: swap ? height : width, h: swap ? width : height };
  };

  const out: RenderedVariant[] = [];
  await engineSlot.use(async (engine) => {
    let t = now();
    const first = stored(widths[0]!);
    const made = await firstImage(engine, bytes, src, first.w, first.h, ledger, st);
    st.decodeMs += now() - t;
    st.transparent = made.transparent;
    ledger.checkpoint();
    let previous: EngineImage | undefined;
    for (const width of widths) {
      const size = stored(width);
      let image = made.image;
      if (previous) {
        t = now();
        image = resizeInEngine(engine, previous, size.w, size.h, made.transparent);
        freeImage(engine, previous);
        st.resizeMs += now() - t;
      }
      previous = image;
      t = now();
      const shown = applyOrientation(engineRgba(engine, image), orientation);
      st.orientMs += now() - t;
      ledger.hold("variant pixels", shown.data.length);

      t = now();
      const webp = await encodeWebp(shown, WEBP_QUALITY);
      st.encodeMs.webp += now() - t;
      out.push({ width, height: size.height, format: "webp", contentType: CONTENT_TYPES.webp, bytes: webp });

      t = now();
      const fallbackFormat: OutputFormat = made.transparent ? "png" : "jpeg";
      const fallback = made.transparent ? await photonEncodePng(shown) : encodeJpegInEngine(engine, shown, JPEG_QUALITY);
      st.encodeMs[fallbackFormat] += now() - t;
      out.push({ width, height: size.height, format: fallbackFormat, contentType: CONTENT_TYPES[fallbackFormat], bytes: fallback });
      ledger.hold("outputs", out.reduce((n, v) => n + v.bytes.length, 0));
    }
    ledger.hold("variant pixels", 0);
  });
  st.peakWasmBytes = ledger.peakWasmBytes;
  st.peakWasmByCodec = ledger.peakWasmByCodec;
  st.peakIsolateBytes = ledger.peakBytes;
  return out;
}
