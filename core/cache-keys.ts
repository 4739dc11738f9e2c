import { FORMAT_EXTENSION, MODERN_FORMATS, type ModernFormat, type ServedFormat } from "./http/formats";
import { VARIANT_WIDTHS } from "./variants";

/** What a variant URL asks for: a width (or "auto" for `/i/{id}`) and, with an extension, a format. */
export interface VariantRequest {
  requested: number | "auto";
  format?: ServedFormat;
}

/**
 * The `caches.default` key for an image answer: the variant, or a short-lived status answer (unknown,
 * failed, processing) for the same request. Keys are synthetic URLs under `/i/{id}/` (so one prefix
 * covers an image) that name everything the answer depends on:
 * - an extension URL: the width asked for and the forced format (`/i/{id}/800.webp`);
 * - a negotiated URL: the width and the client's accepted modern formats in order
 *   (`/i/{id}/800?accepts=avif,webp`). With an image's variants (immutable once ready) that list
 *   fixes the chosen format, so an answer cached for one client is only ever reused for a client
 *   that would have been given the same format: a WebP never reaches a client that did not ask
 *   for WebP. Browsers send a handful of distinct lists, so the cache holds few copies.
 */
export function variantCacheKey(origin: string, id: string, req: VariantRequest, accepted: readonly ModernFormat[]): string {
  if (req.format) return `${origin}/i/${id}/${req.requested}.${FORMAT_EXTENSION[req.format]}`;
  return `${origin}/i/${id}/${req.requested}?accepts=${accepted.join(",") || "none"}`;
}

/** Every ordering of every subset of the modern formats: all the lists `acceptedModernFormats` can return. */
function acceptedLists(formats: readonly ModernFormat[] = MODERN_FORMATS): ModernFormat[][] {
  const out: ModernFormat[][] = [[]];
  for (const f of formats) {
    for (const rest of acceptedLists(formats.filter((g) => g !== f))) out.push([f, ...rest]);
  }
  return out;
}

/**
 * Every key the serve Worker may have used for an image, so a delete can purge them all: each width
 * a URL can ask for (the standard ones, "auto", and the image's own widths) with every accepted-list
 * and every format the image was made in. About 30 keys for a typical image.
 */
export function allCacheKeys(origin: string, id: string, variants: ReadonlyArray<{ width: number; format: ServedFormat }>): string[] {
  const requests: Array<number | "auto"> = ["auto", ...new Set([...VARIANT_WIDTHS, ...variants.map((v) => v.width)])];
  const formats = [...new Set(variants.map((v) => v.format))];
  const lists = acceptedLists();
  return requests.flatMap((requested) => [
    ...lists.map((l) => variantCacheKey(origin, id, { requested }, l)),
    ...formats.map((format) => variantCacheKey(origin, id, { requested, format }, [])),
  ]);
}
