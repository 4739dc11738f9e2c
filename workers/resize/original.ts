/**
 * Reads an original from R2, stopping where its image ends. The upload Worker records in the
 * object's custom metadata how many leading bytes a decoder reads (`imageBytes`, see core/sniff):
 * a motion photo's video or a camera's trailer after the JPEG is never copied into the isolate,
 * which leaves the engine its memory. Without that record (older objects) the whole object is read.
 */
export function imageLength(objectSize: number, recorded: string | undefined): number {
  const n = Number(recorded);
  return Number.isInteger(n) && n > 0 && n < objectSize ? n : objectSize;
}

/** The first `length` bytes of a stream; the rest is cancelled, not read. */
export async function readPrefix(stream: ReadableStream<Uint8Array>, length: number): Promise<Uint8Array> {
  const out = new Uint8Array(length);
  const reader = stream.getReader();
  let filled = 0;
  try {
    while (filled < length) {
      const { done, value } = await reader.read();
      if (done) break;
      const take = Math.min(value.length, length - filled);
      out.set(value.subarray(0, take), filled);
      filled += take;
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
  return filled === length ? out : out.subarray(0, filled);
}

/** The original's image bytes, or null when the object is gone. */
export async function readOriginal(bucket: R2Bucket, key: string): Promise<Uint8Array | null> {
  const object = await bucket.get(key);
  if (!object) return null;
  return readPrefix(object.body, imageLength(object.size, object.customMetadata?.imageBytes));
}
