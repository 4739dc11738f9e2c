import { describe, expect, it } from "vitest";
import { ifNoneMatchHits, ifRangeAllows, notModifiedSince, parseRange } from "../../core/http/conditional";

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

describe("If-Range", () => {
  const etag = '"abc123"';
  const lm = "Thu, 01 Jan 2026 00:00:00 GMT";
  it("honours a Range only for the current representation", () => {
    expect(ifRangeAllows(null, etag, lm)).toBe(true);
    expect(ifRangeAllows('"abc123"', etag, lm)).toBe(true);
    expect(ifRangeAllows(lm, etag, lm)).toBe(true);
  });
  it("sends the whole body for a stale or weak validator", () => {
    expect(ifRangeAllows('"old"', etag, lm)).toBe(false);
    expect(ifRangeAllows('W/"abc123"', etag, lm)).toBe(false);
    expect(ifRangeAllows("Wed, 31 Dec 2025 00:00:00 GMT", etag, lm)).toBe(false);
    expect(ifRangeAllows(lm, etag, null)).toBe(false);
  });
});
