/** AVIF files re-laid-out from the fixtures, for the container readers' tests. */
import { type Box, parseIloc, readBoxes } from "../../core/sniff/bmff";
import { readHeifMeta } from "../../core/sniff/heif";
import { cat, enc, u16be, u32be } from "./sniff-helpers";

const box = (type: string, ...payload: ArrayLike<number>[]): Uint8Array => {
  const body = cat(...payload);
  return cat(u32be(8 + body.length), enc(type), body);
};

/**
 * The same AVIF with the data of item `id` split in two extents (which must start at the item's
 * first byte) and stored in the other order in mdat, the first half last: so only a reader that
 * joins the extents in iloc order gets the item back. With `toEnd`, the first extent's length is
 * written as 0 ("to the end of the file"), which it is. Every other item keeps one extent; the new
 * iloc (version 1, 4-byte fields, no base offset) keeps their construction method, and idat is
 * copied as it was.
 */
export function withSplitItem(file: Uint8Array, id: number, toEnd: boolean): Uint8Array {
  const top = readBoxes(file, 0, file.length);
  const [ftyp, meta] = [top.find((b) => b.type === "ftyp")!, top.find((b) => b.type === "meta")!];
  const children = readBoxes(file, meta.data + 4, meta.end);
  const ilocBox = children.find((b) => b.type === "iloc")!;
  const locations = parseIloc(file, ilocBox);
  const raw = (b: Box) => file.subarray(b.start, b.end);

  // mdat: the other method-0 items in order, then the split item's second half, then its first.
  const chunks: { id: number; bytes: Uint8Array }[] = [];
  let first: Uint8Array | undefined, second: Uint8Array | undefined;
  for (const [itemId, loc] of locations) {
    if (loc.method !== 0) continue;
    const bytes = cat(...loc.extents.map((e) => file.subarray(e.offset, e.offset + e.length)));
    if (itemId !== id) chunks.push({ id: itemId, bytes });
    else [first, second] = [bytes.subarray(0, bytes.length >> 1), bytes.subarray(bytes.length >> 1)];
  }
  if (!first || !second) throw new Error(`item ${id} is not stored in mdat`);

  const extentCount = (itemId: number) => (locations.get(itemId)!.method !== 0 ? locations.get(itemId)!.extents.length : itemId === id ? 2 : 1);
  const ilocSize = 16 + [...locations.keys()].reduce((n, itemId) => n + 8 + 8 * extentCount(itemId), 0);
  const kept = children.filter((b) => b.type !== "iloc");
  const metaSize = 12 + kept.reduce((n, b) => n + b.end - b.start, 0) + ilocSize;
  let at = ftyp.end - ftyp.start + metaSize + 8;
  const extents = new Map<number, [number, number][]>();
  for (const c of chunks) {
    extents.set(c.id, [[at, c.bytes.length]]);
    at += c.bytes.length;
  }
  extents.set(id, [[at + second.length, toEnd ? 0 : first.length], [at, second.length]]);

  const entries = [...locations].map(([itemId, loc]) => {
    const list = loc.method === 0 ? extents.get(itemId)! : loc.extents.map((e) => [e.offset, e.length] as [number, number]);
    return cat(u16be(itemId), u16be(loc.method), u16be(0), u16be(list.length), ...list.map(([o, l]) => cat(u32be(o), u32be(l))));
  });
  const iloc = box("iloc", [1, 0, 0, 0, 0x44, 0x00], u16be(locations.size), ...entries);
  const out = cat(raw(ftyp), box("meta", [0, 0, 0, 0], ...kept.map(raw), iloc), box("mdat", ...chunks.map((c) => c.bytes), second, first));
  if (out.length !== at + second.length + first.length) throw new Error("layout mismatch");
  return out;
}

export interface AvifItem {
  id: number;
  type: string;
  /** Its property boxes, whole. */
  props: Uint8Array[];
  data: Uint8Array;
}
export interface AvifRef {
  type: string;
  from: number;
  to: number[];
}

/** An AVIF's items, with their property boxes and data (extents joined), and its item references. */
export function avifItems(file: Uint8Array): { primaryId: number; items: AvifItem[]; refs: AvifRef[] } {
  const meta = readBoxes(file, 0, file.length).find((b) => b.type === "meta")!;
  const heif = readHeifMeta(file, meta);
  const items = [...heif.items.values()].map((item) => ({
    id: item.id,
    type: item.type,
    props: item.props.map((p) => file.subarray(p.start, p.end)),
    data: cat(...heif.locate(item.id).ranges.map(([s, e]) => file.subarray(s, e))),
  }));
  return { primaryId: heif.primaryId, items, refs: heif.refs };
}

/** An AVIF of these items (identical property boxes shared), each stored in one extent of mdat. */
export function buildAvif(primaryId: number, items: AvifItem[], refs: AvifRef[]): Uint8Array {
  const ftyp = box("ftyp", enc("avif"), u32be(0), enc("avifmif1miaf"));
  const props: Uint8Array[] = [];
  const indexOf = (p: Uint8Array) => {
    let i = props.findIndex((q) => q.length === p.length && q.every((v, k) => v === p[k]));
    if (i < 0) i = props.push(p) - 1;
    return i + 1;
  };
  const ipma = box("ipma", [0, 0, 0, 0], u32be(items.length), ...items.map((it) => cat(u16be(it.id), [it.props.length], it.props.map(indexOf))));
  const iprp = box("iprp", box("ipco", ...props), ipma);
  const iinf = box("iinf", [0, 0, 0, 0], u16be(items.length), ...items.map((it) => box("infe", [2, 0, 0, 0], u16be(it.id), u16be(0), enc(it.type), [0])));
  const iref = box("iref", [0, 0, 0, 0], ...refs.map((r) => box(r.type, u16be(r.from), u16be(r.to.length), ...r.to.map(u16be))));
  const head = (offsets: number[]) => {
    const iloc = box("iloc", [0, 0, 0, 0], [0x44, 0x00], u16be(items.length), ...items.map((it, i) => cat(u16be(it.id), u16be(0), u16be(1), u32be(offsets[i]!), u32be(it.data.length))));
    const hdlr = box("hdlr", [0, 0, 0, 0], u32be(0), enc("pict"), new Uint8Array(12), [0]);
    return cat(ftyp, box("meta", [0, 0, 0, 0], hdlr, box("pitm", [0, 0, 0, 0], u16be(primaryId)), iloc, iinf, iref, iprp));
  };
  let at = head(items.map(() => 0)).length + 8;
  const offsets = items.map((it) => (at += it.data.length) - it.data.length);
  return cat(head(offsets), box("mdat", ...items.map((it) => it.data)));
}
