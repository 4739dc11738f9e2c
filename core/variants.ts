/** The widths every upload is offered at, largest first. */
export const VARIANT_WIDTHS = [1024, 800, 500] as const;

export type VariantFormat = "avif" | "webp" | "jpeg" | "png";
export const EXTENSIONS = { avif: "avif", webp: "webp", jpeg: "jpg", png: "png" } as const satisfies Record<VariantFormat, string>;
export const CONTENT_TYPES = { avif: "image/avif", webp: "image/webp", jpeg: "image/jpeg", png: "image/png" } as const satisfies Record<
  VariantFormat,
  string
>;

/**
 * Most pixels one variant may have. A variant exists whole in the resize Worker several times over
 * (the engine's RGBA, the copy being encoded, the WebP encoder's buffers), and a transparent one
 * costs far more to encode (libwebp codes its alpha losslessly; photon writes the PNG fallback):
 * measured ≈20 bytes a pixel opaque, ≈45 with alpha (docs/performance.md). These caps keep a job
 * inside its 100 MiB. They only bind for tall images: opaque ones taller than 1:3 (long
 * screenshots), and ones that can carry alpha taller than 2:3.
 */
export const MAX_VARIANT_PIXELS = 3 * 1024 * 1024;
export const MAX_VARIANT_PIXELS_ALPHA = 1.5 * 1024 * 1024;

/**
 * Target widths for an image of this display size, largest first. Never upscales: a standard width
 * wider than the image is skipped, and an image narrower than the largest standard width also gets
 * a copy at its own width, so every image has at least one variant and `/i/{id}` shows it whole.
 * A width whose variant would exceed the pixel cap is skipped too; when that leaves none (a very
 * tall image), the one variant is as wide as the cap allows.
 */
export function planWidths(displayWidth: number, displayHeight: number, hasAlpha = false): number[] {
  const cap = hasAlpha ? MAX_VARIANT_PIXELS_ALPHA : MAX_VARIANT_PIXELS;
  const candidates: number[] = VARIANT_WIDTHS.filter((w) => w <= displayWidth);
  if (displayWidth < VARIANT_WIDTHS[0]) candidates.unshift(displayWidth);
  const fits = (w: number) => w * scaledHeight(displayWidth, displayHeight, w) <= cap;
  const widths = candidates.filter(fits);
  if (widths.length === 0) {
    let w = Math.max(1, Math.min(displayWidth, Math.floor(Math.sqrt((cap * displayWidth) / displayHeight))));
    while (w > 1 && !fits(w)) w--;
    widths.push(w);
  }
  return [...new Set(widths)].sort((a, b) => b - a);
}

/** Height of a variant that keeps the aspect ratio, at least one pixel. */
export function scaledHeight(srcWidth: number, srcHeight: number, width: number): number {
  return Math.max(1, Math.round((srcHeight * width) / srcWidth));
}

/**
 * The variant width that answers a request for `requested`: the largest one not wider than asked,
 * or, when every variant is wider (a request below the image's smallest copy), the smallest there is.
 */
export function chooseWidth(available: readonly number[], requested: number): number | undefined {
  const sorted = [...available].sort((a, b) => b - a);
  return sorted.find((w) => w <= requested) ?? sorted.at(-1);
}

export function variantKey(id: string, width: number, format: VariantFormat): string {
  return `variants/${id}/${width}.${EXTENSIONS[format]}`;
}

export function originalKey(id: string): string {
  return `originals/${id}`;
}
