import { describe, expect, it } from "vitest";
import { cat, enc, hasCorpus, read, SNIFF_LIMITS, u16be, u16le, u24le, u32be, u32le } from "./sniff-helpers";
import { displaySize, exifOrientation, inspectImage, type Limits } from "../../core/sniff";
import { idat, ihdr, PNG_SIG, pngChunk, png, riffChunk, riff, vp8l } from "./sniff-builders";

const LIMITS: Limits = SNIFF_LIMITS;

// ---- EXIF -----------------------------------------------------------------------------------

/** A TIFF/EXIF block whose IFD0 holds `entries` ([tag, type, value]). */
function tiff(little: boolean, entries: [number, number, number][]): Uint8Array {
  const w16 = little ? u16le : u16be, w32 = little ? u32le : u32be;
  const body: number[] = [...enc(little ? "II*\0" : "MM\0*"), ...w32(8), ...w16(entries.length)];
  for (const [tag, type, value] of entries) {
    body.push(...w16(tag), ...w16(type), ...w32(1), ...(type === 3 ? [...w16(value), 0, 0] : w32(value)));
  }
  return new Uint8Array([...body, ...w32(0)]);
}

describe("exif orientation", () => {
  it("reads the tag in both byte orders", () => {
    for (const little of [true, false]) {
      for (let o = 1; o <= 8; o++) {
        expect(exifOrientation(tiff(little, [[0x010f, 2, 0], [0x0112, 3, o], [0x0131, 2, 0]]))).toBe(o);
      }
      expect(exifOrientation(tiff(little, [[0x0112, 4, 6]]))).toBe(6); // LONG tolerated
    }
  });

  it("treats absent, zero, out-of-range and malformed values as 1", () => {
    expect(exifOrientation(tiff(true, [[0x0112, 3, 0]]))).toBe(1);
    expect(exifOrientation(tiff(false, [[0x0112, 3, 9]]))).toBe(1);
    expect(exifOrientation(tiff(true, [[0x010f, 3, 6]]))).toBe(1);
    expect(exifOrientation(tiff(true, [[0x0112, 7, 6]]))).toBe(1); // wrong type
    const t = tiff(false, [[0x0112, 3, 6]]);
    expect(exifOrientation(t.subarray(0, 14))).toBe(1); // truncated entry
    expect(exifOrientation(cat(enc("MM\0*"), u32be(0xfffffff0)))).toBe(1); // IFD offset past the end
    expect(exifOrientation(cat(enc("II*\0"), u32le(8), u16le(0xffff)))).toBe(1); // lying entry count
    expect(exifOrientation(enc("XX*\0\0\0\0\x08"))).toBe(1);
    expect(exifOrientation(new Uint8Array(0))).toBe(1);
  });

  it("honours a start/end window", () => {
    const t = tiff(true, [[0x0112, 3, 8]]);
    const framed = cat(enc("Exif\0\0"), t, [1, 2, 3]);
    expect(exifOrientation(framed, 6, 6 + t.length)).toBe(8);
    expect(exifOrientation(framed, 6, 6 + 12)).toBe(1);
  });

  it("displaySize swaps for orientations 5..8", () => {
    for (let o = 0; o <= 9; o++) {
      const swap = o >= 5 && o <= 8;
      expect(displaySize({ width: 30, height: 20, orientation: o })).toEqual(swap ? { width: 20, height: 30 } : { width: 30, height: 20 });
    }
  });

  it.skipIf(!hasCorpus)("is read from JPEG APP1, PNG eXIf and WebP EXIF", () => {
    const app1 = (t: Uint8Array): Uint8Array => cat([0xff, 0xe1], u16be(t.length + 8), enc("Exif\0\0"), t);
    const jpeg = read("photos/FreshFlower.jpg");
    const rotated = cat(jpeg.subarray(0, 2), app1(tiff(false, [[0x0112, 3, 6]])), jpeg.subarray(2));
    const info = inspectImage(rotated, LIMITS);
    expect(info.orientation).toBe(6);
    expect(displaySize(info)).toEqual({ width: 1203, height: 1600 });

    const exif = pngChunk("eXIf", tiff(true, [[0x0112, 3, 3]]));
    expect(inspectImage(png(4, 2, [exif]), LIMITS).orientation).toBe(3);
    // After the image data, as browsers do: ignored (still counted and checked as metadata).
    const late = cat(PNG_SIG, ihdr(4, 2), idat(4, 2), exif, pngChunk("IEND"));
    expect(inspectImage(late, LIMITS)).toMatchObject({ orientation: 1, metadataBytes: exif.length - 12 });

    const vp8x = riffChunk("VP8X", [0x08, 0, 0, 0, ...u24le(0), ...u24le(0)]);
    const webp = riff([vp8x, vp8l(1, 1), riffChunk("EXIF", tiff(true, [[0x0112, 3, 7]]))]);
    expect(inspectImage(webp, LIMITS).orientation).toBe(7);
  });
});
