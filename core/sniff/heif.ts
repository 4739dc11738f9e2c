import { fail, latin1, Reader } from "./bytes";
import { type Box, cString, fullBox, type ItemLocation, parseIloc, readBoxes } from "./bmff";

/** HEIF (ISO/IEC 23008-12) item structure of a `meta` box: what AVIF is built on. */

/** auxC types that make an auxiliary image the alpha plane of the image it refers to (auxl). */
export const ALPHA_URNS = new Set(["urn:mpeg:mpegB:cicp:systems:auxiliary:alpha", "urn:mpeg:hevc:2015:auxid:1"]);

export interface Item {
  id: number;
  type: string;
  props: Box[];
  essential: boolean[];
}

export interface Ref {
  type: string;
  from: number;
  to: number[];
}

export interface Located {
  start: number; // first extent (where an AV1 sequence header or grid descriptor starts)
  end: number;
  length: number; // all extents
  /** Every extent, resolved against the file (or the idat box) and bounds-checked. */
  ranges: [number, number][];
}

export interface HeifMeta {
  primaryId: number;
  items: Map<number, Item>;
  properties: Box[];
  refs: Ref[];
  locations: Map<number, ItemLocation>;
  /** Validated extents of an item (throws if it has none or they leave the file / idat). */
  locate(id: number): Located;
  /** File ranges used by items stored by offset (construction method 0). */
  used: [number, number][];
}

/** ftyp major + compatible brands (minor version skipped). */
export function ftypBrands(bytes: Uint8Array, box: Box): string[] {
  const out: string[] = [];
  for (let p = box.data; p + 4 <= box.end; p += 4) if (p !== box.data + 4) out.push(latin1(bytes, p, p + 4));
  return out;
}

export function prop(item: Item, type: string): Box | undefined {
  return item.props.find((p) => p.type === type);
}

export function readHeifMeta(bytes: Uint8Array, meta: Box): HeifMeta {
  const children = readBoxes(bytes, meta.data + 4, meta.end);
  const child = (t: string): Box | undefined => {
    const found = children.filter((b) => b.type === t);
    if (found.length > 1) fail(`duplicate HEIF ${t} box`);
    return found[0];
  };
  const hdlr = child("hdlr");
  if (!hdlr || latin1(bytes, hdlr.data + 8, hdlr.data + 12) !== "pict") fail("HEIF meta handler is not 'pict'");

  const pitmBox = child("pitm");
  if (!pitmBox) fail("HEIF file has no primary item");
  const pitm = fullBox(bytes, pitmBox);
  const primaryId = pitm.version ? pitm.r.u32be() : pitm.r.u16be();

  const items = new Map<number, Item>();
  const iinf = child("iinf");
  if (!iinf) fail("HEIF file has no item info");
  const ii = fullBox(bytes, iinf);
  const count = ii.version ? ii.r.u32be() : ii.r.u16be();
  const infes = readBoxes(bytes, ii.r.pos, iinf.end).filter((b) => b.type === "infe");
  if (infes.length !== count) fail("HEIF item count mismatch");
  for (const infe of infes) {
    const { r, version } = fullBox(bytes, infe);
    if (version < 2) fail("unsupported HEIF infe version");
    const id = version === 2 ? r.u16be() : r.u32be();
    r.skip(2);
    const type = r.ascii(4);
    cString(r);
    if (items.has(id)) fail("duplicate HEIF item");
    items.set(id, { id, type, props: [], essential: [] });
  }

  const iprp = child("iprp");
  if (!iprp) fail("HEIF file has no item properties");
  const iprpChildren = readBoxes(bytes, iprp.data, iprp.end);
  const ipco = iprpChildren.find((b) => b.type === "ipco");
  if (!ipco) fail("HEIF file has no property container");
  const properties = readBoxes(bytes, ipco.data, ipco.end);
  for (const ipma of iprpChildren.filter((b) => b.type === "ipma")) {
    const { r, version, flags } = fullBox(bytes, ipma);
    const wide = flags & 1;
    for (let e = r.u32be(); e > 0; e--) {
      const item = items.get(version < 1 ? r.u16be() : r.u32be());
      for (let n = r.u8(); n > 0; n--) {
        const v = wide ? r.u16be() : r.u8();
        const index = wide ? v & 0x7fff : v & 0x7f;
        if (index === 0) continue;
        const p = properties[index - 1];
        if (!p) fail("HEIF property index out of range");
        item?.props.push(p);
        item?.essential.push(v >> (wide ? 15 : 7) === 1);
      }
    }
  }

  const refs: Ref[] = [];
  const iref = child("iref");
  if (iref) {
    const { r, version } = fullBox(bytes, iref);
    for (const ref of readBoxes(bytes, r.pos, iref.end)) {
      const rr = new Reader(bytes, ref.data, ref.end);
      const id = (): number => (version ? rr.u32be() : rr.u16be());
      const from = id();
      const to: number[] = [];
      for (let n = rr.u16be(); n > 0; n--) to.push(id());
      refs.push({ type: ref.type, from, to });
    }
  }

  const ilocBox = child("iloc");
  const locations = ilocBox ? parseIloc(bytes, ilocBox) : new Map<number, ItemLocation>();
  const idat = child("idat");
  const used: [number, number][] = [];
  const locate = (id: number, record = false): Located => {
    const loc = locations.get(id);
    if (!loc || loc.extents.length === 0) fail("HEIF item has no data");
    let base = 0, limit = bytes.length;
    if (loc.method === 1) {
      if (!idat) fail("HEIF item refers to a missing idat box");
      base = idat.data;
      limit = idat.end;
    } else if (loc.method !== 0) fail("unsupported HEIF item construction method");
    let length = 0;
    const ranges: [number, number][] = [];
    for (const e of loc.extents) {
      const s = base + e.offset, len = e.length || limit - s; // length 0: to the end
      if (s < base || s > limit || len > limit - s) fail("HEIF item data lies outside the file");
      length += len;
      ranges.push([s, s + len]);
      if (record && loc.method === 0) used.push([s, s + len]);
    }
    const [start, end] = ranges[0] as [number, number];
    return { start, end, length, ranges };
  };
  // Every extent of every item must lie inside the file (or the idat box).
  for (const id of locations.keys()) locate(id, true);
  return { primaryId, items, properties, refs, locations, locate: (id) => locate(id), used };
}

/** Byte ranges of top-level boxes other than ftyp/meta, minus the mdat parts items point at. */
export function unreferenced(top: Box[], used: [number, number][]): [number, number][] {
  const out: [number, number][] = [];
  const sorted = [...used].sort((a, b) => a[0] - b[0]);
  for (const box of top) {
    if (box.type === "ftyp" || box.type === "meta") continue;
    let p = box.type === "mdat" ? box.data : box.start;
    for (const [s, e] of sorted) {
      if (e <= p || s >= box.end) continue;
      if (s > p) out.push([p, s]);
      p = Math.max(p, e);
    }
    if (p < box.end) out.push([p, box.end]);
  }
  return out;
}
