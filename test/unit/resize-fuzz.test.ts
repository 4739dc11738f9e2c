import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { inspectImage } from "../../core/sniff";
import { decodeAvifResized } from "../../workers/resize/pipeline/avif";
import { instantiateEngine } from "../../workers/resize/pipeline/codecs/engine-core";
import { decodeGifResized } from "../../workers/resize/pipeline/gif";
import { decodeJpegResized } from "../../workers/resize/pipeline/jpeg";
import { decodePngResized } from "../../workers/resize/pipeline/png";
import { decodeWebpResized } from "../../workers/resize/pipeline/webp";
import { unexpectedOutcomes } from "./damage";

// The engine's decoders on damaged input (bytes overwritten, files cut short), bypassing upload
// validation: each either decodes or throws a PipelineError (the image is marked failed); never
// another error, a trap that escapes, or a hang.
const CORPUS = fileURLToPath(new URL("../../../shared/corpus/", import.meta.url));
// The project's types are workerd's, whose WebAssembly.Module is not constructible from bytes; Node's is.
const NodeModule = WebAssembly.Module as unknown as new (bytes: Uint8Array) => WebAssembly.Module;
const engineModule = new NodeModule(readFileSync(new URL("../../workers/resize/wasm/engine.wasm", import.meta.url)));
const FILES = ["photos/LadyBird.jpg", "photos/FreshFlower.jpg", "pngsuite/basi2c08.png", "pngsuite/basn3p04.png", "animated/moon_impact.gif", "webp-still/wood-d.webp", "animated/random_lossless.webp", "avif/kodim23_yuv420_8bpc.avif", "avif/cosmos1650_yuv444_10bpc_p3pq.avif"];
const GENEROUS = { maxPixels: 1e9, maxSide: 1e5, maxFrames: 1e5, maxTotalPixels: 1e12, maxAspect: 1e3, maxMetadataBytes: 1e9 };
const DECODERS = { jpeg: decodeJpegResized, png: decodePngResized, gif: decodeGifResized, webp: decodeWebpResized, avif: decodeAvifResized } as const;


describe.skipIf(!existsSync(CORPUS))("engine decoders on damaged input", () => {
  it.each(FILES)("%s: decodes or fails with a PipelineError", (file) => {
    const original = readFileSync(CORPUS + file);
    const info = inspectImage(original, GENEROUS);
    const decode = DECODERS[info.format as keyof typeof DECODERS];
    const width = Math.min(info.width, 300);
    const height = Math.max(1, Math.round((width * info.height) / info.width));
    const unexpected = unexpectedOutcomes(original, { seed: 0x5eed, runs: 40, skip: 64, truncate: true }, (bytes) => {
      decode(instantiateEngine(engineModule), bytes, info.width, info.height, width, height);
    });
    expect(unexpected).toEqual([]);
  });

  // Large enough for the compact coefficient store (progressive, ≥ 8 MiB of coefficients): damage
  // in the scans must never corrupt the store's own records.
  it("a progressive JPEG decoded through the compact store: decodes or fails with a PipelineError", async () => {
    const sharp = (await import("sharp")).default;
    const original = await sharp({ create: { width: 2400, height: 1600, channels: 3, background: "#000", noise: { type: "gaussian", mean: 120, sigma: 50 } } })
      .jpeg({ quality: 90, progressive: true, chromaSubsampling: "4:4:4" })
      .toBuffer();
    const unexpected = unexpectedOutcomes(original, { seed: 0xc0ef, runs: 16, skip: 1024, truncate: false }, (bytes) => {
      const inst = instantiateEngine(engineModule);
      decodeJpegResized(inst, bytes, 2400, 1600, 1024, 683);
      expect(inst.exports.jd_coefficient_bytes()).toBeGreaterThan(0);
    });
    expect(unexpected).toEqual([]);
  }, 60_000);
});
