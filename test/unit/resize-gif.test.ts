import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import sharp from "sharp";
import { describe, expect, it } from "vitest";
import { instantiateEngine } from "../../workers/resize/pipeline/codecs/engine-core";
import { decodeGifResized } from "../../workers/resize/pipeline/gif";

// The resize Worker's streaming GIF decoder (first frame on its logical screen) against libvips.
const CORPUS = fileURLToPath(new URL("../../../shared/corpus/", import.meta.url));
const manifest: { path: string; expect: string; format?: string }[] = existsSync(CORPUS + "manifest.json")
  ? JSON.parse(readFileSync(CORPUS + "manifest.json", "utf8"))
  : [];
const gifs = manifest.filter((e) => e.expect === "accept" && e.format === "gif").map((e) => e.path);
// The project's types are workerd's, whose WebAssembly.Module is not constructible from bytes; Node's is.
const NodeModule = WebAssembly.Module as unknown as new (bytes: Uint8Array) => WebAssembly.Module;
const engineModule = new NodeModule(readFileSync(new URL("../../workers/resize/wasm/engine.wasm", import.meta.url)));

/** Decodes at full size (the resampler copies rows when no resize is asked). */
function ours(bytes: Uint8Array, width: number, height: number): Uint8Array {
  const inst = instantiateEngine(engineModule);
  const { image } = decodeGifResized(inst, bytes, width, height, width, height);
  return new Uint8Array(inst.memory.buffer, inst.exports.rs_output(image.rs), width * height * 4).slice();
}

async function generated(interlaced: boolean): Promise<Buffer> {
  const w = 37, h = 23;
  const px = Buffer.alloc(w * h * 4);
  for (let i = 0; i < w * h; i++) px.set([(i * 7) % 256, (i * 13) % 256, (i * 29) % 256, i % 5 === 0 ? 0 : 255], i * 4);
  return sharp(px, { raw: { width: w, height: h, channels: 4 } }).gif({ interFrameMaxError: 0, progressive: interlaced }).toBuffer();
}

describe("streaming GIF decoder", () => {
  const cases = async () => [
    ...(await Promise.all([false, true].map(async (i) => ({ name: i ? "interlaced" : "plain", bytes: await generated(i) })))),
    ...gifs.map((p) => ({ name: p, bytes: readFileSync(CORPUS + p) })),
  ];

  it("matches libvips' first frame on generated (plain, interlaced, transparent) and corpus GIFs", async () => {
    const mismatches: string[] = [];
    for (const { name, bytes } of await cases()) {
      const { data, info } = await sharp(bytes).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
      const mine = ours(bytes, info.width, info.height);
      let diff = 0;
      for (let i = 0; i < mine.length; i += 4) {
        // Fully transparent pixels may carry any colour.
        if (mine[i + 3] === 0 && data[i + 3] === 0) continue;
        for (let c = 0; c < 4; c++) diff = Math.max(diff, Math.abs(mine[i + c]! - data[i + c]!));
      }
      if (diff > 0) mismatches.push(`${name}: max diff ${diff}`);
    }
    expect(mismatches).toEqual([]);
  });
});
