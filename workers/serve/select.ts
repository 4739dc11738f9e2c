import { z } from "zod";
import type { VariantRequest } from "../../core/cache-keys";
import { AppError } from "../../core/errors";
import { FORMAT_EXTENSION, SERVED_FORMATS, formatForExtension, type ModernFormat } from "../../core/http/formats";
import { chooseFormat } from "../../core/http/negotiate";
import { VARIANT_WIDTHS, chooseWidth, variantKey } from "../../core/variants";

/**
 * A variant as the D1 row lists it. Wider than `StoredVariant` on purpose: it also admits AVIF, so
 * AVIF variants are served the day the resize engine starts writing them.
 */
export const ServedVariant = z.object({
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  format: z.enum(SERVED_FORMATS),
  bytes: z.number().int().nonnegative(),
});
export type ServedVariant = z.infer<typeof ServedVariant>;
export const ServedVariants = z.array(ServedVariant);

const SPEC = /^([1-9]\d{0,4})(?:\.([^.]*))?$/;

/**
 * Parses `{width}` or `{width}.{ext}` from `/i/{id}/{spec}`. A width must be written canonically (no
 * leading zeros) so one variant has one URL; widths above the largest variant are unknown (404);
 * an extension that names no format we serve is a malformed request (400).
 */
export function parseVariantSpec(spec: string | undefined): VariantRequest {
  if (spec === undefined) return { requested: "auto" };
  const m = SPEC.exec(spec);
  if (!m) throw new AppError("not_found", "no such image variant");
  const width = Number(m[1]);
  if (width > VARIANT_WIDTHS[0]) throw new AppError("not_found", `no variant wider than ${VARIANT_WIDTHS[0]} px`);
  if (m[2] === undefined) return { requested: width };
  const format = formatForExtension(m[2]);
  if (!format) throw new AppError("bad_request", `extension must be one of ${Object.values(FORMAT_EXTENSION).join(", ")}`);
  return { requested: width, format };
}

export interface VariantChoice {
  variant: ServedVariant;
  /** The R2 object: `variants/{id}/{width}.{ext}`. */
  key: string;
  negotiated: boolean;
}

/**
 * Picks the stored variant for a request. Widths: the standard ones, or any width this image was
 * made at (an image narrower than 1024 px also has a copy at its own width); a standard width the
 * image is narrower than is answered in place with its largest variant not wider than asked (never
 * an upscale, never a redirect: one round trip, and the answer is cached under the asked URL).
 * Format: the extension's, else the first accepted modern format the image has, else its base format.
 */
export function pickVariant(id: string, variants: readonly ServedVariant[], req: VariantRequest, accepted: readonly ModernFormat[]): VariantChoice {
  const widths = [...new Set(variants.map((v) => v.width))];
  const { requested } = req;
  const known = requested === "auto" || (VARIANT_WIDTHS as readonly number[]).includes(requested) || widths.includes(requested);
  if (!known) throw new AppError("not_found", `widths are ${VARIANT_WIDTHS.join(", ")} or the image's own`);
  const width = requested === "auto" ? Math.max(...widths) : chooseWidth(widths, requested);
  const atWidth = variants.filter((v) => v.width === width);
  const format = req.format ?? chooseFormat(accepted, atWidth.map((v) => v.format));
  const variant = atWidth.find((v) => v.format === format);
  if (!variant) throw new AppError("not_found", "this image has no variant in that format at that width");
  return { variant, key: variantKey(id, variant.width, variant.format), negotiated: req.format === undefined };
}
