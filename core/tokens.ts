/** Delete tokens: 256 random bits, shown once; only their SHA-256 is stored. */
export function newDeleteToken(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return base64url(bytes);
}

export async function sha256Hex(data: BufferSource | string): Promise<string> {
  const input = typeof data === "string" ? new TextEncoder().encode(data) : data;
  const digest = await crypto.subtle.digest("SHA-256", input);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** Compares a presented token with the stored hash in constant time (hash first: equal lengths). */
export async function tokenMatches(presented: string, storedHashHex: string): Promise<boolean> {
  const a = new TextEncoder().encode(await sha256Hex(presented));
  const b = new TextEncoder().encode(storedHashHex);
  if (a.byteLength !== b.byteLength) return false;
  return timingSafeEqual(a, b);
}

function timingSafeEqual(a: Uint8Array, b: Uint8Array): boolean {
  const subtle = crypto.subtle as SubtleCrypto & { timingSafeEqual?: (x: ArrayBufferView, y: ArrayBufferView) => boolean };
  if (subtle.timingSafeEqual) return subtle.timingSafeEqual(a, b);
  let diff = 0;
  for (let i = 0; i < a.byteLength; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

function base64url(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}
