import { fail, startsWith } from "./bytes";
import { av1SequenceInfo } from "./av1";
import { type Box, readBoxes } from "./bmff";
import { type AvifLayer, codedAv1C, ispe, readAvifLayout, tilesCover, av1Config } from "./avif-layout";
import { ftypBrands, type Item, prop, readHeifMeta, unreferenced } from "./heif";
import { avifPixelWeight } from "./avif-weight";
import { checkSize, MetaBudget } from "./limits";
import { assertNoActiveContent } from "./polyglot";
import type { Limits, Parsed } from "./types";

/** Brands that make an ISO-BMFF file an image we may decode as AVIF (codec checked per item). */
export const AVIF_BRANDS = new Set(["avif", "avis"]);
export const HEIF_GENERIC_BRANDS = new Set(["mif1", "mif2", "miaf", "msf1"]);
/** Properties a decoder must understand when marked essential; others make the item undecodable. */
const KNOWN_PROPERTIES = new Set(["ispe", "pixi", "av1C", "colr", "auxC", "irot", "imir", "clap", "pasp", "a1op", "lsel", "a1lx", "clli", "mdcv", "cclv", "amve"]);
/**
 * H.273 matrix coefficients the resize engine draws (avif-decode.c): identity (GBR), BT.709,
 * unspecified (as BT.601), FCC, BT.601, SMPTE 240M, YCgCo, BT.2020 and chromaticity-derived.
 */
const DRAWN_MATRICES = new Set([0, 1, 2, 4, 5, 6, 7, 8, 9, 12]);
const MATRIX_NAMES: Record<number, string> = {
  10: "BT.2020 constant-luminance", 11: "SMPTE ST 2085", 13: "chromaticity-derived constant-luminance", 14: "ICtCp", 15: "IPT-C2", 16: "YCgCo-Re", 17: "YCgCo-Ro",
};
/** EXIF orientation for (irot angle, imir axis) with irot applied first (MIAF 7.3.6.7). */
const ORIENT: Record<string, number> = {
  "0": 1, "0,1": 2, "0,0": 4, "1": 8, "1,0": 5, "1,1": 7, "2": 3, "2,0": 2, "2,1": 4, "3": 6, "3,0": 7, "3,1": 5,
};

export function parseAvif(bytes: Uint8Array, limits: Limits): Parsed {
  const top = readBoxes(bytes, 0, bytes.length);
  const ftyp = top[0];
  if (!ftyp || ftyp.type !== "ftyp") fail("not an ISO-BMFF image", "unsupported_media_type");
  // Image sequences (animated AVIF, brand 'avis' / a moov track) are refused as unsupported, as
  // libvips' AVIF loader does: their frames live in a video track we do not validate or decode.
  if (ftypBrands(bytes, ftyp)[0] === "avis" || top.some((b) => b.type === "moov")) {
    fail("animated AVIF (image sequences) is not supported", "unsupported_media_type");
  }
  const metas = top.filter((b) => b.type === "meta");
  if (metas.length !== 1) fail("AVIF needs exactly one meta box");
  const heif = readHeifMeta(bytes, metas[0] as Box);
  const { primaryId, items, refs, locate } = heif;

  // Size limits first, from the primary item's ispe, before any item data is looked at.
  const primary = items.get(primaryId);
  if (!primary) fail("AVIF primary item is missing");
  if (primary.type !== "av01" && primary.type !== "grid") {
    fail(`HEIF image with ${JSON.stringify(primary.type)} coding is not AVIF`, "unsupported_media_type");
  }
  const size = (item: Item, what: string): [number, number] => {
    const wh = ispe(bytes, item, what);
    checkSize(wh[0], wh[1], limits, what);
    return wh;
  };
  const [width, height] = size(primary, "AVIF image");

  const checkAv1 = (item: Item, w: number, h: number, what: string, colour: boolean): void => {
    const av1C = prop(item, "av1C");
    if (!av1C || av1C.end - av1C.data < 4 || bytes[av1C.data] !== 0x81) fail(`${what} has no valid av1C`);
    const data = locate(item.id);
    const seq = av1SequenceInfo(bytes, data.start, data.end) ?? av1SequenceInfo(bytes, av1C.data + 4, av1C.end);
    if (!seq) fail(`${what} has no AV1 sequence header`);
    // The bitstream may code frames up to this size whatever ispe says: limit it too, and an ispe
    // larger than anything the bitstream can code is a lying header.
    checkSize(seq.maxWidth, seq.maxHeight, limits, `${what} (AV1 sequence header)`);
    if (seq.maxWidth < w || seq.maxHeight < h) fail(`${what}: ispe does not match the AV1 bitstream`);
    const config = av1Config(bytes, av1C)!;
    // Decoders take the format from av1C or from the bitstream: both must say the same.
    if (config.mono !== seq.mono) fail(`${what}: av1C and the AV1 sequence header disagree on monochrome`);
    if (colour && !config.mono) {
      checkMatrix(nclx ? nclx.matrix : seq.matrix, nclx ? nclx.fullRange : seq.fullRange, config.subsampledX || config.subsampledY);
    }
  };
  /**
   * Matrix coefficients (the nclx box's, else the sequence header's) the decoder would draw in
   * wrong colours, refused as libavif 0.11 (which the decoder follows, as do browsers' libavif)
   * refuses them: YCgCo in limited range (H.273 range-adjusts its R, G, B, not Y, Cg, Co; no
   * encoder writes it), constant-luminance and ICtCp-style systems, and YCgCo-Re / YCgCo-Ro,
   * which 0.11 does not know (later versions draw them with an integer transform into RGB 2 or 1
   * bits shallower than the AV1 data). 4:0:0 has no matrix to apply.
   */
  const checkMatrix = (mc: number, full: boolean, subsampled: boolean): void => {
    if (mc === 8 && !full) fail("AVIF with limited-range YCgCo colour (matrix coefficients 8) is not supported", "unsupported_media_type");
    // Identity puts G, B and R in the three planes: halving two of them is not a picture.
    if (mc === 0 && subsampled) fail("AVIF with identity (GBR) colour and subsampled chroma is not supported", "unsupported_media_type");
    if (!DRAWN_MATRICES.has(mc)) {
      fail(`AVIF with ${MATRIX_NAMES[mc] ?? "reserved"} colour (matrix coefficients ${mc}) is not supported`, "unsupported_media_type");
    }
  };
  /** Checks a layer drawn on the width x height canvas; returns its tile size. */
  const checkLayer = (layer: AvifLayer, what: string, colour: boolean): [number, number] => {
    if (layer.output && (layer.output[0] !== width || layer.output[1] !== height)) fail(`${what}: grid size does not match ispe`);
    const tileWhat = layer.output ? `${what} grid tile` : what;
    let tw = 0, th = 0;
    for (const tile of layer.tiles) {
      const [w, h] = size(tile, tileWhat);
      if ((tw && w !== tw) || (th && h !== th)) fail(`${what}: grid tiles differ in size`);
      [tw, th] = [w, h];
      checkAv1(tile, w, h, tileWhat, colour);
    }
    if (!tilesCover(layer, tw, th, width, height)) fail(`${what}: grid tiles do not cover the image`);
    return [tw, th];
  };

  const layout = readAvifLayout(bytes, heif);
  const { nclx } = layout;
  const [tileW, tileH] = checkLayer(layout.colour, "AVIF image", true);
  for (const alpha of layout.alphas) {
    const [w, h] = size(alpha.item, "AVIF alpha plane");
    if (w !== width || h !== height) fail("AVIF alpha plane size differs from the image");
    const [aw, ah] = checkLayer(alpha, "AVIF alpha plane", false);
    // The engine decodes colour and alpha a row of tiles at a time, side by side.
    if (alpha.rows !== layout.colour.rows || alpha.cols !== layout.colour.cols || aw !== tileW || ah !== tileH) {
      fail("AVIF alpha plane tiled differently from the colour image is not supported");
    }
  }

  const budget = new MetaBudget(limits);
  for (const item of items.values()) {
    item.props.forEach((p, i) => {
      if (item.essential[i] && !KNOWN_PROPERTIES.has(p.type)) fail(`AVIF uses unsupported essential property ${p.type}`);
    });
    // Exif, XMP ('mime') and any other non-image item with data is metadata, counted as stored.
    if (item.type !== "av01" && item.type !== "grid" && heif.locations.has(item.id)) {
      const data = locate(item.id);
      budget.add(data.length);
      if (item.type === "mime") assertNoActiveContent(bytes, data.start, data.end, "AVIF XMP item");
    }
  }
  // Bytes no item points at (free/skip/unknown top-level boxes, unreferenced parts of mdat) are
  // opaque payload: counted as metadata and scanned for polyglot content.
  for (const [start, end] of unreferenced(top, heif.used)) {
    budget.add(end - start);
    assertNoActiveContent(bytes, start, end, "unreferenced AVIF data", true);
  }
  // ICC profiles: colr boxes of type 'prof' / 'rICC'.
  for (const p of heif.properties) {
    if (p.type === "colr" && (startsWith(bytes, p.data, "prof") || startsWith(bytes, p.data, "rICC"))) budget.add(p.end - p.data - 4);
  }

  let bitDepth = 8;
  const pixi = prop(primary, "pixi");
  const av1C = codedAv1C(layout.colour);
  if (pixi && pixi.end - pixi.data > 5) bitDepth = bytes[pixi.data + 5] as number;
  else bitDepth = av1Config(bytes, av1C)?.bitDepth ?? 8;

  // Orientation comes from the irot/imir transforms, which every AVIF decoder and browser applies.
  // An Exif orientation inside an AVIF is ignored by them (HEIF/MIAF make irot/imir normative), so
  // honouring it here would rotate pictures that display upright everywhere else.
  const irot = prop(primary, "irot");
  const imir = prop(primary, "imir");
  const angle = irot ? (bytes[irot.data] as number) & 3 : 0;
  const key = imir ? `${angle},${(bytes[imir.data] as number) & 1}` : `${angle}`;
  return {
    width, height, frames: 1, orientation: ORIENT[key] ?? 1, hasAlpha: layout.alphas.length > 0, progressive: false,
    metadataBytes: budget.total, bitDepth,
    engineWeight: avifPixelWeight(bytes, width, height, av1C, layout.alphas[0] ? codedAv1C(layout.alphas[0]) : null),
  };
}
