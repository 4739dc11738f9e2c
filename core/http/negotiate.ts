import { BASE_FORMATS, FORMAT_TYPE, MODERN_FORMATS, type ModernFormat, type ServedFormat } from "./formats";

/**
 * The quality `Accept` gives a media type (RFC 9110 12.5.1): the `q` of the most specific range that
 * matches it, 0 when none does. With `explicitOnly`, wildcards do not count: `image/*` and `*\/*` are
 * sent by clients that cannot decode WebP or AVIF, so only naming the type is taken as support.
 */
export function acceptQuality(accept: string, type: string, explicitOnly = false): number {
  const major = type.slice(0, type.indexOf("/"));
  let quality = 0;
  let specificity = -1;
  for (const part of accept.split(",")) {
    const [range = "", ...params] = part.split(";").map((s) => s.trim().toLowerCase());
    const s = range === type ? 2 : explicitOnly ? -1 : range === `${major}/*` ? 1 : range === "*/*" ? 0 : -1;
    if (s <= specificity) continue;
    specificity = s;
    quality = parseQ(params.find((p) => p.startsWith("q=")));
  }
  return quality;
}

/** `q=` as a number in [0, 1]; absent means 1, a malformed value counts as a refusal. */
function parseQ(param: string | undefined): number {
  if (param === undefined) return 1;
  const q = /^q=(0(?:\.\d{0,3})?|1(?:\.0{0,3})?)$/.exec(param);
  return q ? Number(q[1]) : 0;
}

/**
 * The modern formats a client asks for, best first: each one it names with `q > 0`, ordered by its
 * `q` and, on a tie, by ours (AVIF before WebP: smaller files). This list is the whole input of
 * negotiation, so it is also what a negotiated answer's cache key records.
 *
 * @example acceptedModernFormats("image/avif,image/webp,image/*,*\/*;q=0.8") // ["avif", "webp"]
 */
export function acceptedModernFormats(accept: string | null): ModernFormat[] {
  if (!accept) return [];
  return MODERN_FORMATS.map((format, preference) => ({ format, preference, q: acceptQuality(accept, FORMAT_TYPE[format], true) }))
    .filter((c) => c.q > 0)
    .sort((a, b) => b.q - a.q || a.preference - b.preference)
    .map((c) => c.format);
}

/**
 * The format an image is served in: the first accepted modern format it was made in, else its base
 * format (JPEG, or PNG for images with alpha), which every client decodes. Serving the base format
 * even to a client that did not list it is the RFC's "disregard Accept" choice: better a JPEG than
 * a 406 in an `<img>`.
 */
export function chooseFormat(accepted: readonly ModernFormat[], available: readonly ServedFormat[]): ServedFormat | undefined {
  return accepted.find((f) => available.includes(f)) ?? available.find((f) => (BASE_FORMATS as readonly string[]).includes(f));
}
