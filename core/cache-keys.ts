import { EXTENSIONS, VARIANT_WIDTHS, type VariantFormat } from "./variants";

/**
 * The serve Worker caches each answer under a synthetic URL naming exactly what was chosen:
 * the requested width ("auto" for `/i/{id}`), the format served, and whether it was negotiated
 * (negotiated answers carry `Vary: Accept`, explicit ones do not). One key, one body: a client can
 * never be handed a format it did not ask for.
 */
export function cacheKey(origin: string, id: string, requested: number | "auto", format: VariantFormat, negotiated: boolean): string {
  return `${origin}/i/${id}/${requested}.${EXTENSIONS[format]}?negotiated=${negotiated ? 1 : 0}`;
}

/** Every key the serve Worker may have used for an image, so a delete can purge them all. */
export function allCacheKeys(origin: string, id: string, variantWidths: readonly number[]): string[] {
  const requests: Array<number | "auto"> = ["auto", ...new Set([...VARIANT_WIDTHS, ...variantWidths])];
  const formats = Object.keys(EXTENSIONS) as VariantFormat[];
  return requests.flatMap((r) => formats.flatMap((f) => [cacheKey(origin, id, r, f, true), cacheKey(origin, id, r, f, false)]));
}
