import { describe, expect, it } from "vitest";
import { retryDelaySeconds } from "../../core/retry";
import { chooseWidth, MAX_VARIANT_PIXELS, MAX_VARIANT_PIXELS_ALPHA, planWidths, scaledHeight, variantKey } from "../../core/variants";

describe("variant planning", () => {
  it("never upscales and always leaves one variant", () => {
    expect(planWidths(4000, 3000)).toEqual([1024, 800, 500]);
    expect(planWidths(1024, 768)).toEqual([1024, 800, 500]);
    expect(planWidths(900, 1200)).toEqual([900, 800, 500]);
    expect(planWidths(800, 800)).toEqual([800, 500]);
    expect(planWidths(600, 400)).toEqual([600, 500]);
    expect(planWidths(500, 20)).toEqual([500]);
    expect(planWidths(32, 32)).toEqual([32]);
    expect(planWidths(1, 1)).toEqual([1]);
  });

  it("skips widths whose variant would exceed the pixel cap (long screenshots)", () => {
    // Opaque: 1:3 exactly fits at 1024 (1024x3072); a phone screenshot keeps its 1024 px variant.
    expect(planWidths(1080, 3240)).toEqual([1024, 800, 500]);
    expect(planWidths(1080, 2400)).toEqual([1024, 800, 500]);
    // A scrolling screenshot: 1024x3413 is too many pixels, 800x2667 is not.
    expect(planWidths(1080, 3600)).toEqual([800, 500]);
    expect(planWidths(1080, 16000)).toEqual([460]);
  });

  it("caps transparent-capable images lower: their variants cost more to encode", () => {
    expect(planWidths(1024, 1536, true)).toEqual([1024, 800, 500]);
    expect(planWidths(1080, 1920, true)).toEqual([800, 500]);
    expect(planWidths(1080, 1920, false)).toEqual([1024, 800, 500]);
  });

  it("keeps one variant, as wide as the cap allows, for an image too tall for any standard width", () => {
    for (const [dw, dh, alpha] of [[1080, 16000, false], [328, 16384, false], [328, 16384, true], [700, 30000, true]] as const) {
      const cap = alpha ? MAX_VARIANT_PIXELS_ALPHA : MAX_VARIANT_PIXELS;
      const widths = planWidths(dw, dh, alpha);
      expect(widths.length).toBe(1);
      const w = widths[0]!;
      expect(w * scaledHeight(dw, dh, w)).toBeLessThanOrEqual(cap);
      expect((w + 1) * scaledHeight(dw, dh, w + 1)).toBeGreaterThan(cap);
    }
    expect(planWidths(1, 16384)).toEqual([1]);
    for (const [dw, dh] of [[1080, 2400], [4000, 3000], [16384, 328], [700, 30000]]) {
      for (const alpha of [false, true]) {
        for (const width of planWidths(dw!, dh!, alpha)) expect(width * scaledHeight(dw!, dh!, width)).toBeLessThanOrEqual(alpha ? MAX_VARIANT_PIXELS_ALPHA : MAX_VARIANT_PIXELS);
      }
    }
  });

  it("keeps the aspect ratio, at least one pixel", () => {
    expect(scaledHeight(2560, 1600, 1024)).toBe(640);
    expect(scaledHeight(1800, 1200, 500)).toBe(333);
    expect(scaledHeight(10000, 1, 500)).toBe(1);
  });

  it("chooses the largest variant not wider than asked", () => {
    expect(chooseWidth([1024, 800, 500], 800)).toBe(800);
    expect(chooseWidth([900, 800, 500], 1024)).toBe(900);
    expect(chooseWidth([300], 500)).toBe(300);
    expect(chooseWidth([800, 500], 400)).toBe(500);
    expect(chooseWidth([], 400)).toBeUndefined();
  });

  it("builds keys only from validated parts", () => {
    expect(variantKey("abcDEF1", 800, "jpeg")).toBe("variants/abcDEF1/800.jpg");
  });
});

describe("resize retry backoff", () => {
  it("doubles per attempt and is capped", () => {
    expect([1, 2, 3, 4].map(retryDelaySeconds)).toEqual([2, 4, 8, 16]);
    expect(retryDelaySeconds(0)).toBe(2);
    expect(retryDelaySeconds(20)).toBe(300);
  });
});
