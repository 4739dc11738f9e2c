import { describe, expect, it } from "vitest";
import { cat, codeOf, enc, hasCorpus, inspectWith, read, SNIFF_LIMITS, u32be } from "./sniff-helpers";
import { inspectImage, type Limits } from "../../core/sniff";
import { findActiveContent } from "../../core/sniff/polyglot";
import { readSef } from "../../core/sniff/sef";

/** The refusal's message, or "accepted". */
function messageOf(f: () => unknown): string {
  try {
    f();
    return "accepted";
  } catch (err) {
    return (err as Error).message;
  }
}
import { motionPhotoBlocks, mp4, noise, sefBlock, sefTrailer, type SefBlockSpec } from "../sef";
import { zip } from "./sniff-builders";

// A 512 KiB metadata budget, so the opaque-block cases stay small.
const LIMITS: Limits = { ...SNIFF_LIMITS, maxMetadataBytes: 512 * 1024 };
const inspect = inspectWith(LIMITS);


const INFO: SefBlockSpec[] = [
  { type: 0x0a01, name: "Image_UTC_Data", payload: enc("1700000000123") },
  { type: 0x0aa1, name: "MCC_Data", payload: enc("262") },
  { type: 0x0ab0, name: "Dual_Shot_Info", payload: noise(3000, 7) },
  { type: 0x0ba1, name: "Photo_Editor_Re_Edit_Data", payload: enc('{"originalPath":"DCIM/Camera/20231114_221320.jpg"}') },
];

/** INFO with `gap` after its second block, covered by no entry. */
const withGap = (gap: Uint8Array): SefBlockSpec[] => INFO.map((b, i) => (i === 1 ? { ...b, gapAfter: gap } : b));

describe("active-content scan over a range", () => {
  it("sees markers inside [start, end) only, and archives only when asked", () => {
    const bytes = cat(noise(100), enc("<html>"), noise(100), enc("PK\x03\x04"), noise(100), enc("%PDF-1"));
    expect(findActiveContent(bytes, 0, bytes.length, false)).toBe("<html");
    expect(findActiveContent(bytes, 0, 106, false)).toBe("<html");
    expect(findActiveContent(bytes, 0, 105, false)).toBe(null); // the tag's delimiter is outside
    expect(findActiveContent(bytes, 101, 210, true)).toBe("ZIP");
    expect(findActiveContent(bytes, 101, 210, false)).toBe(null);
    expect(findActiveContent(bytes, 101, 209, true)).toBe(null);
    expect(findActiveContent(bytes, 101, bytes.length, false)).toBe("PDF");
    expect(findActiveContent(bytes, bytes.length - 6, bytes.length - 1, false)).toBe("PDF");
    expect(findActiveContent(bytes, bytes.length - 6, bytes.length - 2, false)).toBe(null);
  });
});

describe("SEF directory (readSef)", () => {
  it("finds every block from the end of the file, in file order", () => {
    const head = new Uint8Array(100).fill(0x41);
    const bytes = cat(head, sefTrailer(INFO));
    const sef = readSef(bytes, 100)!;
    expect(sef.start).toBe(100);
    // Only a file that ends in "SEFT" has one; what follows `from` must hold at least its tail.
    expect(readSef(head, 0)).toBeNull();
    expect(readSef(bytes, bytes.length - 7)).toBeNull();
    expect(sef.blocks.map((b) => [b.type, b.name, b.end - b.data])).toEqual([
      [0x0a01, "Image_UTC_Data", 13],
      [0x0aa1, "MCC_Data", 3],
      [0x0ab0, "Dual_Shot_Info", 3000],
      [0x0ba1, "Photo_Editor_Re_Edit_Data", INFO[3]!.payload.length],
    ]);
    expect(sef.directory).toBe(bytes.length - 8 - (12 + 12 * INFO.length));
    expect(enc("SEFH")).toEqual(bytes.subarray(sef.directory, sef.directory + 4));
  });

  it("lists a block once when two entries describe it exactly", () => {
    const t = sefTrailer(INFO, { count: (n) => n + 1 });
    // Append a copy of the first entry: the directory grows by 12 bytes, so every back offset does too.
    const dirAt = t.length - 8 - (12 + 12 * INFO.length);
    const first = t.slice(dirAt + 12, dirAt + 24);
    const grown = cat(t.subarray(0, t.length - 8), first, t.subarray(t.length - 8));
    new DataView(grown.buffer).setUint32(grown.length - 8, 12 + 12 * (INFO.length + 1), true);
    expect(readSef(grown, 0)!.blocks).toHaveLength(INFO.length);
  });

  it("refuses directories that lie, each for its own reason", () => {
    const lie = (l: Parameters<typeof sefTrailer>[1]) => messageOf(() => readSef(cat(new Uint8Array(64), sefTrailer(INFO, l)), 64));
    const directory = "invalid Samsung trailer directory", outside = "Samsung trailer entry points outside the trailer";
    expect(lie({})).toBe("accepted");
    expect(lie({ dirLength: (n) => n + 4 })).toBe(directory); // SEFH not where the length says
    expect(lie({ dirLength: (n) => n - 12 })).toBe(directory);
    expect(lie({ dirLength: () => 0xfffffff0 })).toBe(directory);
    expect(lie({ count: (n) => n + 1 })).toBe("Samsung trailer directory has more entries than fit in it");
    expect(lie({ count: () => 0x40000000 })).toBe("Samsung trailer directory has more entries than fit in it");
    expect(lie({ entry: (i, e) => (i === 0 ? { ...e, back: e.back + 65 } : e) })).toBe(outside); // before `from`
    expect(lie({ entry: (i, e) => (i === 3 ? { ...e, size: e.size + 1 } : e) })).toBe(outside); // into the directory
    expect(lie({ entry: (i, e) => (i === 1 ? { ...e, back: e.back + 4 } : e) })).toBe("Samsung trailer blocks overlap");
    expect(lie({ entry: (i, e) => (i === 2 ? { ...e, size: 7 } : e) })).toBe(outside); // shorter than a header
    expect(lie({ entry: (i, e) => (i === 2 ? { ...e, marker: 0x0a300000 } : e) })).toBe("Samsung trailer block does not match its directory entry");
    expect(lie({ entry: (i, e) => (i === 2 ? { ...e, marker: e.marker | 1 } : e) })).toBe("invalid Samsung trailer entry"); // non-zero lead bytes
  });

  it("refuses block names that are not short printable ASCII", () => {
    const named = (name: string) => codeOf(() => readSef(sefTrailer([{ type: 0x0a01, name, payload: enc("1") }]), 0));
    expect(named("Image_UTC_Data")).toBe("accepted");
    expect(named("Image\nUTC")).toBe("invalid_image");
    expect(named("\0\0\0\0")).toBe("invalid_image");
    expect(named("x".repeat(300))).toBe("invalid_image");
    const longName = sefTrailer([{ type: 0x0a01, name: "Image_UTC_Data", payload: enc("1") }]);
    new DataView(longName.buffer).setUint32(4, 200, true); // name length beyond its block
    expect(codeOf(() => readSef(longName, 0))).toBe("invalid_image");
  });
});

describe.skipIf(!hasCorpus)("JPEG with a Samsung SEF trailer", () => {
  const jpeg = hasCorpus ? read("photos/FreshFlower.jpg") : new Uint8Array();
  const plain = hasCorpus ? inspectImage(jpeg, LIMITS).metadataBytes : 0;

  it("accepts a motion photo: 6 MB of MP4 after the photo, not counted as metadata", () => {
    const blocks = motionPhotoBlocks(6 << 20);
    const file = cat(jpeg, sefTrailer(blocks));
    const info = inspectImage(file, LIMITS);
    expect([info.format, info.width, info.height]).toEqual(["jpeg", 1600, 1203]);
    const video = blocks[1]!.payload.length;
    expect(info.metadataBytes).toBe(plain + (file.length - jpeg.length - video));
    expect(file.length - jpeg.length).toBeGreaterThan(6 << 20);
  });

  it("accepts small info blocks and counts every byte of them as metadata", () => {
    const trailer = sefTrailer(INFO);
    expect(inspectImage(cat(jpeg, trailer), LIMITS).metadataBytes).toBe(plain + trailer.length);
    expect(inspect(cat(jpeg, new Uint8Array(16), trailer))).toBe("accepted"); // padding before the blocks
  });

  it("walks a JPEG stored in a block (dual-shot images) like one after EOI", () => {
    const second = read("exif-orientation/Landscape_1.jpg");
    const blocks = [{ type: 0x0001, name: "DualShot_1", payload: second }, ...motionPhotoBlocks(100_000)];
    expect(inspect(cat(jpeg, sefTrailer(blocks)))).toBe("accepted");
    const broken = [{ type: 0x0001, name: "DualShot_1", payload: second.subarray(0, 5000) }];
    expect(inspect(cat(jpeg, sefTrailer(broken)))).toBe("invalid_image");
    // A JPEG whose stream runs on past its block, or from before the trailer into it.
    const cut = second.length - 1000;
    const spilling = [{ type: 0x0001, name: "DualShot_1", payload: second.subarray(0, cut), gapAfter: second.subarray(cut) }];
    expect(messageOf(() => inspectImage(cat(jpeg, sefTrailer(spilling)), LIMITS))).toBe("JPEG in the Samsung trailer overruns its block");
    const tail = [{ type: 0x0001, name: "DualShot_1", payload: second.subarray(cut) }];
    expect(messageOf(() => inspectImage(cat(jpeg, second.subarray(0, cut), sefTrailer(tail)), LIMITS))).toBe("JPEG after the image overruns the Samsung trailer");
  });

  it("accepts a stale directory left between blocks by an earlier save", () => {
    // Samsung's older layout: the capture-time block and its directory, then the video and the final directory.
    const [utc, video] = motionPhotoBlocks(300_000);
    const stale = sefTrailer([utc!]).subarray(sefBlock(utc!).length);
    expect(inspect(cat(jpeg, sefTrailer([{ ...utc!, gapAfter: stale }, video!])))).toBe("accepted");
  });

  it("refuses a ZIP, HTML or PDF in a block, wherever it starts", () => {
    const hide = (payload: Uint8Array, name = "Dual_Shot_Info") => inspect(cat(jpeg, sefTrailer([...INFO, { type: 0x0ab0, name, payload }])));
    expect(hide(zip())).toBe("invalid_image");
    expect(hide(cat(noise(20_000), zip(), noise(1000)))).toBe("invalid_image");
    expect(hide(enc("<!DOCTYPE html><html><body><script>alert(1)</script>"))).toBe("invalid_image");
    expect(hide(enc("%PDF-1.7\n1 0 obj"))).toBe("invalid_image");
    expect(hide(enc("ipt>alert(1)</script>"), "x<scr")).toBe("invalid_image"); // split across name and payload
    expect(hide(noise(20_000))).toBe("accepted");
  });

  it("refuses a web page or a ZIP in the video, and a video that is not well-formed", () => {
    const video = mp4(200_000);
    video.set(enc("<html><script>alert(1)</script>"), 150_000);
    expect(inspect(cat(jpeg, sefTrailer([{ type: 0x0a30, name: "MotionPhoto_Data", payload: video }])))).toBe("invalid_image");
    // A ZIP in a box at the video's end: archive readers find it from the end of the file.
    const jar = cat(mp4(200_000), u32be(8 + zip().length), enc("free"), zip());
    expect(inspect(cat(jpeg, sefTrailer([{ type: 0x0a30, name: "MotionPhoto_Data", payload: jar }])))).toBe("invalid_image");
    const cut = mp4(200_000).subarray(0, 150_000); // mdat claims more than the block holds
    expect(messageOf(() => inspectImage(cat(jpeg, sefTrailer([{ type: 0x0a30, name: "MotionPhoto_Data", payload: cut }])), LIMITS))).toBe("video in the Samsung trailer is not a well-formed MP4");
  });

  it("refuses a SEF trailer that follows a ZIP or hides one between blocks", () => {
    expect(inspect(cat(jpeg, zip(), sefTrailer(motionPhotoBlocks(100_000))))).toBe("invalid_image");
    expect(inspect(cat(jpeg, noise(70_000), sefTrailer(INFO)))).toBe("invalid_image"); // > 64 KiB of unknown bytes before it
    expect(inspect(cat(jpeg, sefTrailer(withGap(zip()))))).toBe("invalid_image");
    expect(inspect(cat(jpeg, sefTrailer(withGap(noise(70_000)))))).toBe("invalid_image");
    expect(inspect(cat(jpeg, sefTrailer(withGap(noise(1000)))))).toBe("accepted");
  });

  it("refuses a file that ends in SEFT without a consistent trailer, and a big trailer that lies", () => {
    expect(inspect(cat(jpeg, enc("junk"), new Uint8Array([12, 0, 0, 0]), enc("SEFT")))).toBe("invalid_image");
    expect(inspect(cat(jpeg, sefTrailer(motionPhotoBlocks(2 << 20), { dirLength: (n) => n + 12 })))).toBe("invalid_image");
    expect(inspect(cat(jpeg, sefTrailer(motionPhotoBlocks(2 << 20), { entry: (i, e) => ({ ...e, back: e.back + 1000 }) })))).toBe("invalid_image");
  });

  it("counts opaque blocks against the metadata budget, video excepted", () => {
    const big = [{ type: 0x0ab1, name: "DualShot_DepthMap_1", payload: noise(600_000) }];
    expect(inspect(cat(jpeg, sefTrailer(big)))).toBe("metadata_too_large");
    expect(inspect(cat(jpeg, sefTrailer(big)), { ...LIMITS, maxMetadataBytes: 1 << 20 })).toBe("accepted");
    expect(inspect(cat(jpeg, sefTrailer(motionPhotoBlocks(600_000))))).toBe("accepted");
  });
});
