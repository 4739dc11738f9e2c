/**
 * The image pipeline of the resize Worker: decode once, apply EXIF orientation, resize to each
 * target width, encode lossy WebP plus a JPEG (opaque) or PNG (transparent) fallback.
 * Runs in workerd; every codec is WebAssembly imported as a compiled `WebAssembly.Module`.
 *
 * Decoders (chosen for correctness; each was compared with libvips/sharp over the shared corpus):
 * - JPEG: mozjpeg's libjpeg-turbo (@jsquash/jpeg), pixel-identical to libvips. Pixels come out as
 *   stored (`preserveOrientation` off). Its printed warnings are read: "Premature end of JPEG
 *   file" / corrupt entropy data (libjpeg would fill grey) is a PipelineError; harmless warnings
 *   (extraneous bytes before a marker...) are not. When libjpeg refuses a file outright (e.g. CMYK:
 *   "Unsupported color conversion request") photon's jpeg-decoder gets a second try; it reads
 *   CMYK, converted naively without an ICC transform (mean difference ≈15/255 from libvips on a
 *   test file). If both fail, libjpeg's message is the reason.
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
 * Resize: the Lanczos3 of squoosh's Rust resizer (@jsquash/resize's WASM, raw exports), in
 * gamma-encoded sRGB like sharp's default, premultiplied by alpha for transparent images. The
 * largest target comes from the source; each smaller one from the previous result (PSNR against
 * sharp's Lanczos3-from-source on 4 photos: ≥52 dB chained vs ≥52.6 dB from source, and the chain
 * avoids re-reading the full-size image). A target equal to the display width is not resampled.
 * Heights: max(1, round(width × displayHeight / displayWidth)).
 *
 * Encoders: lossy WebP quality 80 with libwebp's SIMD build (@jsquash/webp, method 4, alpha kept
 * lossless; same PSNR as sharp's WebP q80); JPEG quality 80 with mozjpeg (progressive, optimised
 * Huffman, 4:2:0, JFIF only); PNG with photon's `image` encoder (RGBA8, smaller than sharp's
 * default PNG). None of them writes EXIF/XMP/ICC. Transparency is decided from the decoded pixels
 * (any alpha < 255; JPEG sources are opaque by construction), not from `src.hasAlpha`, so an alpha
 * channel that is fully opaque still gets the smaller JPEG fallback and a GIF/WebP canvas that is
 * partly uncovered keeps its transparency. (`src.hasAlpha` and `src.frames` are informational.)
 *
 * WASM instances (codecs/slot.ts): encoders, the resizer and photon are created lazily, once per
 * isolate, and reused (across the widths of a job and across jobs); an instance is replaced after
 * a failed call (its state is unknown; a poisoned photon would fail every later job) or when a
 * job left its memory above 24 MiB (WASM memory never shrinks). The jSquash decoders run once per
 * job on the full-size source, so each decode gets a fresh instance that is dropped right after
 * (instantiating from the compiled module takes 0-6 ms in workerd; a kept one would hold ≥16 MiB).
 * `releaseCodecInstances()` drops everything. The caller needs no global polyfill: the jSquash
 * glue wants a global `ImageData`, which codecs/emscripten.ts installs (a minimal class) if absent.
 *
 * Errors: PipelineError (permanent: the input cannot be decoded, or its decoded size differs from
 * the recorded one) vs any other Error (infrastructure, e.g. an encoder or instantiation failure:
 * retry).
 *
 * Memory is not budgeted yet (for the engine rebuild): the whole source is decoded to RGBA8 in JS
 * (4 B/pixel) after peaking inside its decoder, and the resizer copies it in and keeps f32
 * intermediates (first target width × source height × 16 B, plus a full f32 copy of the source
 * when premultiplying). Measured peaks of live WASM memory (sum over instances, locally):
 * 2560x1600 JPEG ≈86 MiB, 4096x4096 WebP ≈181-191 MiB (resizer ≈142-148 MiB), 2560x1600 RGBA
 * PNG ≈158 MiB (resizer ≈119 MiB).
 */
import { encodeJpeg, encodeWebp } from "./codecs/jsquash";
import { photonEncodePng } from "./codecs/photon";
import { resizeRgba } from "./codecs/resize";
import { releaseAll, resetWasmPeak, wasmPeak } from "./codecs/slot";
import { decodeSource } from "./decode";
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
  decodeMs: number;
  resizeMs: number;
  orientMs: number;
  encodeMs: { webp: number; jpeg: number; png: number };
  /** Largest sum of the linear memories of the live codec instances seen during the run. */
  peakWasmBytes: number;
  /** Those instances' memories by codec at that peak. */
  peakWasmByCodec: Record<string, number>;
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

/**
 * Decode once, apply EXIF orientation, resize to each target width (display widths after
 * orientation, each ≤ the display width; a target equal to it re-encodes at full size), and encode
 * each as lossy WebP (quality 80) plus a fallback: JPEG quality 80 for opaque images, PNG for images
 * with transparency. Output: largest width first, WebP then fallback per width. No metadata; sRGB
 * 8-bit. Throws PipelineError for input that cannot be decoded.
 */
export async function renderVariants(
  bytes: Uint8Array,
  src: SourceInfo,
  targetWidths: number[],
  stats?: RenderStats,
): Promise<RenderedVariant[]> {
  const st: RenderStats = stats ?? {
    decodeMs: 0,
    resizeMs: 0,
    orientMs: 0,
    encodeMs: { webp: 0, jpeg: 0, png: 0 },
    peakWasmBytes: 0,
    peakWasmByCodec: {},
    transparent: false,
  };
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
  resetWasmPeak();
  const notePeak = () => {
    const p = wasmPeak();
    st.peakWasmBytes = p.bytes;
    st.peakWasmByCodec = p.byCodec;
  };
  const now = () => performance.now();

  let t = now();
  // The decoded source, then the last variant made, in stored orientation: each smaller target
  // is resized from it, so the full-size pixels can be collected after the first resize.
  let previous: Rgba = await decodeSource(bytes, src.format, src.width, src.height);
  st.decodeMs += now() - t;
  notePeak();
  const transparent = src.format !== "jpeg" && hasTransparency(previous);
  st.transparent = transparent;

  const out: RenderedVariant[] = [];
  for (const width of widths) {
    const height = heightFor(displayWidth, displayHeight, width);
    const storedW = swap ? height : width;
    const storedH = swap ? width : height;
    let stored = previous;
    if (storedW !== previous.width || storedH !== previous.height) {
      t = now();
      stored = await resizeRgba(previous, storedW, storedH, transparent);
      st.resizeMs += now() - t;
      notePeak();
    }
    previous = stored;

    t = now();
    const shown = applyOrientation(stored, orientation);
    st.orientMs += now() - t;

    t = now();
    const webp = await encodeWebp(shown, WEBP_QUALITY);
    st.encodeMs.webp += now() - t;
    notePeak();
    out.push({ width, height, format: "webp", contentType: CONTENT_TYPES.webp, bytes: webp });

    t = now();
    const fallbackFormat: OutputFormat = transparent ? "png" : "jpeg";
    const fallback = transparent ? await photonEncodePng(shown) : await encodeJpeg(shown, JPEG_QUALITY);
    st.encodeMs[fallbackFormat] += now() - t;
    notePeak();
    out.push({ width, height, format: fallbackFormat, contentType: CONTENT_TYPES[fallbackFormat], bytes: fallback });
  }
  return out;
}
