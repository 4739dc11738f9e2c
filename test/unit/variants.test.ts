import { describe, expect, it } from "vitest";
import { retryDelaySeconds } from "../../core/retry";
import { chooseWidth, planWidths, scaledHeight, variantKey } from "../../core/variants";

describe("variant planning", () => {
  it("never upscales and always leaves one variant", () => {
    expect(planWidths(4000)).toEqual([1024, 800, 500]);
    expect(planWidths(1024)).toEqual([1024, 800, 500]);
    expect(planWidths(900)).toEqual([900, 800, 500]);
    expect(planWidths(800)).toEqual([800, 500]);
    expect(planWidths(600)).toEqual([600, 500]);
    expect(planWidths(500)).toEqual([500]);
    expect(planWidths(32)).toEqual([32]);
    expect(planWidths(1)).toEqual([1]);
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
