import { fail, Reader, startsWith } from "./bytes";
import { av1SequenceInfo } from "./av1";
import { type Box, cString, fullBox, readBoxes } from "./bmff";
import { ALPHA_URNS, ftypBrands, type Item, prop, readHeifMeta, unreferenced } from "./heif";
import { avifPixelWeight } from "./avif-weight";
import { checkSize, MetaBudget } from "./limits";
import { assertNoActiveContent } from "./polyglot";
import type { Limits, Parsed } from "./types";

/** Brands that make an ISO-BMFF file an image we may decode as AVIF (codec checked per item). */
export const AVIF_BRANDS = new Set(["avif", "avis"]);
export const HEIF_GENERIC_BRANDS = new Set(["mif1", "mif2", "miaf", "msf1"]);
/** Properties a decoder must understand when marked essential; others make the item undecodable. */
const KNOWN_PROPERTIES = new Set(["ispe", "pixi", "av1C", "colr", "auxC", "irot", "imir", "clap", "pasp", "a1op", "lsel", "a1lx", "clli", "mdcv", "cclv", "amve"]);
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
    const ispe = prop(item, "ispe");
    if (!ispe) fail(`${what} has no ispe property`);
    const { r } = fullBox(bytes, ispe);
    const wh: [number, number] = [r.u32be(), r.u32be()];
    checkSize(wh[0], wh[1], limits, what);
    return wh;
  };
  const [width, height] = size(primary, "AVIF image");

  // A grid's tiles, in order, over all of its dimg references.
  const tilesOf = (item: Item): number[] => refs.filter((r) => r.type === "dimg" && r.from === item.id).flatMap((r) => r.to);
  // The av1C a decoder meets for an item: its own, or its first tile's for a grid.
  const codedAv1C = (item: Item): Box | undefined => {
    const coded = item.type === "grid" ? items.get(tilesOf(item)[0] ?? -1) : item;
    return coded ? prop(coded, "av1C") : undefined;
  };
  const checkAv1 = (item: Item, w: number, h: number, what: string): void => {
    const av1C = prop(item, "av1C");
    if (!av1C || av1C.end - av1C.data < 4 || bytes[av1C.data] !== 0x81) fail(`${what} has no valid av1C`);
    const data = locate(item.id);
    const seq = av1SequenceInfo(bytes, data.start, data.end) ?? av1SequenceInfo(bytes, av1C.data + 4, av1C.end);
    if (!seq) fail(`${what} has no AV1 sequence header`);
    // The bitstream may code frames up to this size whatever ispe says: limit it too, and an ispe
    // larger than anything the bitstream can code is a lying header.
    checkSize(seq.maxWidth, seq.maxHeight, limits, `${what} (AV1 sequence header)`);
    if (seq.maxWidth < w || seq.maxHeight < h) fail(`${what}: ispe does not match the AV1 bitstream`);
  };

  if (primary.type === "av01") {
    checkAv1(primary, width, height, "AVIF image");
  } else {
    const data = locate(primaryId);
    const g = new Reader(bytes, data.start, data.end);
    if (g.u8() !== 0) fail("unsupported AVIF grid version");
    const wide = g.u8() & 1;
    const rows = g.u8() + 1, cols = g.u8() + 1;
    const ow = wide ? g.u32be() : g.u16be(), oh = wide ? g.u32be() : g.u16be();
    if (ow !== width || oh !== height) fail("AVIF grid size does not match ispe");
    const tiles = tilesOf(primary);
    if (tiles.length !== rows * cols) fail("AVIF grid tile count mismatch");
    let tw = 0, th = 0;
    for (const t of tiles) {
      const tile = items.get(t);
      if (!tile || tile.type !== "av01") fail("AVIF grid tile is not an AV1 image");
      const [w, h] = size(tile, "AVIF grid tile");
      if ((tw && w !== tw) || (th && h !== th)) fail("AVIF grid tiles differ in size");
      [tw, th] = [w, h];
      checkAv1(tile, w, h, "AVIF grid tile");
    }
    // Same rule as libavif: the tiles cover the image, and only the last row/column overhangs.
    if (tw * cols < width || th * rows < height || (cols - 1) * tw >= width || (rows - 1) * th >= height) {
      fail("AVIF grid tiles do not cover the image");
    }
  }

  const budget = new MetaBudget(limits);
  let hasAlpha = false;
  const alphaAv1C: (Box | undefined)[] = [];
  for (const item of items.values()) {
    item.props.forEach((p, i) => {
      if (item.essential[i] && !KNOWN_PROPERTIES.has(p.type)) fail(`AVIF uses unsupported essential property ${p.type}`);
    });
    const auxC = prop(item, "auxC");
    const isAlpha = auxC !== undefined && ALPHA_URNS.has(cString(fullBox(bytes, auxC).r));
    if (isAlpha && refs.some((r) => r.type === "auxl" && r.from === item.id && r.to.includes(primaryId))) {
      hasAlpha = true;
      alphaAv1C.push(codedAv1C(item));
      const [w, h] = size(item, "AVIF alpha plane");
      if (w !== width || h !== height) fail("AVIF alpha plane size differs from the image");
      if (item.type === "av01") checkAv1(item, w, h, "AVIF alpha plane");
    }
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
  const av1C = prop(primary, "av1C");
  if (pixi && pixi.end - pixi.data > 5) bitDepth = bytes[pixi.data + 5] as number;
  else if (av1C) bitDepth = (bytes[av1C.data + 2] as number) & 0x40 ? ((bytes[av1C.data + 2] as number) & 0x20 ? 12 : 10) : 8;

  // Orientation comes from the irot/imir transforms, which every AVIF decoder and browser applies.
  // An Exif orientation inside an AVIF is ignored by them (HEIF/MIAF make irot/imir normative), so
  // honouring it here would rotate pictures that display upright everywhere else.
  const irot = prop(primary, "irot");
  const imir = prop(primary, "imir");
  const angle = irot ? (bytes[irot.data] as number) & 3 : 0;
  const key = imir ? `${angle},${(bytes[imir.data] as number) & 1}` : `${angle}`;
  return {
    width, height, frames: 1, orientation: ORIENT[key] ?? 1, hasAlpha, progressive: false,
    metadataBytes: budget.total, bitDepth,
    engineWeight: avifPixelWeight(bytes, width, height, codedAv1C(primary), alphaAv1C),
  };
}
