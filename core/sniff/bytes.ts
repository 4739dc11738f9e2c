import { AppError, type ErrorCode } from "../errors";

/** Throws `invalid_image` (or another code) with a short, client-safe message. */
export function fail(message: string, code: ErrorCode = "invalid_image"): never {
  throw new AppError(code, message);
}

/** Byte at `i`, or -1 past the end (never throws; for magic-number probing). */
export function peek(bytes: Uint8Array, i: number): number {
  return i >= 0 && i < bytes.length ? (bytes[i] as number) : -1;
}

/** True when `bytes[at..]` starts with the ASCII/latin1 string `s`. */
export function startsWith(bytes: Uint8Array, at: number, s: string): boolean {
  if (at < 0 || at + s.length > bytes.length) return false;
  for (let i = 0; i < s.length; i++) if (bytes[at + i] !== s.charCodeAt(i)) return false;
  return true;
}

/** The parts joined into one array (a single Uint8Array part is returned as it is). */
export function concatBytes(parts: ArrayLike<number>[]): Uint8Array {
  if (parts.length === 1 && parts[0] instanceof Uint8Array) return parts[0];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Latin1 decode of `bytes[start..end)`, only used for short tags (fourccs, brands). */
export function latin1(bytes: Uint8Array, start: number, end: number): string {
  let s = "";
  for (let i = start; i < end; i++) s += String.fromCharCode(bytes[i] as number);
  return s;
}

/**
 * Bounds-checked cursor over `bytes[start..end)`. Every read past `end` throws `invalid_image`
 * ("truncated"), so parsers never read garbage from a lying length field.
 */
export class Reader {
  readonly bytes: Uint8Array;
  readonly end: number;
  pos: number;

  constructor(bytes: Uint8Array, start = 0, end = bytes.length) {
    if (start < 0 || end > bytes.length || start > end) fail("truncated image");
    this.bytes = bytes;
    this.pos = start;
    this.end = end;
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  /** Throws unless `n` more bytes are available. */
  need(n: number, what = "image"): void {
    if (!(n >= 0) || n > this.end - this.pos) fail(`truncated ${what}`);
  }

  u8(): number {
    this.need(1);
    return this.bytes[this.pos++] as number;
  }

  u16be(): number {
    this.need(2);
    const b = this.bytes, p = this.pos;
    this.pos += 2;
    return ((b[p] as number) << 8) | (b[p + 1] as number);
  }

  u16le(): number {
    this.need(2);
    const b = this.bytes, p = this.pos;
    this.pos += 2;
    return (b[p] as number) | ((b[p + 1] as number) << 8);
  }

  u24le(): number {
    this.need(3);
    const b = this.bytes, p = this.pos;
    this.pos += 3;
    return (b[p] as number) | ((b[p + 1] as number) << 8) | ((b[p + 2] as number) << 16);
  }

  u32be(): number {
    this.need(4);
    const b = this.bytes, p = this.pos;
    this.pos += 4;
    return (((b[p] as number) << 24) >>> 0) + (((b[p + 1] as number) << 16) | ((b[p + 2] as number) << 8) | (b[p + 3] as number));
  }

  u32le(): number {
    this.need(4);
    const b = this.bytes, p = this.pos;
    this.pos += 4;
    return (((b[p + 3] as number) << 24) >>> 0) + (((b[p + 2] as number) << 16) | ((b[p + 1] as number) << 8) | (b[p] as number));
  }

  /** 64-bit big-endian as a number; values above 2^53 are refused (no real file is that big). */
  u64be(): number {
    const hi = this.u32be();
    const lo = this.u32be();
    if (hi > 0x1fffff) fail("64-bit size out of range");
    return hi * 0x100000000 + lo;
  }

  /** Unsigned big-endian integer of 0, 4 or 8 bytes (ISO-BMFF variable-size fields). */
  uintBE(size: number): number {
    if (size === 0) return 0;
    if (size === 4) return this.u32be();
    if (size === 8) return this.u64be();
    if (size === 2) return this.u16be();
    if (size === 1) return this.u8();
    return fail("unsupported field size");
  }

  ascii(n: number): string {
    this.need(n);
    const s = latin1(this.bytes, this.pos, this.pos + n);
    this.pos += n;
    return s;
  }

  skip(n: number, what = "image"): void {
    this.need(n, what);
    this.pos += n;
  }

  /** A view (no copy) of the next `n` bytes. */
  take(n: number, what = "image"): Uint8Array {
    this.need(n, what);
    const out = this.bytes.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  /** A child reader over the next `n` bytes; advances this reader past them. */
  sub(n: number, what = "image"): Reader {
    this.need(n, what);
    const r = new Reader(this.bytes, this.pos, this.pos + n);
    this.pos += n;
    return r;
  }
}
