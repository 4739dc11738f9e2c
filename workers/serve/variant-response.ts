import { FORMAT_EXTENSION, FORMAT_TYPE } from "../../core/http/formats";
import type { VariantChoice } from "./select";

/** Variants never change once written: their URLs are cacheable forever, everywhere. */
export const IMMUTABLE = "public, max-age=31536000, immutable";

/**
 * The full `200` for a stored variant, exactly as it is put in the cache; every other answer (304,
 * 206, 416, HEAD) is derived from it by `answer()`.
 */
export async function variantResponse(object: R2ObjectBody, id: string, choice: VariantChoice): Promise<Response> {
  const body = await object.arrayBuffer();
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
    // Lets the zone purge API drop every copy of an image in every data centre with one call.
    "cache-tag": `img-${id}`,
  });
  if (negotiated) headers.set("vary", "Accept");
  return new Response(body, { status: 200, headers });
}
