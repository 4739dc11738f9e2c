import { fail, Reader, startsWith } from "./bytes";
import type { MetaBudget } from "./limits";
import { assertNoActiveContent } from "./polyglot";

/**
 * Samsung "SEF" trailer, which Galaxy cameras append after a JPEG's EOI (motion-photo video,
 * capture time, portrait depth maps, editor data). It is read from the end of the file, as its
 * readers (Samsung Gallery, ExifTool) do:
 *
 *   block*  directory  u32le dirLength  "SEFT"
 *   block     = 00 00 | u16le type | u32le nameLength | name | payload
 *   directory = "SEFH" | u32le version | u32le count | count x (00 00 | u16le type | u32le back | u32le size)
 *
 * where `back` is a block's distance from the directory's start back to the block's first byte.
 * Only the directory says where blocks are, so a payload can hide anything: every byte of the
 * trailer is accounted for and checked, none is skipped because the directory says it is "data".
 */

/** Samsung writes the directory's length as 32 bits but it has never been 64 KiB (ExifTool: "\0\0SEFT"). */
const MAX_DIRECTORY = 0xffff;
const MAX_NAME = 256;
/** Bytes between blocks that no entry covers (a stale directory from an earlier save): opaque. */
const MAX_UNCOVERED = 64 * 1024;

export interface SefBlock {
  type: number;
  name: string;
  /** File offsets: block header, payload, end (exclusive). */
  start: number;
  data: number;
  end: number;
}

export interface SefTrailer {
  /** First byte of the first block (of the directory if there is none). */
  start: number;
  /** Offset of "SEFH". */
  directory: number;
  /** In file order, without duplicate entries. */
  blocks: SefBlock[];
}

function readBlock(bytes: Uint8Array, start: number, end: number, marker: number): SefBlock {
  const r = new Reader(bytes, start, end);
  if (r.u32le() !== marker) fail("Samsung trailer block does not match its directory entry");
  const n = r.u32le();
  if (n > MAX_NAME || n > r.remaining) fail("invalid Samsung trailer block name");
  const name = r.ascii(n);
  if (!/^[\x20-\x7e]*$/.test(name)) fail("Samsung trailer block name is not printable ASCII");
  return { type: marker >>> 16, name, start, data: r.pos, end };
}

/**
 * The SEF trailer that ends the file, with every entry inside `bytes[from..directory)`, or null
 * when the file does not end in "SEFT". Throws `invalid_image` for anything inconsistent (a file
 * that ends in "SEFT" claims to be one).
 */
export function readSef(bytes: Uint8Array, from: number): SefTrailer | null {
  if (bytes.length - from < 8 || !startsWith(bytes, bytes.length - 4, "SEFT")) return null;
  const dirLength = new Reader(bytes, bytes.length - 8).u32le();
  const directory = bytes.length - 8 - dirLength;
  if (dirLength < 12 || dirLength > MAX_DIRECTORY || directory < from || !startsWith(bytes, directory, "SEFH")) {
    fail("invalid Samsung trailer directory");
  }
  const r = new Reader(bytes, directory + 8, bytes.length - 8);
  const count = r.u32le();
  if (count > (dirLength - 12) / 12) fail("Samsung trailer directory has more entries than fit in it");
  const ranges: { start: number; end: number; marker: number }[] = [];
  for (let i = 0; i < count; i++) {
    const marker = r.u32le(), back = r.u32le(), size = r.u32le();
    if (marker & 0xffff) fail("invalid Samsung trailer entry");
    if (size < 8 || size > back || back > directory - from) {
      fail("Samsung trailer entry points outside the trailer");
    }
    ranges.push({ start: directory - back, end: directory - back + size, marker });
  }
  ranges.sort((a, b) => a.start - b.start || a.end - b.end);
  const blocks: SefBlock[] = [];
  for (const e of ranges) {
    const prev = blocks[blocks.length - 1];
    if (prev && prev.start === e.start && prev.end === e.end && prev.type === e.marker >>> 16) continue;
    if (prev && e.start < prev.end) fail("Samsung trailer blocks overlap");
    blocks.push(readBlock(bytes, e.start, e.end, e.marker));
  }
  return { start: blocks[0]?.start ?? directory, directory, blocks };
}

interface Range {
  start: number;
  end: number;
}

/** Adjacent ranges joined, so that a payload split across two of them is still seen whole. */
function merge(ranges: Range[]): Range[] {
  const out: Range[] = [];
  for (const r of ranges) {
    const last = out[out.length - 1];
    if (last && last.end === r.start) last.end = r.end;
    else if (r.end > r.start) out.push({ ...r });
  }
  return out;
}

/**
 * Checks every byte of a SEF trailer. A payload is first offered to `embedded` (jpeg.ts), which
 * reads an MP4 filling it exactly (motion-photo video: scanned for HTML/PDF, not counted as
 * metadata) or a JPEG stream (dual-shot images) as it does after EOI, and returns where that ends;
 * a payload that starts like an MP4 but is not one is refused. Everything else (block headers,
 * other payloads, what follows an embedded JPEG, uncovered bytes, the directory) is opaque:
 * counted in the metadata budget and scanned for HTML/script/archive payloads.
 */
export function checkSef(bytes: Uint8Array, sef: SefTrailer, meta: MetaBudget, embedded: (start: number, end: number) => number): void {
  const opaque: Range[] = [];
  let uncovered = 0, pos = sef.start;
  for (const b of sef.blocks) {
    uncovered += b.start - pos;
    opaque.push({ start: pos, end: b.data });
    pos = embedded(b.data, b.end);
    if (pos === b.data && b.end - b.data >= 8 && startsWith(bytes, b.data + 4, "ftyp")) {
      fail("video in the Samsung trailer is not a well-formed MP4");
    }
    if (pos > b.end) fail("JPEG in the Samsung trailer overruns its block");
    if (pos < b.end) opaque.push({ start: pos, end: b.end });
    pos = b.end;
  }
  uncovered += sef.directory - pos;
  if (uncovered > MAX_UNCOVERED) fail(`${uncovered} bytes of the Samsung trailer are in no block`);
  opaque.push({ start: pos, end: bytes.length });
  for (const r of merge(opaque)) {
    meta.add(r.end - r.start);
    assertNoActiveContent(bytes, r.start, r.end, "Samsung trailer", true);
  }
}
