import { describe, expect, it } from "vitest";
import { createLinkCodec, ID_SPACE, isLinkId } from "../../core/link-codec";

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
