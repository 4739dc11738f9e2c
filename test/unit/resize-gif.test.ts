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

  it("clips a frame that is offset and extends past a smaller logical screen", async () => {
    for (const interlaced of [false, true]) {
      const original = await generated(interlaced);
      const { data: full, info } = await sharp(original).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
      const bytes = Uint8Array.from(original);
      const [sw, sh, left, top] = [30, 20, 5, 3];
      bytes.set([sw, 0, sh, 0], 6);
      const desc = bytes.indexOf(0x2c, 13 + 3 * (2 << (bytes[10]! & 7)));
      bytes.set([left, 0, top, 0], desc + 1);
      const mine = ours(bytes, sw, sh);
      let diff = 0;
      for (let y = 0; y < sh; y++) {
        for (let x = 0; x < sw; x++) {
          const fx = x - left, fy = y - top;
          const inside = fx >= 0 && fy >= 0 && fx < info.width && fy < info.height;
          const ref = inside ? full.subarray((fy * info.width + fx) * 4, (fy * info.width + fx) * 4 + 4) : new Uint8Array(4);
          const got = mine.subarray((y * sw + x) * 4, (y * sw + x) * 4 + 4);
          if (ref[3] === 0 && got[3] === 0) continue;
          for (let c = 0; c < 4; c++) diff = Math.max(diff, Math.abs(got[c]! - ref[c]!));
        }
      }
      expect(diff, interlaced ? "interlaced" : "plain").toBe(0);
    }
  });
});
