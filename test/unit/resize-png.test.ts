import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import sharp from "sharp";
import { describe, expect, it } from "vitest";
import { instantiateEngine } from "../../workers/resize/pipeline/codecs/engine-core";
import { readPngHeader } from "../../workers/resize/pipeline/png-rows";
import { streamPngRows } from "../../workers/resize/pipeline/png";

// The resize Worker's streaming PNG decoder against libvips (sharp) on every accepted corpus PNG:
// every bit depth, colour type, palette, tRNS and Adam7 interlacing of PngSuite.
const CORPUS = fileURLToPath(new URL("../../../shared/corpus/", import.meta.url));
const manifest: { path: string; expect: string; format?: string }[] = existsSync(CORPUS + "manifest.json")
  ? JSON.parse(readFileSync(CORPUS + "manifest.json", "utf8"))
  : [];
// The project's types are workerd's, whose WebAssembly.Module is not constructible from bytes; Node's is.
const NodeModule = WebAssembly.Module as unknown as new (bytes: Uint8Array) => WebAssembly.Module;
const engineModule = new NodeModule(readFileSync(new URL("../../workers/resize/wasm/engine.wasm", import.meta.url)));
const pngs = manifest.filter((e) => e.expect === "accept" && e.format === "png").map((e) => e.path);

function ours(bytes: Uint8Array): Uint8Array {
  const head = readPngHeader(bytes);
  const out = new Uint8Array(head.width * head.height * 4);
  let y = 0;
  streamPngRows(instantiateEngine(engineModule), head, (row: Uint8Array) => out.set(row, y++ * row.length));
  expect(y).toBe(head.height);
  return out;
}

describe.skipIf(pngs.length === 0)("streaming PNG decoder", () => {
  it("matches libvips on every accepted corpus PNG", async () => {
    const mismatches: string[] = [];
    for (const file of pngs) {
      const bytes = readFileSync(CORPUS + file);
      const mine = ours(bytes);
      // libvips applies no gamma here; palette/grey/tRNS expanded to RGBA 8-bit.
      const ref = await sharp(bytes).ensureAlpha().toColourspace("srgb").raw({ depth: "uchar" }).toBuffer();
      let worst = 0;
      for (let i = 0; i < mine.length; i++) worst = Math.max(worst, Math.abs(mine[i]! - ref[i]!));
      if (mine.length !== ref.length || worst > 1) mismatches.push(`${file}: max diff ${worst}`);
    }
    expect(mismatches).toEqual([]);
  });

  it("refuses truncated and corrupt image data", () => {
    const bytes = readFileSync(CORPUS + pngs.find((p) => p.includes("basn2c08"))!);
    const head = readPngHeader(bytes);
    const whole = head.idat[0]!;
    head.idat = [whole.subarray(0, whole.length >> 1)];
    expect(() => streamPngRows(instantiateEngine(engineModule), head, () => {})).toThrow(/truncated/);
    const garbled = whole.slice();
    garbled.fill(0xff, 2, 40);
    head.idat = [garbled];
    expect(() => streamPngRows(instantiateEngine(engineModule), head, () => {})).toThrow(/^PNG: the image data could not be inflated \(.+\)$/);
  });
});
