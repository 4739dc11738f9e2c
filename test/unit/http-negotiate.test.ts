import { describe, expect, it } from "vitest";
import { acceptQuality, acceptedModernFormats, chooseFormat } from "../../core/http/negotiate";

/** What real clients send for an `<img>` (2025–2026 releases) and what they must be given. */
const BROWSERS = {
  chrome: "image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8",
  firefox: "image/avif,image/webp,image/png,image/svg+xml,image/*;q=0.8,*/*;q=0.5",
  safari: "image/webp,image/avif,image/jxl,image/heic,image/heic-sequence,video/*;q=0.8,image/png,image/svg+xml,image/*;q=0.8,*/*;q=0.5",
  oldFirefox: "image/png,image/*;q=0.8,*/*;q=0.5",
  curl: "*/*",
};

describe("acceptQuality", () => {
  it("takes the q of the most specific matching range", () => {
    expect(acceptQuality("image/*;q=0.5, image/jpeg;q=0.9", "image/jpeg")).toBe(0.9);
    expect(acceptQuality("image/*;q=0.5, */*;q=0.1", "image/jpeg")).toBe(0.5);
    expect(acceptQuality("*/*;q=0.1", "image/jpeg")).toBe(0.1);
    expect(acceptQuality("text/html", "image/jpeg")).toBe(0);
  });
  it("ignores wildcards when support must be explicit", () => {
    expect(acceptQuality("image/*,*/*", "image/webp", true)).toBe(0);
    expect(acceptQuality("IMAGE/WEBP ; Q=0.7", "image/webp", true)).toBe(0.7);
  });
  it("treats malformed q-values as refusals", () => {
    expect(acceptQuality("image/webp;q=2", "image/webp")).toBe(0);
    expect(acceptQuality("image/webp;q=abc", "image/webp")).toBe(0);
    expect(acceptQuality("image/webp;q=1.000", "image/webp")).toBe(1);
  });
});

describe("acceptedModernFormats", () => {
  it("lists AVIF then WebP for today's browsers, nothing for old ones and curl", () => {
    expect(acceptedModernFormats(BROWSERS.chrome)).toEqual(["avif", "webp"]);
    expect(acceptedModernFormats(BROWSERS.firefox)).toEqual(["avif", "webp"]);
    expect(acceptedModernFormats(BROWSERS.safari)).toEqual(["avif", "webp"]);
    expect(acceptedModernFormats(BROWSERS.oldFirefox)).toEqual([]);
    expect(acceptedModernFormats(BROWSERS.curl)).toEqual([]);
    expect(acceptedModernFormats(null)).toEqual([]);
    expect(acceptedModernFormats("")).toEqual([]);
  });
  it("orders by the client's q-values, ours on a tie, and drops q=0", () => {
    expect(acceptedModernFormats("image/avif;q=0.5,image/webp;q=0.9")).toEqual(["webp", "avif"]);
    expect(acceptedModernFormats("image/webp,image/avif")).toEqual(["avif", "webp"]);
    expect(acceptedModernFormats("image/webp;q=0,image/avif")).toEqual(["avif"]);
    expect(acceptedModernFormats("image/webp;q=0, image/*")).toEqual([]);
  });
});

describe("chooseFormat", () => {
  const photo = ["webp", "jpeg"] as const;
  const alpha = ["webp", "png"] as const;
  const withAvif = ["avif", "webp", "jpeg"] as const;
  it("serves the first accepted modern format the image was made in", () => {
    expect(chooseFormat(["avif", "webp"], photo)).toBe("webp");
    expect(chooseFormat(["avif", "webp"], withAvif)).toBe("avif");
    expect(chooseFormat(["webp", "avif"], withAvif)).toBe("webp");
    expect(chooseFormat(["avif"], photo)).toBe("jpeg");
  });
  it("falls back to the base format: JPEG, or PNG for images with alpha", () => {
    expect(chooseFormat([], photo)).toBe("jpeg");
    expect(chooseFormat([], alpha)).toBe("png");
    expect(chooseFormat([], withAvif)).toBe("jpeg");
    expect(chooseFormat(["webp"], ["jpeg"])).toBe("jpeg");
    expect(chooseFormat([], ["webp"])).toBeUndefined();
  });
});
