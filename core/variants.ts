/** The widths every upload is offered at, largest first. */
export const VARIANT_WIDTHS = [1024, 800, 500] as const;

export type VariantFormat = "avif" | "webp" | "jpeg" | "png";
export const EXTENSIONS = { avif: "avif", webp: "webp", jpeg: "jpg", png: "png" } as const satisfies Record<VariantFormat, string>;
export const CONTENT_TYPES = { avif: "image/avif", webp: "image/webp", jpeg: "image/jpeg", png: "image/png" } as const satisfies Record<
  VariantFormat,
  string
>;

/**
 * Target widths for an image of this display width, largest first. Never upscales: a standard width
 * wider than the image is skipped, and an image narrower than the largest standard width also gets
 * a copy at its own width, so every image has at least one variant and `/i/{id}` shows it whole.
 */
export function planWidths(displayWidth: number): number[] {
  const widths: number[] = VARIANT_WIDTHS.filter((w) => w <= displayWidth);
  if (displayWidth < VARIANT_WIDTHS[0]) widths.unshift(displayWidth);
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
