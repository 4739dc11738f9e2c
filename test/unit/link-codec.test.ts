import { describe, expect, it } from "vitest";
import { ALPHABET, createLinkCodec, ID_SPACE, isLinkId } from "../../core/link-codec";

const codec = createLinkCodec("unit-test-secret-0123456789");

describe("link codec", () => {
  it("round-trips edge values and random values", () => {
    const values = [0, 1, 2, 61, 62, ID_SPACE - 2, ID_SPACE - 1];
    for (let i = 0; i < 20_000; i++) values.push(Math.floor(Math.random() * ID_SPACE));
    for (const n of values) {
      const id = codec.encode(n);
      expect(isLinkId(id)).toBe(true);
      expect(codec.decode(id)).toBe(n);
    }
  });

  it("gives distinct, unrelated-looking links for consecutive ids", () => {
    const seen = new Set<string>();
    for (let n = 0; n < 200_000; n++) seen.add(codec.encode(n));
    expect(seen.size).toBe(200_000);
    const [a, b] = [codec.encode(1000), codec.encode(1001)];
    let shared = 0;
    for (let i = 0; i < 7; i++) if (a[i] === b[i]) shared++;
    expect(shared).toBeLessThan(4);
  });

  it("has no collision over millions of ids, consecutive and spread over the allocator's layout", () => {
    const seen = new Set<string>();
    for (let n = 0; n < 1_500_000; n++) seen.add(codec.encode(n));
    // One block of each of many shards and far blocks: the integers real shards hand out.
    for (let shard = 0; shard < 256; shard += 51)
      for (const block of [1, 1000, 209_903]) for (let offset = 0; offset < 20_000; offset++) seen.add(codec.encode(block * 2 ** 24 + shard * 65_536 + offset));
    expect(seen.size).toBe(1_500_000 + 6 * 3 * 20_000);
  });

  it("is a bijection the other way too: any 7-char link decodes to an id that encodes back to it", () => {
    for (let i = 0; i < 20_000; i++) {
      const link = Array.from({ length: 7 }, () => ALPHABET[Math.floor(Math.random() * 62)]).join("");
      const n = codec.decode(link);
      expect(n).toBeGreaterThanOrEqual(0);
      expect(n).toBeLessThan(ID_SPACE);
      expect(codec.encode(n)).toBe(link);
    }
    for (const link of ["0000000", "zzzzzzz"]) expect(codec.encode(codec.decode(link))).toBe(link);
  });

  it("depends on the key", () => {
    const other = createLinkCodec("another-secret-abcdefghij");
    expect(other.encode(12345)).not.toBe(codec.encode(12345));
  });

  it("refuses values outside the space and malformed ids", () => {
    expect(() => codec.encode(-1)).toThrow(RangeError);
    expect(() => codec.encode(ID_SPACE)).toThrow(RangeError);
    expect(() => codec.encode(1.5)).toThrow(RangeError);
    expect(() => codec.decode("abc")).toThrow(RangeError);
    expect(() => codec.decode("abc-def")).toThrow(RangeError);
    expect(isLinkId("../../x")).toBe(false);
    expect(() => createLinkCodec("short")).toThrow();
  });
});
