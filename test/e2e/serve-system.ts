import { readFile } from "node:fs/promises";
import path from "node:path";
import sharp from "sharp";
import { expect } from "vitest";
import { CORPUS, startTestSystem, uploadOk, waitSettled, type TestSystem } from "./system";

export const startServeSystem = startTestSystem;
export type ServeSystem = TestSystem;

export const ACCEPT = {
  chrome: "image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8",
  webp: "image/webp,*/*",
  jpegOnly: "image/jpeg",
  any: "*/*",
};

/** Uploads bytes and waits until the variants exist. */
export async function readyImage(base: string, bytes: Uint8Array, name: string) {
  const created = await uploadOk(base, bytes, name);
  const record = await waitSettled(base, created.id);
  expect(record.status, name).toBe("ready");
  return { ...record, token: created.delete_token };
}

export const photo = () => readFile(path.join(CORPUS, "photos/LadyBird.jpg"));

/** A 700 px wide PNG with transparency: narrower than 1024, so its variants are 700 and 500, WebP and PNG. */
export function narrowAlphaPng(): Promise<Buffer> {
  return sharp({ create: { width: 700, height: 400, channels: 4, background: { r: 200, g: 40, b: 90, alpha: 0.5 } } })
    .png()
    .toBuffer();
}

/** GET (or another method) that reads the whole body, so connections are never left half-read. */
export async function get(url: string, headers: Record<string, string> = {}, method = "GET") {
  const res = await fetch(url, { method, headers });
  const body = new Uint8Array(await res.arrayBuffer());
  return { status: res.status, headers: res.headers, body, json: () => JSON.parse(new TextDecoder().decode(body)) as { error: { code: string; message: string; request_id: string } } };
}

/**
 * Requests until the answer comes from the cache: the put runs after the first response is sent, so
 * the second request may race it. Returns the first response and the first HIT.
 */
export async function missThenHit(url: string, headers: Record<string, string> = {}) {
  const first = await get(url, headers);
  for (let i = 0; i < 40; i++) {
    const next = await get(url, headers);
    if (next.headers.get("x-cache") === "HIT") return { first, hit: next };
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${url} never came from the cache`);
}
