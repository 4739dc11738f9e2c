import { readFile } from "node:fs/promises";
import path from "node:path";
import zlib from "node:zlib";
import sharp from "sharp";
import { CORPUS } from "./system";
import { motionPhotoBlocks, sefTrailer } from "../sef";

export interface HostileCase {
  name: string;
  body: Uint8Array;
  status: number;
  codes: string[];
}

const u8 = (...parts: (Uint8Array | number[] | string)[]) =>
  Buffer.concat(parts.map((p) => (typeof p === "string" ? Buffer.from(p, "latin1") : Buffer.from(p as Uint8Array))));

function pngChunk(type: string, data: Uint8Array): Uint8Array {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = u8(type, data);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(zlib.crc32(body));
  return u8(len, body, crc);
}

function png(width: number, height: number, bitDepth: number, colorType: number, raw: Uint8Array): Uint8Array {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([bitDepth, colorType, 0, 0, 0], 8);
  return u8([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], pngChunk("IHDR", ihdr), pngChunk("IDAT", zlib.deflateSync(raw, { level: 9 })), pngChunk("IEND", new Uint8Array()));
}

/** A GIF of `frames` 1×1 frames, each a valid LZW stream (clear, index 0, end). */
function gifFrames(frames: number, screenW = 1, screenH = 1): Uint8Array {
  const header = u8("GIF89a", [screenW & 255, screenW >> 8, screenH & 255, screenH >> 8, 0x80, 0, 0], [0, 0, 0, 255, 255, 255]);
  const frame = u8([0x2c, 0, 0, 0, 0, 1, 0, 1, 0, 0], [2, 2, 0x44, 0x01, 0]);
  return u8(header, ...Array.from({ length: frames }, () => frame), [0x3b]);
}

function jpegSegment(marker: number, data: Uint8Array): Uint8Array {
  return u8([0xff, marker, (data.length + 2) >> 8, (data.length + 2) & 255], data);
}

export async function hostileCases(): Promise<HostileCase[]> {
  const photo = await readFile(path.join(CORPUS, "photos/FreshFlower.jpg"));
  const smallPng = await sharp({ create: { width: 32, height: 32, channels: 3, background: "#c03" } }).png().toBuffer();
  const lyingPng = Buffer.from(smallPng);
  lyingPng.writeUInt32BE(64, 16); // IHDR width, then fix the CRC so only the pixel data betrays the lie
  lyingPng.writeUInt32BE(zlib.crc32(lyingPng.subarray(12, 29)), 29);
  const bigApp = Array.from({ length: 20 }, () => jpegSegment(0xe2, Buffer.alloc(60_000, 0x41)));
  const aspect = await sharp({ create: { width: 10_000, height: 10, channels: 3, background: "#000" } }).png().toBuffer();
  const tiff = await sharp({ create: { width: 8, height: 8, channels: 3, background: "#000" } }).tiff().toBuffer();
  const webpCanvas = u8("RIFF", [22, 0, 0, 0], "WEBP", "VP8X", [10, 0, 0, 0], [0, 0, 0, 0], [0xff, 0x3f, 0], [0xff, 0x3f, 0]);
  const sof = u8([0xff, 0xd8], jpegSegment(0xc0, u8([8, 0xff, 0xdc, 0xff, 0xdc, 3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1])), [0xff, 0xd9]);

  const tooLarge = { status: 422, codes: ["image_too_large"] };
  const invalid = { status: 422, codes: ["invalid_image"] };
  const unsupported = { status: 415, codes: ["unsupported_media_type"] };
  return [
    { name: "PNG header claiming 100000×100000", body: png(100_000, 100_000, 1, 0, Buffer.alloc(16)), ...tooLarge },
    { name: "PNG bomb: 144 MP of zeros in a few KB", body: png(12_000, 12_000, 1, 0, Buffer.alloc(12_000 * 1501)), ...tooLarge },
    { name: "JPEG frame header claiming 65500×65500", body: sof, ...tooLarge },
    { name: "GIF logical screen 65535×65535", body: gifFrames(1, 65535, 65535), status: 422, codes: ["image_too_large", "invalid_image"] },
    { name: "WebP canvas 16384×16384 with no frame", body: webpCanvas, status: 422, codes: ["image_too_large", "invalid_image"] },
    { name: "GIF frame bomb: 5000 frames", body: gifFrames(5000), ...tooLarge },
    { name: "extreme aspect ratio 10000×10", body: aspect, ...tooLarge },
    { name: "lying PNG header (64 wide, 32 wide data)", body: lyingPng, ...invalid },
    { name: "photo truncated at 70%", body: photo.subarray(0, Math.floor(photo.length * 0.7)), ...invalid },
    { name: "PNG followed by HTML (polyglot)", body: u8(smallPng, "<html><script>alert(document.cookie)</script></html>"), ...invalid },
    { name: "JPEG followed by a ZIP (polyglot)", body: u8(photo, "PK\x03\x04", Buffer.alloc(40), "PK\x05\x06", Buffer.alloc(18)), ...invalid },
    { name: "Samsung motion photo hiding a ZIP in a SEF block", body: u8(photo, sefTrailer([...motionPhotoBlocks(1 << 20), { type: 0x0ab0, name: "Dual_Shot_Info", payload: u8("PK\x03\x04", Buffer.alloc(40)) }])), ...invalid },
    { name: "SEF trailer whose directory points outside it", body: u8(photo, sefTrailer(motionPhotoBlocks(1 << 20), { entry: (_, e) => ({ ...e, back: e.back + 100 }) })), ...invalid },
    { name: "JPEG with 1.2 MB of APP2 metadata", body: u8(photo.subarray(0, 2), ...bigApp, photo.subarray(2)), status: 422, codes: ["metadata_too_large"] },
    { name: "SVG", body: u8('<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'), ...unsupported },
    { name: "HTML", body: u8("<!doctype html><html><body>hi</body></html>"), ...unsupported },
    { name: "TIFF", body: tiff, ...unsupported },
    { name: "BMP", body: u8("BM", Buffer.alloc(60)), ...unsupported },
    { name: "one byte", body: u8([0xff]), ...unsupported },
    { name: "zero bytes", body: new Uint8Array(), status: 400, codes: ["bad_request"] },
  ];
}
