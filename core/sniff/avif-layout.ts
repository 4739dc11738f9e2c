import { fail, Reader, startsWith } from "./bytes";
import { type Box, cString, fullBox } from "./bmff";
import { ALPHA_URNS, type HeifMeta, type Item, prop } from "./heif";

/**
 * Which items make up an AVIF's primary image, read once for the upload validator (avif.ts), the
 * engine weight and the resize Worker's decoder, so that all three see the same tiles, alpha image
 * and colour description.
 */

/** One coded picture: an av01 item (1 x 1, the item is its own tile), or a grid and its av01 tiles. */
export interface AvifLayer {
  item: Item;
  rows: number;
  cols: number;
  /** The AV1 images, row-major: every dimg reference of a grid, in order. */
  tiles: Item[];
  /** A grid's output size from its descriptor (ispe must agree); null for an av01 item. */
  output: [number, number] | null;
}

export interface AvifLayout {
  colour: AvifLayer;
  /** Every auxiliary alpha image of the primary item; decoders draw the first, as libavif does. */
  alphas: AvifLayer[];
  /** The colour description decoders apply (`colr` 'nclx' of the primary item, else of its first tile). */
  nclx?: Nclx;
  /** The ICC profile's bytes (`colr` of type 'prof' or 'rICC'), found the same way. */
  icc?: [number, number];
}

/** An item's ispe: the size its AV1 frames (or the grid's canvas) must have. */
export function ispe(bytes: Uint8Array, item: Item, what: string): [number, number] {
  const box = prop(item, "ispe");
  if (!box) fail(`${what} has no ispe property`);
  const { r } = fullBox(bytes, box);
  return [r.u32be(), r.u32be()];
}

/** libavif's rule for a grid: the tiles cover the canvas and only the last row and column overhang it. */
export function tilesCover(layer: { rows: number; cols: number }, tileW: number, tileH: number, width: number, height: number): boolean {
  const { rows, cols } = layer;
  return tileW >= 1 && tileH >= 1 && tileW * cols >= width && tileH * rows >= height && (cols - 1) * tileW < width && (rows - 1) * tileH < height;
}

/** The av1C a decoder meets for a layer: its first AV1 image's. */
export function codedAv1C(layer: AvifLayer): Box | undefined {
  return layer.tiles[0] && prop(layer.tiles[0], "av1C");
}

/** H.273 code points of an `nclx` colr box. */
export interface Nclx {
  primaries: number;
  transfer: number;
  matrix: number;
  fullRange: boolean;
}

/** The coded image's format, from av1C's third byte (AV1-ISOBMFF 2.3.3); absent when av1C is too short. */
export interface Av1Config {
  bitDepth: 8 | 10 | 12;
  /** mono_chrome: the decoded grey fills R, G and B, and an ICC profile must be a grey one. */
  mono: boolean;
  subsampledX: boolean;
  subsampledY: boolean;
}

export function av1Config(bytes: Uint8Array, av1C: Box | undefined): Av1Config | undefined {
  if (!av1C || av1C.end - av1C.data < 4) return undefined;
  const b = bytes[av1C.data + 2] as number;
  return { bitDepth: b & 0x40 ? (b & 0x20 ? 12 : 10) : 8, mono: (b & 0x10) !== 0, subsampledX: (b & 0x08) !== 0, subsampledY: (b & 0x04) !== 0 };
}

function avifLayer(bytes: Uint8Array, heif: HeifMeta, item: Item, what: string): AvifLayer {
  if (item.type === "av01") return { item, rows: 1, cols: 1, tiles: [item], output: null };
  if (item.type !== "grid") fail(`${what} is coded as ${JSON.stringify(item.type)}, not AV1`);
  const data = heif.locate(item.id);
  const g = new Reader(bytes, data.start, data.end);
  if (g.u8() !== 0) fail(`${what}: unsupported grid version`);
  const wide = g.u8() & 1;
  const rows = g.u8() + 1, cols = g.u8() + 1;
  const output: [number, number] = wide ? [g.u32be(), g.u32be()] : [g.u16be(), g.u16be()];
  const ids = heif.refs.filter((r) => r.type === "dimg" && r.from === item.id).flatMap((r) => r.to);
  if (ids.length !== rows * cols) fail(`${what}: grid tile count mismatch`);
  const tiles = ids.map((id) => heif.items.get(id) ?? fail(`${what}: a grid tile is missing`));
  if (tiles.some((t) => t.type !== "av01")) fail(`${what}: a grid tile is not an AV1 image`);
  return { item, rows, cols, tiles, output };
}

export function readAvifLayout(bytes: Uint8Array, heif: HeifMeta): AvifLayout {
  const { items, refs, primaryId } = heif;
  const primary = items.get(primaryId);
  if (!primary) fail("AVIF primary item is missing");
  const colour = avifLayer(bytes, heif, primary, "AVIF image");
  const alphas: AvifLayer[] = [];
  for (const item of items.values()) {
    const auxC = prop(item, "auxC");
    if (!auxC || !ALPHA_URNS.has(cString(fullBox(bytes, auxC).r))) continue;
    if (refs.some((r) => r.type === "auxl" && r.from === item.id && r.to.includes(primaryId))) alphas.push(avifLayer(bytes, heif, item, "AVIF alpha image"));
  }
  const colrs = [primary, colour.tiles[0]].flatMap((item) => item?.props.filter((p) => p.type === "colr") ?? []);
  const box = colrs.find((p) => p.end - p.data >= 11 && startsWith(bytes, p.data, "nclx"));
  const prof = colrs.find((p) => p.end - p.data >= 4 && (startsWith(bytes, p.data, "prof") || startsWith(bytes, p.data, "rICC")));
  let nclx: Nclx | undefined;
  if (box) {
    const r = new Reader(bytes, box.data + 4, box.end);
    nclx = { primaries: r.u16be(), transfer: r.u16be(), matrix: r.u16be(), fullRange: r.u8() >> 7 === 1 };
  }
  return { colour, alphas, nclx, icc: prof && [prof.data + 4, prof.end] };
}
