/** Builders for Samsung SEF trailers (core/sniff/sef.ts), shared by the unit and e2e tests. */
import { cat, enc } from "./unit/sniff-helpers";

export interface SefBlockSpec {
  type: number;
  name: string;
  payload: Uint8Array;
  /** Bytes after the block that no entry covers (a stale directory, or a hidden payload). */
  gapAfter?: Uint8Array;
}

/** Overrides for hostile trailers: a directory entry's fields, the directory length, its count. */
export interface SefLies {
  entry?: (i: number, e: { marker: number; back: number; size: number }) => { marker: number; back: number; size: number };
  dirLength?: (real: number) => number;
  count?: (real: number) => number;
}

const concat = (parts: Uint8Array[]): Uint8Array => cat(...parts);

function le32(...values: number[]): Uint8Array {
  const out = new Uint8Array(4 * values.length);
  const dv = new DataView(out.buffer);
  values.forEach((v, i) => dv.setUint32(4 * i, v >>> 0, true));
  return out;
}


/** One block as Samsung writes it: 00 00, u16le type, u32le name length, name, payload. */
export function sefBlock(b: SefBlockSpec): Uint8Array {
  return concat([le32(b.type << 16, b.name.length), enc(b.name), b.payload]);
}

/** A SEF trailer (blocks, SEFH directory, length, "SEFT") to append after a JPEG's EOI. */
export function sefTrailer(blocks: SefBlockSpec[], lies: SefLies = {}): Uint8Array {
  const bodies = blocks.map(sefBlock);
  const parts = bodies.flatMap((body, i) => [body, blocks[i]!.gapAfter ?? new Uint8Array(0)]);
  const total = parts.reduce((n, p) => n + p.length, 0);
  let at = 0;
  const entries = bodies.map((body, i) => {
    const real = { marker: blocks[i]!.type << 16, back: total - at, size: body.length };
    at += body.length + (blocks[i]!.gapAfter?.length ?? 0);
    const e = lies.entry ? lies.entry(i, real) : real;
    return le32(e.marker, e.back, e.size);
  });
  const count = lies.count ? lies.count(blocks.length) : blocks.length;
  const directory = concat([enc("SEFH"), le32(106, count), ...entries]);
  const dirLength = lies.dirLength ? lies.dirLength(directory.length) : directory.length;
  return concat([...parts, directory, le32(dirLength), enc("SEFT")]);
}

/** Deterministic high-entropy bytes standing in for compressed media, free of chance magics. */
export function noise(n: number, seed = 1): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x | 0x80; // never ASCII: no tag or magic can start here by chance
  }
  return out;
}

function box(type: string, payload: Uint8Array): Uint8Array {
  const head = new Uint8Array(8);
  new DataView(head.buffer).setUint32(0, 8 + payload.length);
  head.set(enc(type), 4);
  return concat([head, payload]);
}

/** An MP4 made of well-formed top-level boxes (ftyp, moov, mdat) of about `bytes` bytes. */
export function mp4(bytes: number): Uint8Array {
  const ftyp = box("ftyp", enc("mp42\0\0\0\0isommp42"));
  const moov = box("moov", box("mvhd", new Uint8Array(100)));
  return concat([ftyp, moov, box("mdat", noise(Math.max(0, bytes - ftyp.length - moov.length - 8)))]);
}

/** The blocks of a Galaxy motion photo: capture time, then the video (as S7 and later write them). */
export function motionPhotoBlocks(videoBytes: number): SefBlockSpec[] {
  return [
    { type: 0x0a01, name: "Image_UTC_Data", payload: enc("1458170015363") },
    { type: 0x0a30, name: "MotionPhoto_Data", payload: mp4(videoBytes) },
  ];
}
