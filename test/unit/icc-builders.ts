import { deflateSync } from "node:zlib";

/**
 * Minimal ICC v2 display profiles for tests (no such files ship with the tools here): RGB
 * matrix/TRC ones (three D50-adapted colorants and a gamma) and grey ones (a gamma), plus the
 * containers that carry them: JPEG APP2 ICC_PROFILE, PNG iCCP and WebP ICCP, spliced into files
 * as written, so broken profiles can be embedded too.
 */

type XYZ = [number, number, number];
const D50: XYZ = [0.9642, 1.0, 0.8249];

function s15Fixed16(v: number): number[] {
  const n = Math.round(v * 65536) >>> 0;
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255];
}

const u32 = (n: number) => [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255];
const ascii = (s: string) => [...s].map((c) => c.charCodeAt(0));
const xyzTag = (v: XYZ) => [...ascii("XYZ "), 0, 0, 0, 0, ...v.flatMap(s15Fixed16)];
const gammaTag = (g: number) => [...ascii("curv"), 0, 0, 0, 0, 0, 0, 0, 1, Math.floor(g), Math.round((g % 1) * 256)];

function descTag(text: string): number[] {
  return [...ascii("desc"), 0, 0, 0, 0, ...u32(text.length + 1), ...ascii(text), 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, ...new Array(67).fill(0)];
}

function profile(space: "RGB " | "GRAY", tags: [string, number[]][]): Uint8Array {
  const table = 4 + tags.length * 12;
  let offset = 128 + table;
  const entries: number[] = [];
  const data: number[] = [];
  for (const [sig, body] of tags) {
    while (body.length % 4) body.push(0);
    entries.push(...ascii(sig), ...u32(offset), ...u32(body.length));
    data.push(...body);
    offset += body.length;
  }
  const header = [
    ...u32(offset), 0, 0, 0, 0, 0x02, 0x10, 0, 0, ...ascii("mntr"), ...ascii(space), ...ascii("XYZ "),
    ...new Array(12).fill(0), ...ascii("acsp"), ...new Array(24).fill(0), ...u32(0), ...D50.flatMap(s15Fixed16), ...new Array(48).fill(0),
  ];
  return Uint8Array.from([...header, ...u32(tags.length), ...entries, ...data]);
}

/** An RGB display profile from D50-adapted primaries and one gamma for all channels. */
export function rgbProfile(name: string, r: XYZ, g: XYZ, b: XYZ, gamma: number): Uint8Array {
  const trc = gammaTag(gamma);
  return profile("RGB ", [
    ["desc", descTag(name)], ["wtpt", xyzTag(D50)],
    ["rXYZ", xyzTag(r)], ["gXYZ", xyzTag(g)], ["bXYZ", xyzTag(b)],
    ["rTRC", [...trc]], ["gTRC", [...trc]], ["bTRC", [...trc]],
  ]);
}

/** Adobe RGB (1998): its primaries adapted to D50 as in Adobe's profile, gamma 563/256. */
export const ADOBE_RGB = rgbProfile("Adobe RGB (1998) compatible", [0.60974, 0.31111, 0.01947], [0.20528, 0.62567, 0.06087], [0.14919, 0.06322, 0.74457], 2.19921875);

/** A grey display profile with a plain gamma curve. */
export function greyProfile(gamma: number): Uint8Array {
  return profile("GRAY", [["desc", descTag(`Grey gamma ${gamma}`)], ["wtpt", xyzTag(D50)], ["kTRC", gammaTag(gamma)]]);
}

/** The JPEG with `icc` in one APP2 ICC_PROFILE marker right after SOI (any earlier one removed). */
export function jpegWithIcc(jpeg: Uint8Array, icc: Uint8Array | null): Uint8Array {
  const parts: Uint8Array[] = [jpeg.subarray(0, 2)];
  if (icc) {
    const body = Uint8Array.from([...ascii("ICC_PROFILE"), 0, 1, 1, ...icc]);
    parts.push(Uint8Array.from([0xff, 0xe2, (body.length + 2) >> 8, (body.length + 2) & 255]), body);
  }
  let pos = 2;
  while (jpeg[pos] === 0xff && jpeg[pos + 1] !== 0xda) {
    const len = (jpeg[pos + 2]! << 8) | jpeg[pos + 3]!;
    const isIcc = jpeg[pos + 1] === 0xe2 && String.fromCharCode(...jpeg.subarray(pos + 4, pos + 15)) === "ICC_PROFILE";
    if (!isIcc) parts.push(jpeg.subarray(pos, pos + 2 + len));
    pos += 2 + len;
  }
  parts.push(jpeg.subarray(pos));
  return Buffer.concat(parts);
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 255]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/**
 * The PNG with one iCCP chunk after IHDR (any earlier one removed) holding `icc` compressed, or
 * `deflated` as the compressed data when given.
 */
export function pngWithIcc(png: Uint8Array, icc: Uint8Array | null, deflated?: Uint8Array): Uint8Array {
  const parts: Uint8Array[] = [png.subarray(0, 8 + 25)];
  if (icc) {
    const body = Uint8Array.from([...ascii("iCCP"), ...ascii("test"), 0, 0, ...(deflated ?? deflateSync(icc))]);
    parts.push(Uint8Array.from([...u32(body.length - 4), ...body, ...u32(crc32(body))]));
  }
  const dv = new DataView(png.buffer, png.byteOffset, png.byteLength);
  for (let pos = 8 + 25; pos < png.length; ) {
    const end = pos + 12 + dv.getUint32(pos);
    if (String.fromCharCode(...png.subarray(pos + 4, pos + 8)) !== "iCCP") parts.push(png.subarray(pos, end));
    pos = end;
  }
  return Buffer.concat(parts);
}

/** Replaces the ICCP chunk's payload of an extended WebP written with a profile, or removes it. */
export function webpWithIcc(webp: Uint8Array, icc: Uint8Array | null): Uint8Array {
  const out: Uint8Array[] = [webp.subarray(0, 12)];
  let pos = 12;
  while (pos + 8 <= webp.length) {
    const size = new DataView(webp.buffer, webp.byteOffset + pos + 4, 4).getUint32(0, true);
    const id = String.fromCharCode(...webp.subarray(pos, pos + 4));
    const end = pos + 8 + size + (size & 1);
    if (id === "VP8X" && !icc) out.push(Uint8Array.from([...webp.subarray(pos, pos + 8), webp[pos + 8]! & ~0x20, ...webp.subarray(pos + 9, end)]));
    else if (id !== "ICCP") out.push(webp.subarray(pos, end));
    else if (icc) out.push(Uint8Array.from([...ascii("ICCP"), ...u32(icc.length).reverse(), ...icc, ...(icc.length & 1 ? [0] : [])]));
    pos = end;
  }
  const file = Buffer.concat(out);
  new DataView(file.buffer, file.byteOffset).setUint32(4, file.length - 8, true);
  return file;
}
