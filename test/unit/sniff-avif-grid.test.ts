import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { inspectImage } from "../../core/sniff";
import { readBoxes } from "../../core/sniff/bmff";
import { avifItems, type AvifItem, buildAvif } from "./avif-builders";
import { codeOf, SNIFF_LIMITS } from "./sniff-helpers";

// A grid AVIF may list its tiles over several dimg references; the validator and the engine's
// weight must read them the same way (a crafted file once made the weight crash into a 500).
const GRID = new Uint8Array(readFileSync(new URL("./fixtures/avif/grid-2x2.avif", import.meta.url)));

/**
 * The fixture with an empty dimg reference from the grid placed before the one listing its tiles.
 * The 12 inserted bytes sit inside meta, before mdat: the box sizes around them and every iloc
 * extent offset (construction method 0, absolute) move by 12.
 */
function withEmptyFirstTileRef(file: Uint8Array): Uint8Array {
  const dv = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset, b.byteLength);
  const meta = readBoxes(file, 0, file.length).find((b) => b.type === "meta")!;
  const kids = readBoxes(file, meta.data + 4, meta.end);
  const iref = kids.find((b) => b.type === "iref")!;
  const iloc = kids.find((b) => b.type === "iloc")!;
  const at = iref.data + 4; // after iref's version and flags: its first reference
  const extra = Uint8Array.of(0, 0, 0, 12, ...[..."dimg"].map((c) => c.charCodeAt(0)), 0, 1, 0, 0);
  const out = new Uint8Array(file.length + extra.length);
  out.set(file.subarray(0, at));
  out.set(extra, at);
  out.set(file.subarray(at), at + extra.length);
  const v = dv(out);
  for (const box of [meta, iref]) v.setUint32(box.start, v.getUint32(box.start) + extra.length);
  // iloc (before the insertion, so unmoved): version 0/1, 4-byte offsets, no base offset.
  let p = iloc.data;
  const version = out[p]!;
  p += 4;
  const offsetSize = out[p]! >> 4, lengthSize = out[p]! & 15, baseSize = out[p + 1]! >> 4, indexSize = version ? out[p + 1]! & 15 : 0;
  expect([offsetSize, baseSize, indexSize]).toEqual([4, 0, 0]);
  p += 2;
  const count = v.getUint16(p);
  p += 2;
  for (let i = 0; i < count; i++) {
    p += 2 + (version ? 2 : 0) + 2; // item id, construction method, data reference index
    const extents = v.getUint16(p);
    p += 2;
    for (let e = 0; e < extents; e++, p += offsetSize + lengthSize) v.setUint32(p, v.getUint32(p) + extra.length);
  }
  return out;
}

describe("AVIF grids", () => {
  it("take their tiles from every dimg reference, for the limits too", () => {
    const crafted = withEmptyFirstTileRef(GRID);
    const { imageBytes, ...info } = inspectImage(crafted, SNIFF_LIMITS);
    expect(imageBytes).toBe(GRID.length + 12);
    expect({ ...info, imageBytes: GRID.length }).toEqual(inspectImage(GRID, SNIFF_LIMITS));
    expect(info.engineWeight).toBeGreaterThan(1);
  });
});

// The alpha image is checked like the colour image (every tile), and must be tiled like it: the
// engine decodes both a row of tiles at a time. Both fixtures are 256x192: grid-2x2's colour is
// 2 x 2 tiles of 128x96, grid-2x3-alpha's alpha 2 x 3 of 128x64.
describe("AVIF alpha grids", () => {
  const read = (name: string) => avifItems(new Uint8Array(readFileSync(new URL(`./fixtures/avif/${name}`, import.meta.url))));
  const isAlpha = (it: AvifItem) => it.props.some((p) => Buffer.from(p).includes("auxiliary:alpha"));
  /** grid-2x2's colour image with grid-2x3-alpha's alpha grid (its ids moved by 100), the alpha's tiles edited. */
  const mixed = (editTiles: (tiles: AvifItem[]) => AvifItem[] = (t) => t) => {
    const colour = read("grid-2x2.avif");
    const other = read("grid-2x3-alpha.avif");
    const alphaGrid = other.items.find(isAlpha)!;
    const tileIds = other.refs.find((r) => r.type === "dimg" && r.from === alphaGrid.id)!.to;
    const tiles = editTiles(tileIds.map((id) => ({ ...other.items.find((it) => it.id === id)!, id: id + 100 })));
    const items = [...colour.items, { ...alphaGrid, id: alphaGrid.id + 100 }, ...tiles];
    const refs = [...colour.refs, { type: "dimg", from: alphaGrid.id + 100, to: tileIds.map((id) => id + 100) }, { type: "auxl", from: alphaGrid.id + 100, to: [colour.primaryId] }];
    return buildAvif(colour.primaryId, items, refs);
  };

  it("are accepted when rebuilt as they were", () => {
    const own = read("grid-2x3-alpha.avif");
    expect(inspectImage(buildAvif(own.primaryId, own.items, own.refs), SNIFF_LIMITS)).toMatchObject({ width: 256, height: 192, hasAlpha: true });
  });

  it("are refused at upload when tiled differently from the colour image", () => {
    expect(() => inspectImage(mixed(), SNIFF_LIMITS)).toThrow(/AVIF alpha plane tiled differently from the colour image is not supported/);
    expect(codeOf(() => inspectImage(mixed(), SNIFF_LIMITS))).toBe("invalid_image");
  });

  it("have every tile checked, as the colour image's are", () => {
    const own = read("grid-2x3-alpha.avif");
    const alphaGrid = own.items.find(isAlpha)!;
    const lastTile = own.refs.find((r) => r.type === "dimg" && r.from === alphaGrid.id)!.to.at(-1)!;
    const ispe = Uint8Array.of(0, 0, 0, 20, ...Buffer.from("ispe"), 0, 0, 0, 0, 0, 0, 0, 128, 0, 0, 0, 32);
    const items = own.items.map((it) => (it.id === lastTile ? { ...it, props: it.props.map((p) => (Buffer.from(p).includes("ispe") ? ispe : p)) } : it));
    expect(() => inspectImage(buildAvif(own.primaryId, items, own.refs), SNIFF_LIMITS)).toThrow(/AVIF alpha plane: grid tiles differ in size/);
  });
});

describe("AVIF layers against their canvas", () => {
  const read = (name: string) => avifItems(new Uint8Array(readFileSync(new URL(`./fixtures/avif/${name}`, import.meta.url))));
  const ispeBox = (w: number, h: number) => Uint8Array.of(0, 0, 0, 20, ...Buffer.from("ispe"), 0, 0, 0, 0, (w >>> 24) & 255, (w >>> 16) & 255, (w >>> 8) & 255, w & 255, (h >>> 24) & 255, (h >>> 16) & 255, (h >>> 8) & 255, h & 255);
  const withIspe = (item: AvifItem, w: number, h: number): AvifItem => ({ ...item, props: item.props.map((p) => (Buffer.from(p).includes("ispe") ? ispeBox(w, h) : p)) });

  it("refuses a grid whose descriptor and ispe disagree, and tiles that do not cover the canvas", () => {
    const grid = read("grid-2x2.avif");
    const primary = grid.items.find((it) => it.id === grid.primaryId)!;
    const others = grid.items.filter((it) => it !== primary);
    const lying = buildAvif(grid.primaryId, [withIspe(primary, 256, 190), ...others], grid.refs);
    expect(() => inspectImage(lying, SNIFF_LIMITS)).toThrow("AVIF image: grid size does not match ispe");
    // Wider than the 2 x 128 px of tiles: the descriptor (16-bit output width at byte 4) and ispe agree.
    const data = Uint8Array.from(primary.data);
    data.set([1, 1], 4);
    const uncovered = buildAvif(grid.primaryId, [{ ...withIspe(primary, 257, 192), data }, ...others], grid.refs);
    expect(() => inspectImage(uncovered, SNIFF_LIMITS)).toThrow("AVIF image: grid tiles do not cover the image");
  });

  it("refuses an alpha plane of another size than the image", () => {
    const own = read("grid-2x3-alpha.avif");
    const alpha = own.items.find((it) => it.props.some((p) => Buffer.from(p).includes("auxiliary:alpha")))!;
    const items = own.items.map((it) => (it === alpha ? withIspe(it, 256, 190) : it));
    expect(() => inspectImage(buildAvif(own.primaryId, items, own.refs), SNIFF_LIMITS)).toThrow("AVIF alpha plane size differs from the image");
  });

  it("refuses an av1C that disagrees with the bitstream on monochrome", () => {
    const file = new Uint8Array(readFileSync(new URL("./fixtures/avif/bt709.avif", import.meta.url)));
    const at = Buffer.from(file).indexOf("av1C") + 4 + 2;
    const patched = Uint8Array.from(file);
    patched[at] = patched[at]! | 0x10;
    expect(() => inspectImage(patched, SNIFF_LIMITS)).toThrow("AVIF image: av1C and the AV1 sequence header disagree on monochrome");
  });
});
