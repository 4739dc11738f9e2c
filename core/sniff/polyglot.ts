import { fail, startsWith } from "./bytes";

/**
 * Polyglot defence. An image that is also an HTML page, a script or a ZIP/JAR (GIFAR-style) must
 * not be stored: browsers, archive readers and scanners look for such payloads in places image
 * decoders ignore (after the end marker, in comments, in unknown chunks). We scan only those
 * places (never entropy-coded pixel data, where a 4-byte magic would match by chance).
 */

// Tags matched case-insensitively as '<' + tag + (whitespace | '>' | '/'). Every pattern is at least
// 5 bytes, so a chance match in binary metadata (ICC, EXIF thumbnails) is ~2^-35 per byte.
const HTML_TAGS = ["html", "script", "body", "head", "iframe", "svg", "!doctype", "?php", "object", "embed", "meta", "link", "img", "style", "frameset", "form", "base", "xml-stylesheet"];

// Binary magics (archives, executables), 4+ bytes; only looked for in opaque trailers, unknown
// chunks and text fields (comments), where a chance match in binary data cannot happen. "%PDF-"
// is looked for everywhere, like the HTML tags.
const BINARY_MAGIC = ["PK\x03\x04", "PK\x05\x06", "PK\x01\x02", "PK\x07\x08", "Rar!\x1a\x07", "7z\xbc\xaf\x27\x1c", "\x7fELF"];
const MAGIC_BY_FIRST_BYTE = new Map<number, string[]>();
for (const m of BINARY_MAGIC) MAGIC_BY_FIRST_BYTE.set(m.charCodeAt(0), [...(MAGIC_BY_FIRST_BYTE.get(m.charCodeAt(0)) ?? []), m]);

function lower(b: number): number {
  return b >= 0x41 && b <= 0x5a ? b + 0x20 : b;
}

function isDelimiter(b: number): boolean {
  return b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d || b === 0x0c || b === 0x3e || b === 0x2f;
}

function htmlAt(bytes: Uint8Array, i: number, stop: number): string | null {
  for (const tag of HTML_TAGS) {
    if (i + 2 + tag.length > stop) continue;
    let ok = true;
    for (let k = 0; k < tag.length && ok; k++) ok = lower(bytes[i + 1 + k] as number) === tag.charCodeAt(k);
    if (ok && isDelimiter(bytes[i + 1 + tag.length] as number)) return `<${tag}`;
  }
  return null;
}

/**
 * Name of an active-content marker in `bytes[start..end)`, or null. Each marker starts with one
 * of a few bytes, so the search jumps between them with the engine's native `indexOf`: a
 * motion photo's video is megabytes long and is scanned on every upload.
 */
export function findActiveContent(bytes: Uint8Array, start: number, end: number, binary: boolean): string | null {
  const stop = Math.min(end, bytes.length);
  const view = bytes.subarray(0, stop);
  const from = Math.max(0, start);
  for (let i = view.indexOf(0x3c, from); i >= 0; i = view.indexOf(0x3c, i + 1)) {
    const hit = htmlAt(bytes, i, stop);
    if (hit) return hit;
  }
  // PDF readers look for this header anywhere in the first KiB.
  for (let i = view.indexOf(0x25, from); i >= 0; i = view.indexOf(0x25, i + 1)) {
    if (i + 5 <= stop && startsWith(bytes, i, "%PDF-")) return "PDF";
  }
  if (!binary) return null;
  // One pass per distinct first byte (the four ZIP records all start with "P").
  for (const [first, magics] of MAGIC_BY_FIRST_BYTE) {
    for (let i = view.indexOf(first, from); i >= 0; i = view.indexOf(first, i + 1)) {
      const m = magics.find((magic) => i + magic.length <= stop && startsWith(bytes, i, magic));
      if (m) return m.startsWith("PK") ? "ZIP" : m.replace(/[^\x20-\x7e]/g, "").slice(0, 4);
    }
  }
  return null;
}

/** Rejects `bytes[start..end)` if it carries HTML/script (and, if `binary`, archive) payloads. */
export function assertNoActiveContent(bytes: Uint8Array, start: number, end: number, where: string, binary = false): void {
  const hit = findActiveContent(bytes, start, end, binary);
  if (hit) fail(`${where} contains embedded ${hit} content (polyglot file)`);
}

/**
 * Only zero bytes (at most `maxZeros`) may follow the format's end marker. Some writers pad files
 * with a few NULs; anything else is an appended payload.
 */
export function assertNoTrailer(bytes: Uint8Array, pos: number, what: string, maxZeros = 16): void {
  const extra = bytes.length - pos;
  if (extra <= 0) return;
  if (extra <= maxZeros) {
    let zeros = true;
    for (let i = pos; i < bytes.length && zeros; i++) zeros = bytes[i] === 0;
    if (zeros) return;
  }
  fail(`${extra} unexpected bytes after the end of the ${what} data`);
}

/**
 * A ZIP/JAR reader finds an archive from its end: an end-of-central-directory record within the
 * last 64 KiB whose central directory starts with "PK\x01\x02". Finding such a consistent record
 * anywhere near the end means the file is a usable archive, whatever else it is.
 */
export function assertNotZip(bytes: Uint8Array): void {
  const n = bytes.length;
  const from = Math.max(0, n - 22 - 0xffff);
  for (let i = n - 22; i >= from; i--) {
    if (bytes[i] !== 0x50 || !startsWith(bytes, i, "PK\x05\x06")) continue;
    const dv = new DataView(bytes.buffer, bytes.byteOffset + i, 22);
    const cdSize = dv.getUint32(12, true);
    const cdOffset = dv.getUint32(16, true);
    const relative = i - cdSize;
    if (startsWith(bytes, relative, "PK\x01\x02") || (cdOffset + cdSize <= i && startsWith(bytes, cdOffset, "PK\x01\x02"))) {
      fail("file contains a ZIP archive (polyglot file)");
    }
  }
}

/**
 * Opaque bytes after a format's end marker that some writers leave (maker notes, whirlgif's
 * comment after the GIF trailer, camera data after JPEG EOI): accepted only if at most `max` bytes
 * and free of any HTML/script/archive payload. They run from `pos` to `end` (where a Samsung
 * trailer starts, or the end of the file).
 */
export function assertSmallTrailer(bytes: Uint8Array, pos: number, max: number, what: string, end = bytes.length): void {
  const extra = end - pos;
  if (extra <= 0) return;
  if (extra > max) fail(`${extra} bytes of unknown data after the end of the ${what} data`);
  assertNoActiveContent(bytes, pos, end, `data after the ${what} image`, true);
}
