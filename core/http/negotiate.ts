import type { VariantFormat } from "../variants";

/** Quality value a media range in `Accept` gives `type` (0 when refused or absent). */
function acceptQuality(accept: string, type: string): number {
  const [major] = type.split("/");
  let best = -1;
  let bestSpecificity = -1;
  for (const part of accept.split(",")) {
    const [range = "", ...params] = part.trim().toLowerCase().split(";");
    const specificity = range === type ? 2 : range === `${major}/*` ? 1 : range === "*/*" ? 0 : -1;
    if (specificity < 0 || specificity < bestSpecificity) continue;
    const q = params.map((p) => p.trim()).find((p) => p.startsWith("q="));
    const quality = q ? Number(q.slice(2)) : 1;
    bestSpecificity = specificity;
    best = Number.isFinite(quality) ? quality : 0;
  }
  return Math.max(best, 0);
}

/**
 * The format to serve from the ones an image has: WebP when the client explicitly lists it (a
 * bare `*\/*` is not taken as WebP support: old clients send it too), else the fallback
 * (JPEG, or PNG for images with alpha), which every client decodes.
 */
export function negotiateFormat(accept: string | null, available: readonly VariantFormat[]): VariantFormat | undefined {
  const header = accept ?? "";
  const fallback = available.find((f) => f !== "webp");
  if (available.includes("webp") && acceptQuality(header, "image/webp") > 0 && /image\/webp/i.test(header)) return "webp";
  return fallback ?? available[0];
}
