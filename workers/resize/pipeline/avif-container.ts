import { readBoxes } from "../../../core/sniff/bmff";
import { concatBytes } from "../../../core/sniff/bytes";
import { type AvifLayer as LayerItems, av1Config, codedAv1C, ispe, readAvifLayout } from "../../../core/sniff/avif-layout";
import { readHeifMeta } from "../../../core/sniff/heif";
import type { ProfileKind } from "./colour";
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
  /** nclx transfer characteristics, or -1. */
  transfer: number;
  /** The embedded ICC profile; a grey one goes with monochrome AV1, whose decoded grey fills R, G and B. */
  profile: { icc: Uint8Array; kind: ProfileKind } | null;
}

/**
 * What the engine needs to draw an AVIF's primary image, from the same layout the upload validator
 * (core/sniff/avif.ts) checked: the colour layer, the first alpha auxiliary image of the primary
 * item, and the colour description. irot/imir are not applied here: the validator turned them into
 * the EXIF orientation the pipeline applies after resizing.
 */
export function avifPlan(bytes: Uint8Array): AvifPlan {
  try {
    return plan(bytes);
  } catch (err) {
    // The validator's parsers (core/sniff) throw AppError: here the input is undecodable.
    if (err instanceof PipelineError) throw err;
    const message = err instanceof Error ? err.message : String(err);
    throw new PipelineError(message.startsWith("AVIF") ? message : `AVIF: ${message}`, { cause: err });
  }
}

function plan(bytes: Uint8Array): AvifPlan {
  const meta = readBoxes(bytes, 0, bytes.length).find((b) => b.type === "meta");
  if (!meta) throw new PipelineError("AVIF: no meta box");
  const heif = readHeifMeta(bytes, meta);
  const layout = readAvifLayout(bytes, heif);

  // Every extent, bounds-checked by locate, joined in iloc order.
  const itemBytes = (id: number): Uint8Array => concatBytes(heif.locate(id).ranges.map(([start, end]) => bytes.subarray(start, end)));
  const layer = (items: LayerItems): AvifLayer => {
    const [tileWidth, tileHeight] = ispe(bytes, items.tiles[0]!, "an AV1 image");
    return { rows: items.rows, cols: items.cols, tiles: items.tiles.map((t) => itemBytes(t.id)), tileWidth, tileHeight };
  };

  const [width, height] = ispe(bytes, layout.colour.item, "the image");
  const { nclx, icc } = layout;
  const mono = av1Config(bytes, codedAv1C(layout.colour))?.mono ?? false;
  return {
    width,
    height,
    colour: layer(layout.colour),
    alpha: layout.alphas[0] && layer(layout.alphas[0]),
    primaries: nclx?.primaries ?? -1,
    transfer: nclx?.transfer ?? -1,
    matrix: nclx?.matrix ?? -1,
    fullRange: nclx ? Number(nclx.fullRange) : -1,
    profile: icc ? { icc: bytes.subarray(icc[0], icc[1]), kind: mono ? "grey" : "rgb" } : null,
  };
}
