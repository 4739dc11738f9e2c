import { AppError } from "../../core/errors";

/** Room for multipart boundaries and part headers around the file itself. */
const MULTIPART_OVERHEAD = 64 * 1024;

/**
 * Reads the upload's bytes, refusing oversize bodies while reading (a client may lie in or omit
 * Content-Length, so the stream itself is counted). Accepts `multipart/form-data` with field `file`,
 * or the image as the raw body.
 */
export async function readUpload(req: Request, maxBytes: number, idleTimeoutMs: number): Promise<Uint8Array> {
  const type = req.headers.get("content-type") ?? "";
  const isMultipart = /^multipart\/form-data\s*;/i.test(type);
  const cap = isMultipart ? maxBytes + MULTIPART_OVERHEAD : maxBytes;
  const declared = Number(req.headers.get("content-length") ?? NaN);
  if (declared > cap) throw tooLarge(maxBytes);

  const raw = await readCapped(req.body, cap, maxBytes, idleTimeoutMs);
  if (!isMultipart) {
    if (raw.byteLength === 0) throw new AppError("bad_request", "empty body: send the image as the body or as multipart field 'file'");
    return raw;
  }
  let form: FormData;
  try {
    form = await new Response(raw, { headers: { "content-type": type } }).formData();
  } catch (err) {
    throw new AppError("bad_request", "malformed multipart body", { cause: err });
  }
  const file = form.get("file");
  if (file === null || typeof file === "string") throw new AppError("bad_request", "multipart field 'file' with an image is required");
  if (file.size > maxBytes) throw tooLarge(maxBytes);
  if (file.size === 0) throw new AppError("bad_request", "the uploaded file is empty");
  return new Uint8Array(await file.arrayBuffer());
}

/**
 * Counts bytes as they arrive and gives up on a body that stalls: a client that stops sending must
 * not hold a request (and its memory) open indefinitely.
 */
async function readCapped(body: ReadableStream<Uint8Array> | null, cap: number, maxBytes: number, idleTimeoutMs: number): Promise<Uint8Array> {
  if (!body) return new Uint8Array(0);
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await readWithin(reader, idleTimeoutMs);
    if (done) break;
    total += value.byteLength;
    if (total > cap) {
      await reader.cancel().catch(() => {});
      throw tooLarge(maxBytes);
    }
    chunks.push(value);
  }
  const out = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}

async function readWithin(reader: ReadableStreamDefaultReader<Uint8Array>, ms: number): Promise<ReadableStreamReadResult<Uint8Array>> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const stalled = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new AppError("request_timeout", `the upload stalled: no data for ${ms / 1000} s`)), ms);
  });
  try {
    return await Promise.race([reader.read(), stalled]);
  } catch (err) {
    await reader.cancel().catch(() => {});
    throw err;
  } finally {
    clearTimeout(timer);
  }
}

function tooLarge(maxBytes: number): AppError {
  return new AppError("payload_too_large", `uploads are limited to ${maxBytes} bytes`);
}
