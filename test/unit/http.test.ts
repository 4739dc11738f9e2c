import { describe, expect, it } from "vitest";
import { ifNoneMatchHits, notModifiedSince, parseRange } from "../../core/http/conditional";
import { negotiateFormat } from "../../core/http/negotiate";

describe("If-None-Match", () => {
  const etag = '"abc123"';
  it("matches exact, lists, weak forms and *", () => {
    expect(ifNoneMatchHits('"abc123"', etag)).toBe(true);
    expect(ifNoneMatchHits('"x", "abc123"', etag)).toBe(true);
    expect(ifNoneMatchHits('W/"abc123"', etag)).toBe(true);
    expect(ifNoneMatchHits("*", etag)).toBe(true);
    expect(ifNoneMatchHits('"other"', etag)).toBe(false);
    expect(ifNoneMatchHits(null, etag)).toBe(false);
  });
  it("compares If-Modified-Since at second precision", () => {
    const lm = new Date("2026-01-01T00:00:00.500Z");
    expect(notModifiedSince("Thu, 01 Jan 2026 00:00:00 GMT", lm)).toBe(true);
    expect(notModifiedSince("Wed, 31 Dec 2025 23:59:59 GMT", lm)).toBe(false);
    expect(notModifiedSince("garbage", lm)).toBe(false);
  });
});

describe("Range", () => {
  it("parses single ranges", () => {
    expect(parseRange("bytes=0-9", 100)).toEqual({ kind: "range", start: 0, end: 9 });
    expect(parseRange("bytes=90-", 100)).toEqual({ kind: "range", start: 90, end: 99 });
    expect(parseRange("bytes=-10", 100)).toEqual({ kind: "range", start: 90, end: 99 });
    expect(parseRange("bytes=50-500", 100)).toEqual({ kind: "range", start: 50, end: 99 });
    expect(parseRange("bytes=-500", 100)).toEqual({ kind: "range", start: 0, end: 99 });
  });
  it("answers 416 for unsatisfiable ranges", () => {
    expect(parseRange("bytes=100-", 100)).toEqual({ kind: "unsatisfiable" });
    expect(parseRange("bytes=-0", 100)).toEqual({ kind: "unsatisfiable" });
  });
  it("ignores multi-range and malformed headers", () => {
    expect(parseRange("bytes=0-1,5-6", 100)).toEqual({ kind: "none" });
    expect(parseRange("items=0-1", 100)).toEqual({ kind: "none" });
    expect(parseRange("bytes=9-1", 100)).toEqual({ kind: "none" });
    expect(parseRange(null, 100)).toEqual({ kind: "none" });
  });
});

describe("format negotiation", () => {
  it("serves WebP only to clients that list it", () => {
    expect(negotiateFormat("image/avif,image/webp,*/*", ["webp", "jpeg"])).toBe("webp");
    expect(negotiateFormat("*/*", ["webp", "jpeg"])).toBe("jpeg");
    expect(negotiateFormat(null, ["webp", "png"])).toBe("png");
    expect(negotiateFormat("image/webp;q=0, image/*", ["webp", "jpeg"])).toBe("jpeg");
    expect(negotiateFormat("image/webp", ["jpeg"])).toBe("jpeg");
  });
});
