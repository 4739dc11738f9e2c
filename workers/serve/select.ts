import { AppError } from "../../core/errors";
import { negotiateFormat } from "../../core/http/negotiate";
import type { StoredVariant } from "../../core/schemas";
import { chooseWidth, variantKey, VARIANT_WIDTHS, type VariantFormat } from "../../core/variants";

export interface VariantSpec {
  /** The width asked for, or "auto" for `/i/{id}` (the largest variant). */
  requested: number | "auto";
  /** Set when the URL's extension forces the format. */
  format?: VariantFormat;
}

const EXT_FORMAT: Record<string, VariantFormat> = { webp: "webp", jpg: "jpeg", jpeg: "jpeg", png: "png" };

/** Parses `{width}` or `{width}.{ext}` from `/i/{id}/{spec}`. */
export function parseVariantSpec(spec: string): VariantSpec {
  const m = /^(\d{1,5})(?:\.([a-z]+))?$/.exec(spec);
  if (!m) throw new AppError("not_found", "no such image variant");
  const width = Number(m[1]);
  if (width < 1 || width > VARIANT_WIDTHS[0]) throw new AppError("not_found", `widths are ${VARIANT_WIDTHS.join(", ")}`);
  if (m[2] === undefined) return { requested: width };
  const format = EXT_FORMAT[m[2]];
  if (!format) throw new AppError("bad_request", "extension must be webp, jpg or png");
  return { requested: width, format };
}

export interface VariantChoice {
  variant: StoredVariant;
  key: string;
  negotiated: boolean;
}

/**
 * Picks the stored variant for a request. Widths: the standard ones, or any width this image was
 * actually made at (an image narrower than 1024 px also has a copy at its own width). Format: the
 * extension's, else negotiated from `Accept`.
 */
export function pickVariant(id: string, variants: readonly StoredVariant[], spec: VariantSpec, accept: string | null): VariantChoice {
  const widths = [...new Set(variants.map((v) => v.width))];
  const standard = (VARIANT_WIDTHS as readonly number[]).includes(spec.requested as number);
  if (spec.requested !== "auto" && !standard && !widths.includes(spec.requested)) throw new AppError("not_found", "no such image variant");
  const width = spec.requested === "auto" ? Math.max(...widths) : chooseWidth(widths, spec.requested);
  const atWidth = variants.filter((v) => v.width === width);
  const formats = atWidth.map((v) => v.format);
  const format = spec.format ?? negotiateFormat(accept, formats);
  const variant = atWidth.find((v) => v.format === format);
  if (!variant || width === undefined) throw new AppError("not_found", "this image has no variant in that format at that width");
  return { variant, key: variantKey(id, width, variant.format), negotiated: spec.format === undefined };
}
