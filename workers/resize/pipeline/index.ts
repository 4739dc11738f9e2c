/**
 * The image pipeline of the resize Worker: decode once, apply EXIF orientation, resize to each
 * target width, encode lossy WebP plus a JPEG (opaque) or PNG (transparent) fallback. Runs in
 * workerd; every codec is WebAssembly imported as a compiled `WebAssembly.Module`.
 *
 * The engine (wasm/engine, built by scripts/build-wasm/engine.sh from Debian's sources) does the
 * heavy lifting without ever holding a full-size bitmap, so memory follows the variants, not the
 * photo (docs/performance.md has the measurements):
 * - JPEG (jpeg.ts): libjpeg-turbo, compressed input streamed in 64 KiB chunks, DCT-scaled (N/8)
 *   to the smallest size that still covers the largest variant (libvips' shrink-on-load), rows fed
 *   straight into the resampler. Truncated/corrupt data (libjpeg would fill grey) is a
 *   PipelineError. CMYK/YCCK rows go through the ICC profile (naively without one). Progressive
 *   files keep their DCT coefficients until the last scan, in a compact store (wasm/engine/jpeg-coefs.c) that
 *   holds only what the scaled IDCT reads plus a nonzero mask: ≈0.1-0.5 B/pixel instead of 3-6,
 *   capped by what the isolate budget leaves.
 * - PNG (png.ts): zlib inflate in the engine, one row at a time, each row unfiltered and expanded
 *   to RGBA8 there too (every bit depth, palette, tRNS; 16-bit keeps the high byte, as libvips;
 *   Adam7 holds the even rows in JS, 2 B/pixel). Identical to libvips' decode on all of PngSuite.
 * - GIF (gif.ts): the first frame, LZW-decoded in the engine, its on-screen indices kept (1 B/pixel),
 *   composited row by row on the logical screen, transparent where the frame does not cover it.
 * - WebP (webp.ts): libwebp decodes straight to twice the target size (its area-average rescaler
 *   works while decoding); an animation's first frame is placed on its canvas at that scale.
 *   Lossless bitstreams and alpha are decoded into a window of rows that slides down (our libwebp
 *   patch: LZ77 copies reach at most 2^20 pixels back), ≈8 MiB whatever the image size.
 * - AVIF (avif.ts): the container parsed in JS (avif-container.ts, on the validator's layout reader
 *   core/sniff/avif-layout.ts: primary item, grid tiles, alpha auxiliary image, nclx, ICC), each AV1 image decoded by the engine's dav1d into its own YUV frame
 *   (1.5 B/pixel at 8-bit 4:2:0, 2 bytes a sample above 8 bits), converted to RGBA8 row by row as
 *   libavif does (matrix and range from nclx, bilinear chroma) straight into the resampler; grids a
 *   row of tiles at a time. irot/imir arrive as EXIF orientation from the validator. Film grain is
 *   not synthesised (it would need a second frame; the resize averages it away).
 * Animations (GIF, WebP, APNG): the WebP variants are animated WebPs (animation.ts) when the canvas and
 * frames × variant pixels are within bounds, else stills of the FIRST frame; the JPEG/PNG
 * fallbacks are always that first frame.
 * Colour (colour.ts): an embedded ICC profile (JPEG APP2, PNG iCCP, WebP ICCP, AVIF colr) is
 * converted to sRGB with Little CMS, as sharp does; an unusable one is ignored. Without one, pixels
 * are taken as sRGB, except an AVIF's nclx code points, from which a profile is built. 8 bits per
 * channel, written without any profile. HDR (PQ, HLG) is not tone-mapped.
 *
 * Resize (wasm/engine/resample.c): libvips' scheme, a box pre-shrink by the integer part of half
 * the factor then a separable Lanczos3, centre-aligned, in gamma-encoded sRGB, premultiplied by
 * alpha whenever the source can carry alpha. The largest variant comes from the source; each
 * smaller one from the previous result, inside the engine's memory.
 * Orientation: EXIF 1..8 (anything else is 1) is applied by pixels.ts after resizing; variants
 * are resized in stored orientation (target axes swapped for 5..8). A separable symmetric filter
 * commutes with flips and transposes, so this equals orient-then-resize.
 * Heights: max(1, round(width × displayHeight / displayWidth)).
 *
 * Encoders: lossy WebP quality 80 with the engine's libwebp (method 2, otherwise libwebp's
 * defaults: see encodeWebpInEngine); JPEG quality 80 with the engine's libjpeg-turbo (baseline, optimised
 * Huffman, 4:2:0, JFIF only: sharp's defaults); PNG with photon's `image` encoder. None writes
 * EXIF/XMP/ICC. Transparency is decided from the decoded pixels (any alpha < 255), not from
 * `src.hasAlpha`, so a fully opaque alpha channel still gets the smaller JPEG fallback.
 *
 * WASM instances (codecs/slot.ts): the engine is instantiated per job and dropped after it;
 * photon (PNG fallbacks) is reused across jobs, replaced after a failed call or when a job left
 * its memory above 24 MiB.
 * Errors: PipelineError (permanent: the input cannot be decoded, or its size differs from the
 * recorded one) vs any other Error (infrastructure, e.g. an instantiation failure: retry).
 * Memory: RenderStats.peakIsolateBytes, as memory.ts counts it.
 */
import { engineRgba, engineSlot, encodeJpegInEngine, encodeWebpInEngine, freeImage, resizeInEngine, type EngineImage, type EngineInstance } from "./codecs/engine";
import { releaseKeptInstances } from "./codecs/slot";
import { photonEncodePng } from "./codecs/photon";
import { animates, encodeAnimatedWebp } from "./animation";
import { decodeAvifResized } from "./avif";
import { decodeGifResized } from "./gif";
import { decodeWebpResized } from "./webp";
import { decodeJpegResized } from "./jpeg";
import { CONTENT_TYPES } from "../../../core/variants";
import { convertToSrgb } from "./colour";
import { MemoryLedger } from "./memory";
import { decodePngResized } from "./png";
import { applyOrientation, hasTransparency, normalizeOrientation, swapsAxes, type Rgba } from "./pixels";

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
  /** GIF: every frame rectangle's pixels, summed (what decoding all frames costs). */
  framePixels?: number;
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
  /** JPEG only: the DCT scale used, "N/8". */
  jpegScale?: string;
  /** Progressive JPEG only: bytes its compact DCT coefficient store took in the engine. */
  jpegCoefficientBytes?: number;
  /** Whether the decoded image had transparency (PNG fallback) or not (JPEG fallback). */
  transparent: boolean;
  /** Animations whose WebP variants move (animation.ts): the frames each holds. */
  animatedFrames?: number;
}

export const WEBP_QUALITY = 80;
export const JPEG_QUALITY = 80;


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
    const { image, scale, coefficientBytes } = decodeJpegResized(engine, bytes, src.width, src.height, w, h);
    st.jpegScale = scale;
    st.jpegCoefficientBytes = coefficientBytes;
    return { image, transparent: false };
  }
  const hold = (name: string, size: number) => ledger.hold(name, size);
  if (src.format === "png") return decodePngResized(engine, bytes, src.width, src.height, w, h, hold);
  if (src.format === "gif") return decodeGifResized(engine, bytes, src.width, src.height, w, h);
  if (src.format === "webp") return decodeWebpResized(engine, bytes, src.width, src.height, w, h);
  return decodeAvifResized(engine, bytes, src.width, src.height, w, h);
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

  const animated = animates(src, widths.map(stored), bytes.length);
  const out: RenderedVariant[] = [];
  await engineSlot.use(async (engine) => {
    /** The JPEG (opaque) or PNG (transparent) of a variant as shown. */
    const fallback = async (width: number, height: number, shown: Rgba) => {
      const t = now();
      const format: OutputFormat = st.transparent ? "png" : "jpeg";
      const encoded = st.transparent ? await photonEncodePng(shown) : encodeJpegInEngine(engine, shown, JPEG_QUALITY);
      st.encodeMs[format] += now() - t;
      out.push({ width, height, format, contentType: CONTENT_TYPES[format], bytes: encoded });
      ledger.hold("outputs", out.reduce((n, v) => n + v.bytes.length, 0));
    };

    if (animated) {
      // Every frame is decoded per width (animation.ts); the fallbacks are the first frame as
      // composited there. The canvas and the encoder need the room codecs kept from earlier jobs
      // hold: those are dropped.
      releaseKeptInstances();
      for (const width of widths) {
        const size = stored(width);
        const t = now();
        const animation = encodeAnimatedWebp(engine, bytes, src, size, orientation, WEBP_QUALITY);
        st.encodeMs.webp += now() - t;
        st.animatedFrames = animation.frames;
        if (width === widths[0]) st.transparent = hasTransparency(animation.first);
        ledger.hold("variant pixels", animation.first.data.length);
        out.push({ width, height: size.height, format: "webp", contentType: CONTENT_TYPES.webp, bytes: animation.bytes });
        await fallback(width, size.height, animation.first);
      }
      ledger.hold("variant pixels", 0);
      return;
    }

    let t = now();
    const first = stored(widths[0]!);
    const made = await firstImage(engine, bytes, src, first.w, first.h, ledger, st);
    convertToSrgb(engine, made.image);
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
      // Turned variants exist twice for a moment: as resized and as shown.
      ledger.hold("variant pixels", shown.data.length * (orientation === 1 ? 1 : 2));

      t = now();
      const webp = encodeWebpInEngine(engine, shown, WEBP_QUALITY);
      st.encodeMs.webp += now() - t;
      out.push({ width, height: size.height, format: "webp", contentType: CONTENT_TYPES.webp, bytes: webp });
      await fallback(width, size.height, shown);
    }
    ledger.hold("variant pixels", 0);
  });
  st.peakWasmBytes = ledger.peakWasmBytes;
  st.peakWasmByCodec = ledger.peakWasmByCodec;
  st.peakIsolateBytes = ledger.peakBytes;
  return out;
}
