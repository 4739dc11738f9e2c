import { FORMAT_EXTENSION, FORMAT_TYPE } from "../../core/http/formats";
import type { VariantChoice } from "./select";

/** Variants never change once written: their URLs are cacheable forever, everywhere. */
export const IMMUTABLE = "public, max-age=31536000, immutable";

/**
 * The full `200` for a stored variant, exactly as it is put in the cache (`x-cache: HIT` baked in, so
 * a plain hit is returned as stored); every other answer (304, 206, 416, HEAD) is derived from it by
 * `answer()`. It carries every header the Workers' common middleware would add, so that middleware
 * never has to touch a cached response.
 */
export function variantResponse(body: ArrayBuffer, object: R2Object, id: string, choice: VariantChoice, cache: "HIT" | "MISS"): Response {
  const { variant, negotiated } = choice;
  const expected = FORMAT_TYPE[variant.format];
  // The type the resize engine stored with the bytes, unless it disagrees with the row: then the
  // row's format wins, so a bad write can never make us label an image as something else.
  const stored = object.httpMetadata?.contentType?.split(";")[0]?.trim().toLowerCase();
  const headers = new Headers({
    "content-type": stored === expected ? stored : expected,
    "content-length": String(body.byteLength),
    "cache-control": IMMUTABLE,
    // R2's ETag is the object's MD5 (or a multipart digest): a strong validator of these exact bytes.
    etag: object.httpEtag,
    "last-modified": object.uploaded.toUTCString(),
    "accept-ranges": "bytes",
    // Inline, with a name made only of the id (base62), digits and a fixed extension: nothing to escape.
    "content-disposition": `inline; filename="${id}-${variant.width}.${FORMAT_EXTENSION[variant.format]}"`,
    // Images are meant to be hotlinked: readable from any origin, in <img> and in canvas via CORS.
    "cross-origin-resource-policy": "cross-origin",
    "access-control-allow-origin": "*",
    "x-content-type-options": "nosniff",
    "referrer-policy": "strict-origin-when-cross-origin",
    // Lets the zone purge API drop every copy of an image in every data centre with one call.
    "cache-tag": `img-${id}`,
    "x-cache": cache,
  });
  if (negotiated) headers.set("vary", "Accept");
  return new Response(body, { status: 200, headers });
}
