// `npm run bench:resize`: the resize pipeline inside workerd against sharp (native libvips) on the
// same files in the same run: generated photo-like images plus ../shared/corpus/photos.
// Prints a table and writes bench/results/resize.json. Options: --runs N (default 3), --only NAME.
import { existsSync } from "node:fs";
import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import sharp from "sharp";
import { ROOT } from "../scripts/lib/system.mjs";
import { generatedImages } from "./resize-images.mjs";
import { startProbe } from "./resize-harness.mjs";

const args = process.argv.slice(2);
const RUNS = Number(args[args.indexOf("--runs") + 1]) || 3;
const ONLY = args.includes("--only") ? args[args.indexOf("--only") + 1] : undefined;
const MIB = 1024 * 1024;
// One libvips thread: a Worker isolate runs a job on one thread too.
sharp.concurrency(1);

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/**
 * sharp doing the same job: decode once (with its shrink-on-load), then each width, WebP +
 * fallback. When our variants move (`animated`), sharp's WebP is an animation of every frame too.
 */
async function sharpJob(bytes, variants, transparent, animated) {
  const widths = [...new Set(variants.map((v) => v.width))];
  const outs = [];
  const first = await sharp(bytes).rotate().resize(widths[0]).raw().toBuffer({ resolveWithObject: true });
  for (const w of widths) {
    const img = () => sharp(first.data, { raw: first.info }).resize(w);
    const webp = animated ? sharp(bytes, { animated: true }).resize(w).webp({ quality: 80, effort: 2 }) : img().webp({ quality: 80 });
    outs.push({ width: w, format: "webp", size: (await webp.toBuffer()).length });
    const fallback = transparent ? img().png() : img().jpeg({ quality: 80 });
    outs.push({ width: w, format: transparent ? "png" : "jpeg", size: (await fallback.toBuffer()).length });
  }
  return outs;
}

async function rgba(input, width, height) {
  return sharp(input).resize(width, height, { fit: "fill" }).ensureAlpha().raw().toBuffer();
}

function psnr(a, b) {
  let se = 0;
  for (let i = 0; i < a.length; i++) se += (a[i] - b[i]) ** 2;
  const mse = se / a.length;
  return mse === 0 ? 99 : 10 * Math.log10((255 * 255) / mse);
}

async function measure(probe, image) {
  // Warm-up (V8 tiers WASM up over the first jobs; libvips warms its caches), then timed runs of
  // ours and sharp's alternately, so both see the same background load; the last returns the bytes.
  const warm = await probe.render(image.bytes);
  const transparent = warm.stats.transparent;
  const animated = (warm.stats.animatedFrames ?? 0) > 1;
  await sharpJob(image.bytes, warm.variants, transparent, animated);
  const ours = [];
  const theirs = [];
  let last;
  let sharpOuts;
  for (let i = 0; i < RUNS; i++) {
    last = await probe.render(image.bytes, { withBytes: i === RUNS - 1 });
    ours.push(last.ms);
    const t = performance.now();
    sharpOuts = await sharpJob(image.bytes, last.variants, transparent, animated);
    theirs.push(performance.now() - t);
  }
  const rss = await probe.renderWithRss(image.bytes);
  const variants = [];
  for (const v of last.variants) {
    const reference = await sharp(image.bytes).rotate().resize(v.width, v.height, { fit: "fill", kernel: "lanczos3" }).ensureAlpha().raw().toBuffer();
    const twin = sharpOuts.find((s) => s.width === v.width && s.format === v.format);
    variants.push({
      width: v.width,
      height: v.height,
      format: v.format,
      bytes: v.size,
      sharp_bytes: twin?.size,
      bytes_ratio: twin ? +(v.size / twin.size).toFixed(3) : null,
      psnr_db: +psnr(await rgba(v.data, v.width, v.height), reference).toFixed(2),
    });
  }
  const oursMs = median(ours);
  const sharpMs = median(theirs);
  return {
    name: image.name,
    note: image.note,
    input_bytes: image.bytes.length,
    ours_ms: Math.round(oursMs),
    sharp_ms: Math.round(sharpMs),
    ratio: +(oursMs / sharpMs).toFixed(2),
    peak_isolate_mib: +(last.stats.peakIsolateBytes / MIB).toFixed(1),
    peak_wasm_mib: +(last.stats.peakWasmBytes / MIB).toFixed(1),
    rss_delta_mib: rss.rssDeltaBytes === null ? null : +(rss.rssDeltaBytes / MIB).toFixed(1),
    wasm_by_codec_mib: Object.fromEntries(Object.entries(last.stats.peakWasmByCodec).map(([k, b]) => [k, +(b / MIB).toFixed(1)])),
    idle_wasm_mib_after: +(last.liveWasmBytesAfter / MIB).toFixed(1),
    jpeg_scale: last.stats.jpegScale ?? null,
    animated_frames: last.stats.animatedFrames ?? null,
    stages_ms: { decode: Math.round(last.stats.decodeMs), resize: Math.round(last.stats.resizeMs), encode: last.stats.encodeMs },
    variants,
  };
}

async function corpusPhotos() {
  const dir = path.join(ROOT, "../shared/corpus/photos");
  if (!existsSync(dir)) return [];
  const files = (await readdir(dir)).filter((f) => /\.(jpe?g|png|webp|gif|avif)$/i.test(f)).sort();
  return Promise.all(files.map(async (f) => ({ name: `corpus/${f}`, note: "shared corpus photo", bytes: await readFile(path.join(dir, f)) })));
}

const images = [...(await generatedImages()), ...(await corpusPhotos())].filter((i) => !ONLY || i.name.includes(ONLY));
const probe = await startProbe();
const results = [];
try {
  for (const image of images) {
    const r = await measure(probe, image);
    results.push(r);
    const minPsnr = Math.min(...r.variants.map((v) => v.psnr_db));
    const maxBytes = Math.max(...r.variants.map((v) => v.bytes_ratio ?? 0));
    console.log(
      `${r.name.padEnd(26)} ours ${String(r.ours_ms).padStart(6)} ms  sharp ${String(r.sharp_ms).padStart(6)} ms  ×${r.ratio.toFixed(2)}  ` +
        `peak ${r.peak_isolate_mib.toFixed(1).padStart(6)} MiB (rss +${r.rss_delta_mib ?? "?"})  min PSNR ${minPsnr.toFixed(1)} dB  max bytes ×${maxBytes.toFixed(2)}`,
    );
  }
} finally {
  await probe.dispose();
}
const out = {
  generated_at: new Date().toISOString(),
  machine: { cpus: os.cpus().length, cpu: os.cpus()[0]?.model, node: process.version, sharp: sharp.versions },
  method: {
    runs: RUNS,
    timing: "median of runs after one warm-up; ours = the pipeline inside workerd (Miniflare), sharp = Node, concurrency 1",
    memory: "peak_isolate_mib: WASM linear memories the job holds + its large JS buffers (workers/resize/pipeline/memory.ts); rss_delta_mib: workerd's peak RSS during one run minus its RSS before (cross-check, noisy)",
    psnr: "each variant decoded vs sharp's Lanczos3 resize of the same source to the same size (RGBA)",
  },
  results,
};
await mkdir(path.join(ROOT, "bench/results"), { recursive: true });
await writeFile(path.join(ROOT, "bench/results/resize.json"), JSON.stringify(out, null, 2) + "\n");
console.log("wrote bench/results/resize.json");
