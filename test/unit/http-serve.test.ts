import { describe, expect, it, vi } from "vitest";
import { allCacheKeys, variantCacheKey, type VariantRequest } from "../../core/cache-keys";
import { AppError } from "../../core/errors";
import { acceptedModernFormats } from "../../core/http/negotiate";
import { createLinkCodec } from "../../core/link-codec";
import { ALLOCATOR_TIMEOUT_MS, wasIssued } from "../../workers/serve/issued";
import { parseVariantSpec, pickVariant, type ServedVariant } from "../../workers/serve/select";

const O = "https://img.example";
const ID = "Ab3dE6g";

function variants(widths: number[], formats: ServedVariant["format"][]): ServedVariant[] {
  return widths.flatMap((width) => formats.map((format) => ({ width, height: Math.round(width * 0.625), format, bytes: 1000 })));
}
function code(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return err instanceof AppError ? `${err.status} ${err.code}` : String(err);
  }
  return undefined;
}

describe("parseVariantSpec", () => {
  it("reads a width and an optional extension", () => {
    expect(parseVariantSpec(undefined)).toEqual({ requested: "auto" });
    expect(parseVariantSpec("800")).toEqual({ requested: 800 });
    expect(parseVariantSpec("500.jpg")).toEqual({ requested: 500, format: "jpeg" });
    expect(parseVariantSpec("500.jpeg")).toEqual({ requested: 500, format: "jpeg" });
    expect(parseVariantSpec("1024.webp")).toEqual({ requested: 1024, format: "webp" });
    expect(parseVariantSpec("1024.avif")).toEqual({ requested: 1024, format: "avif" });
    expect(parseVariantSpec("700.png")).toEqual({ requested: 700, format: "png" });
  });
  it("answers 404 for widths that cannot exist and 400 for unknown extensions", () => {
    for (const s of ["0", "0800", "2048", "1025", "abc", "-5", "800.jpg.png", "99999999"]) expect(code(() => parseVariantSpec(s)), s).toBe("404 not_found");
    for (const s of ["800.", "800.gif", "800.JPG", "800.svg", "800.toString", "800.constructor"]) expect(code(() => parseVariantSpec(s)), s).toBe("400 bad_request");
  });
});

describe("pickVariant", () => {
  const big = variants([1024, 800, 500], ["webp", "jpeg"]);
  const narrow = variants([700, 500], ["webp", "png"]);
  const tiny = variants([300], ["webp", "jpeg"]);
  const pick = (v: ServedVariant[], req: VariantRequest, accept: string | null) => {
    const c = pickVariant(ID, v, req, req.format ? [] : acceptedModernFormats(accept));
    return `${c.key} ${c.negotiated ? "negotiated" : "explicit"}`;
  };
  it("serves each standard width, negotiated or forced", () => {
    expect(pick(big, { requested: "auto" }, "image/webp")).toBe(`variants/${ID}/1024.webp negotiated`);
    expect(pick(big, { requested: 800 }, "*/*")).toBe(`variants/${ID}/800.jpg negotiated`);
    expect(pick(big, { requested: 500, format: "webp" }, null)).toBe(`variants/${ID}/500.webp explicit`);
  });
  it("answers a width wider than the image with its largest variant not wider than asked", () => {
    expect(pick(narrow, { requested: "auto" }, null)).toBe(`variants/${ID}/700.png negotiated`);
    expect(pick(narrow, { requested: 1024 }, "image/webp")).toBe(`variants/${ID}/700.webp negotiated`);
    expect(pick(narrow, { requested: 800 }, null)).toBe(`variants/${ID}/700.png negotiated`);
    expect(pick(narrow, { requested: 700 }, null)).toBe(`variants/${ID}/700.png negotiated`);
    expect(pick(tiny, { requested: 500 }, null)).toBe(`variants/${ID}/300.jpg negotiated`);
  });
  it("serves AVIF when it was made and asked for", () => {
    const avif = variants([1024, 800, 500], ["avif", "webp", "jpeg"]);
    expect(pick(avif, { requested: 800 }, "image/avif,image/webp,*/*")).toBe(`variants/${ID}/800.avif negotiated`);
    expect(pick(avif, { requested: 800 }, "image/webp,*/*")).toBe(`variants/${ID}/800.webp negotiated`);
    expect(pick(big, { requested: 800 }, "image/avif,*/*")).toBe(`variants/${ID}/800.jpg negotiated`);
  });
  it("refuses widths the image was not made at and formats it lacks", () => {
    expect(code(() => pick(big, { requested: 333 }, null))).toBe("404 not_found");
    expect(code(() => pick(big, { requested: 700 }, null))).toBe("404 not_found");
    expect(code(() => pick(big, { requested: 800, format: "png" }, null))).toBe("404 not_found");
    expect(code(() => pick(big, { requested: 800, format: "avif" }, null))).toBe("404 not_found");
    expect(code(() => pick([], { requested: "auto" }, null))).toBe("404 not_found");
  });
});

describe("cache keys", () => {
  it("names the forced format, or the client's accepted list for negotiated answers", () => {
    expect(variantCacheKey(O, ID, { requested: 800, format: "jpeg" }, [])).toBe(`${O}/i/${ID}/800.jpg`);
    expect(variantCacheKey(O, ID, { requested: 800 }, ["avif", "webp"])).toBe(`${O}/i/${ID}/800?accepts=avif,webp`);
    expect(variantCacheKey(O, ID, { requested: "auto" }, [])).toBe(`${O}/i/${ID}/auto?accepts=none`);
  });
  it("never shares a negotiated key between clients that would get different formats", () => {
    const accepts = ["image/avif,image/webp,*/*", "image/webp,*/*", "image/avif,*/*", "*/*", "image/webp;q=0.5,image/avif;q=0.4"];
    const keys = accepts.map((a) => variantCacheKey(O, ID, { requested: 800 }, acceptedModernFormats(a)));
    expect(new Set(keys).size).toBe(accepts.length);
  });
  it("purges every key any request could have used", () => {
    for (const [vs, widths] of [
      [variants([1024, 800, 500], ["avif", "webp", "jpeg"]), [1024, 800, 500]],
      [variants([700, 500], ["webp", "png"]), [1024, 800, 700, 500]],
    ] as const) {
      const purge = new Set(allCacheKeys(O, ID, vs));
      const accepts = [null, "*/*", "image/webp", "image/avif", "image/avif,image/webp", "image/webp,image/avif;q=0.9", "image/avif;q=0.1,image/webp;q=0.2"];
      for (const requested of ["auto", ...widths] as const) {
        for (const a of accepts) expect(purge.has(variantCacheKey(O, ID, { requested }, acceptedModernFormats(a))), `${requested} ${a}`).toBe(true);
        for (const format of new Set(vs.map((v) => v.format))) expect(purge.has(variantCacheKey(O, ID, { requested, format }, []))).toBe(true);
      }
      expect([...purge].every((k) => k.startsWith(`${O}/i/${ID}/`))).toBe(true);
      expect(purge.size).toBeLessThanOrEqual(40);
    }
  });
});

describe("wasIssued (the allocator's never-issued check)", () => {
  const codec = createLinkCodec("unit-test-secret-0123456789");
  it("asks the allocator about the id's integer, and remembers a yes (ids are never reused)", async () => {
    const isAllocated = vi.fn(async (seq: number) => seq === 42);
    expect(await wasIssued(codec.encode(42), codec, { isAllocated })).toBe(true);
    expect(await wasIssued(codec.encode(43), codec, { isAllocated })).toBe(false);
    expect(await wasIssued(codec.encode(42), codec, { isAllocated })).toBe(true);
    expect(await wasIssued(codec.encode(43), codec, { isAllocated })).toBe(false);
    expect(isAllocated.mock.calls).toEqual([[42], [43], [43]]);
  });
  it("fails open: no check, an error or a slow answer means read the row", async () => {
    vi.spyOn(console, "warn").mockImplementation(() => {});
    const id = codec.encode(7);
    expect(await wasIssued(id, undefined, { isAllocated: async () => false })).toBeUndefined();
    expect(await wasIssued(id, codec, undefined)).toBeUndefined();
    expect(await wasIssued(id, codec, { isAllocated: async () => Promise.reject(new Error("overloaded")) })).toBeUndefined();
    vi.useFakeTimers();
    const slow = wasIssued(id, codec, { isAllocated: () => new Promise<boolean>(() => {}) });
    await vi.advanceTimersByTimeAsync(ALLOCATOR_TIMEOUT_MS + 1);
    expect(await slow).toBeUndefined();
    vi.useRealTimers();
  });
});
