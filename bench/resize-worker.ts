/**
 * A probe Worker for the benchmark and the memory tests: runs the resize pipeline on the body it
 * is sent, inside workerd, and answers with the variants and the pipeline's own measurements
 * (times, peak WASM memory, peak isolate memory as memory.ts counts it). Not deployed.
 */
import { inspectImage } from "../core/sniff";
import { displaySize } from "../core/sniff";
import { planWidths } from "../core/variants";
import { liveWasmBytes } from "../workers/resize/pipeline/codecs/slot";
import { renderVariants, type RenderStats } from "../workers/resize/pipeline";

// Generous limits: the probe measures what the engine does; the upload Worker enforces the real ones.
const LIMITS = { maxPixels: 200_000_000, maxSide: 20000, maxFrames: 5000, maxTotalPixels: 2_000_000_000, maxAspect: 100, maxMetadataBytes: 16 << 20 };

function base64(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

export default {
  async fetch(request: Request): Promise<Response> {
    const url = new URL(request.url);
    if (url.pathname === "/idle") return Response.json({ liveWasmBytes: liveWasmBytes() });
    const bytes = new Uint8Array(await request.arrayBuffer());
    const info = inspectImage(bytes, LIMITS);
    const stats = { decodeMs: 0, resizeMs: 0, orientMs: 0, encodeMs: { webp: 0, jpeg: 0, png: 0 }, peakWasmBytes: 0, peakWasmByCodec: {}, peakIsolateBytes: 0, transparent: false } as RenderStats;
    const t = performance.now();
    const variants = await renderVariants(bytes, info, planWidths(displaySize(info).width, displaySize(info).height, info.hasAlpha), stats);
    const ms = performance.now() - t;
    const withBytes = url.searchParams.get("bytes") === "1";
    return Response.json({
      ms,
      stats,
      liveWasmBytesAfter: liveWasmBytes(),
      variants: variants.map((v) => ({ width: v.width, height: v.height, format: v.format, size: v.bytes.length, ...(withBytes ? { data: base64(v.bytes) } : {}) })),
    });
  },
} satisfies ExportedHandler;
