import { fullBox, readBoxes, cString, type Box } from "../../../core/sniff/bmff";
import { ALPHA_URNS, prop, readHeifMeta, type Item } from "../../../core/sniff/heif";
import { PipelineError } from "./errors";

/** One AV1-coded picture as a grid of tiles (1 x 1 for a plain image), in row-major order. */
export interface AvifLayer {
  rows: number;
  cols: number;
  /** Each tile's AV1 OBUs (all iloc extents, concatenated). */
  tiles: Uint8Array[];
  /** Tile size from ispe (every tile of a grid has the same). */
  tileWidth: number;
  tileHeight: number;
}

export interface AvifPlan {
  width: number;
  height: number;
  colour: AvifLayer;
  alpha?: AvifLayer;
  /** nclx matrix coefficients, colour primaries and full-range flag, or -1: take the AV1 sequence header's. */
  matrix: number;
  primaries: number;
  fullRange: number;
}

function failure(message: string): never {
  throw new PipelineError(`AVIF: ${message}`);
}

/**
 * What the engine needs to draw an AVIF's primary image (the upload validator, core/sniff/avif.ts,
 * has already checked the structure and sizes; this re-reads it for the data): the colour layer,
 * the alpha auxiliary layer if one refers to the primary item, and the nclx colour description.
 * irot/imir are not applied here: the validator turned them into the EXIF orientation the
 * pipeline applies after resizing.
 */
export function avifPlan(bytes: Uint8Array): AvifPlan {
  try {
    return plan(bytes);
  } catch (err) {
    // The validator's parsers (core/sniff) throw AppError: here the input is undecodable.
    if (err instanceof PipelineError) throw err;
    throw new PipelineError(`AVIF: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
}

function plan(bytes: Uint8Array): AvifPlan {
  const meta = readBoxes(bytes, 0, bytes.length).find((b) => b.type === "meta") ?? failure("no meta box");
  const heif = readHeifMeta(bytes, meta);
  const { items, refs, primaryId } = heif;
  const primary = items.get(primaryId) ?? failure("no primary item");

  const itemBytes = (id: number): Uint8Array => {
    const parts = heif.locate(id).ranges.map(([start, end]) => bytes.subarray(start, end)); // bounds-checked
    if (parts.length === 1) return parts[0]!;
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  };
  const ispe = (item: Item): [number, number] => {
    const box = prop(item, "ispe") ?? failure("an image has no ispe");
    const { r } = fullBox(bytes, box);
    return [r.u32be(), r.u32be()];
  };
  const layer = (item: Item): AvifLayer => {
    if (item.type === "av01") {
      const [w, h] = ispe(item);
      return { rows: 1, cols: 1, tiles: [itemBytes(item.id)], tileWidth: w, tileHeight: h };
    }
    if (item.type !== "grid") failure(`the image is coded as ${JSON.stringify(item.type)}`);
    const g = itemBytes(item.id);
    if (g.length < 8 || g[0] !== 0) failure("unsupported grid");
    const rows = g[2]! + 1, cols = g[3]! + 1;
    const ids = refs.filter((r) => r.type === "dimg" && r.from === item.id).flatMap((r) => r.to);
    if (ids.length !== rows * cols) failure("grid tile count mismatch");
    const tiles = ids.map((id) => items.get(id) ?? failure("missing grid tile"));
    if (tiles.some((t) => t.type !== "av01")) failure("grid tile is not an AV1 image");
    const [tileWidth, tileHeight] = ispe(tiles[0]!);
    return { rows, cols, tiles: tiles.map((t) => itemBytes(t.id)), tileWidth, tileHeight };
  };

  const [width, height] = ispe(primary);
  const colour = layer(primary);
  let alpha: AvifLayer | undefined;
  for (const item of items.values()) {
    const auxC = prop(item, "auxC");
    if (!auxC || !ALPHA_URNS.has(cString(fullBox(bytes, auxC).r))) continue;
    if (refs.some((r) => r.type === "auxl" && r.from === item.id && r.to.includes(primaryId))) alpha = layer(item);
  }

  const firstTile = primary.type === "grid" ? items.get(refs.find((r) => r.type === "dimg" && r.from === primaryId)?.to[0] ?? -1) : undefined;
  const nclx = [primary, firstTile].flatMap((item) => (item ? item.props.filter((p) => isNclx(bytes, p)) : []))[0];
  const primaries = nclx ? (bytes[nclx.data + 4]! << 8) | bytes[nclx.data + 5]! : -1;
  const matrix = nclx ? (bytes[nclx.data + 8]! << 8) | bytes[nclx.data + 9]! : -1;
  const fullRange = nclx ? bytes[nclx.data + 10]! >> 7 : -1;
  return { width, height, colour, alpha, matrix, primaries, fullRange };
}

function isNclx(bytes: Uint8Array, p: Box): boolean {
  return p.type === "colr" && p.end - p.data >= 11 && String.fromCharCode(...bytes.subarray(p.data, p.data + 4)) === "nclx";
}
