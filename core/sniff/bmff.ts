import { AppError } from "../errors";
import { fail, Reader, startsWith } from "./bytes";

/** An ISO-BMFF box: `start` of the header, `data` start of the payload, `end` exclusive. */
export interface Box {
  type: string;
  start: number;
  data: number;
  end: number;
}

/**
 * The boxes that exactly tile `bytes[start..end)`. A size that overruns the parent, or bytes left
 * over that do not form a box, make the file `invalid_image`. Size 0 ("to the end") is allowed.
 */
export function readBoxes(bytes: Uint8Array, start: number, end: number, maxBoxes = 100_000): Box[] {
  const r = new Reader(bytes, start, end);
  const out: Box[] = [];
  while (r.remaining > 0) {
    if (out.length >= maxBoxes) fail("too many boxes");
    const boxStart = r.pos;
    let size = r.u32be();
    const type = r.ascii(4);
    if (size === 1) size = r.u64be();
    else if (size === 0) size = end - boxStart;
    if (type === "uuid") r.skip(16);
    if (size < r.pos - boxStart || size > end - boxStart) fail(`invalid size of ISO-BMFF box ${JSON.stringify(type)}`);
    out.push({ type, start: boxStart, data: r.pos, end: boxStart + size });
    r.pos = boxStart + size;
  }
  return out;
}

/** Reader over a FullBox payload, positioned after version/flags. */
export function fullBox(bytes: Uint8Array, box: Box): { r: Reader; version: number; flags: number } {
  const r = new Reader(bytes, box.data, box.end);
  const version = r.u8();
  const flags = (r.u8() << 16) | r.u16be();
  return { r, version, flags };
}

/** Null-terminated UTF-8/ASCII string (only compared against ASCII constants). */
export function cString(r: Reader): string {
  let s = "";
  for (let b = r.u8(); b !== 0; b = r.u8()) if (s.length < 256) s += String.fromCharCode(b);
  return s;
}

export interface Extent {
  offset: number;
  length: number;
}

export interface ItemLocation {
  method: number; // 0 = file offset, 1 = offset into idat
  extents: Extent[];
}

/** iloc (ISO/IEC 14496-12 8.11.3), versions 0-2. */
export function parseIloc(bytes: Uint8Array, box: Box): Map<number, ItemLocation> {
  const { r, version } = fullBox(bytes, box);
  if (version > 2) fail("unsupported iloc version");
  const a = r.u8(), b = r.u8();
  const offsetSize = a >> 4, lengthSize = a & 15, baseSize = b >> 4, indexSize = version ? b & 15 : 0;
  for (const s of [offsetSize, lengthSize, baseSize, indexSize]) if (s !== 0 && s !== 4 && s !== 8) fail("invalid iloc field size");
  const count = version < 2 ? r.u16be() : r.u32be();
  const items = new Map<number, ItemLocation>();
  for (let i = 0; i < count; i++) {
    const id = version < 2 ? r.u16be() : r.u32be();
    const method = version ? r.u16be() & 15 : 0;
    if (r.u16be() !== 0) fail("AVIF item data in another file is not supported");
    const base = r.uintBE(baseSize);
    const n = r.u16be();
    const extents: Extent[] = [];
    for (let e = 0; e < n; e++) {
      r.uintBE(indexSize);
      const offset = base + r.uintBE(offsetSize);
      extents.push({ offset, length: r.uintBE(lengthSize) });
    }
    if (items.has(id)) fail("duplicate iloc item");
    items.set(id, { method, extents });
  }
  return items;
}

/**
 * True if `bytes[start..end)` is exactly a chain of ISO-BMFF boxes starting with ftyp (an MP4
 * such as a motion photo's video), with printable box types. Only the top-level boxes are
 * checked: players parse the rest.
 */
export function isBmffChain(bytes: Uint8Array, start: number, end: number): boolean {
  if (end > bytes.length || start + 8 > end || !startsWith(bytes, start + 4, "ftyp")) return false;
  try {
    return readBoxes(bytes, start, end).every((b) => /^[\x20-\x7e]{4}$/.test(b.type));
  } catch (err) {
    if (err instanceof AppError) return false;
    throw err;
  }
}
