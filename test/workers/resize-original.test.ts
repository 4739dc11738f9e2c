import { describe, expect, it } from "vitest";
import { imageLength, readOriginal, readPrefix } from "../../workers/resize/original";
import { env } from "./env";

// The resize Worker reads an original only as far as its image goes (the upload Worker records
// that length on the R2 object), against the real local R2.
const image = Uint8Array.from({ length: 200_000 }, (_, i) => (i * 7) & 255);
const trailer = new Uint8Array(3 << 20).fill(0x42);
const both = new Uint8Array([...image, ...trailer]);

describe("reading an original", () => {
  it("stops at the recorded image length, leaving a motion photo's video unread", async () => {
    await env.BUCKET.put("originals/test-prefix", both, { customMetadata: { id: "x", imageBytes: String(image.length) } });
    const bytes = await readOriginal(env.BUCKET, "originals/test-prefix");
    expect(bytes?.length).toBe(image.length);
    expect(Buffer.from(bytes!).equals(Buffer.from(image))).toBe(true);
  });

  it("reads the whole object when no usable length is recorded", async () => {
    await env.BUCKET.put("originals/test-whole", both, { customMetadata: { id: "x" } });
    expect((await readOriginal(env.BUCKET, "originals/test-whole"))?.length).toBe(both.length);
    await env.BUCKET.put("originals/test-bad", image, { customMetadata: { imageBytes: "9999999" } });
    expect((await readOriginal(env.BUCKET, "originals/test-bad"))?.length).toBe(image.length);
    expect(await readOriginal(env.BUCKET, "originals/none")).toBeNull();
  });

  it("takes only a sane recorded length", () => {
    expect(imageLength(100, "40")).toBe(40);
    for (const bad of [undefined, "", "0", "-5", "4.5", "100", "101", "abc"]) expect(imageLength(100, bad)).toBe(100);
  });

  it("returns what a stream had when it ends before the length", async () => {
    const stream = new Blob([image.subarray(0, 1000)]).stream();
    expect((await readPrefix(stream, 5000)).length).toBe(1000);
  });
});
