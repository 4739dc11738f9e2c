import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "./env";
import { shardName } from "../../core/link-layout";
import { shardCount } from "../../durable-objects/client";
import { app } from "../../workers/upload/app";
import type { UploadEnv } from "../../workers/upload/env";
import { ErrorResponse, UploadResult } from "../../core/schemas";

export const ORIGIN = "http://127.0.0.1:8787";

/** Calls the upload Worker's real app inside workerd, optionally with some bindings replaced. */
export async function call(path: string, init: RequestInit = {}, overrides: Partial<UploadEnv> = {}): Promise<Response> {
  const ctx = createExecutionContext();
  const res = await app.fetch(new Request(`${ORIGIN}${path}`, init), { ...env, ...overrides }, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}

export function form(data: Uint8Array, name = "photo.bin", type = "application/octet-stream"): FormData {
  const fd = new FormData();
  fd.append("file", new File([data], name, { type }));
  return fd;
}

export async function upload(data: Uint8Array, overrides: Partial<UploadEnv> = {}): Promise<Response> {
  return call("/api/images", { method: "POST", body: form(data) }, overrides);
}

export async function expectError(res: Response, status: number, code: string) {
  const body = ErrorResponse.parse(await res.json());
  if (res.status !== status || body.error.code !== code) {
    throw new Error(`expected ${status} ${code}, got ${res.status} ${JSON.stringify(body)}`);
  }
  return body;
}

export async function uploaded(res: Response) {
  if (res.status !== 202) throw new Error(`expected 202, got ${res.status} ${await res.text()}`);
  return UploadResult.parse(await res.json());
}

/** Everything the upload path can leave behind: R2 objects, D1 rows and ids still held. */
export async function leftovers() {
  const objects = (await env.BUCKET.list()).objects.map((o) => o.key);
  const rows = (await env.DB.prepare("SELECT id FROM images").all<{ id: string }>()).results.map((r) => r.id);
  const shards = Array.from({ length: shardCount(env) }, (_, i) => env.LINKS.get(env.LINKS.idFromName(shardName(i))));
  const held = (await Promise.all(shards.map((stub) => stub.pending()))).flat();
  return { objects, rows, held };
}

/** A binding whose named method rejects, to inject a fault at exactly one step. */
export function failing<T extends object>(target: T, method: string, error = new Error("injected fault")): T {
  return new Proxy(target, {
    get(t, prop) {
      if (prop === method) return async () => Promise.reject(error);
      const value = Reflect.get(t, prop);
      return typeof value === "function" ? value.bind(t) : value;
    },
  });
}
