import type { Context, ErrorHandler, NotFoundHandler } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { ZodError } from "zod";
import { AppError, errorBody, type ErrorCode } from "../errors";

/** The request id every error body carries: Cloudflare's ray id when there is one. */
export function requestId(c: Context): string {
  const existing = c.get("requestId" as never) as string | undefined;
  if (existing) return existing;
  const id = c.req.header("cf-ray") ?? crypto.randomUUID();
  c.set("requestId" as never, id as never);
  return id;
}

export function errorResponse(c: Context, err: AppError): Response {
  const res = c.json(errorBody(err.code, err.message, requestId(c)), err.status as ContentfulStatusCode);
  for (const [k, v] of Object.entries(err.headers)) res.headers.set(k, v);
  res.headers.set("Cache-Control", "no-store");
  return res;
}

/** The single `onError` of every Worker: known errors keep their code, anything else is a logged 500. */
export const onError: ErrorHandler = (err, c) => {
  if (err instanceof AppError) return errorResponse(c, err);
  if (err instanceof ZodError) {
    const detail = err.issues.map((i) => `${i.path.join(".") || "value"}: ${i.message}`).join("; ");
    return errorResponse(c, new AppError("bad_request", detail));
  }
  if (err instanceof HTTPException && err.status < 500) {
    const code: ErrorCode = err.status === 404 ? "not_found" : err.status === 413 ? "payload_too_large" : "bad_request";
    return errorResponse(c, new AppError(code, err.message || "bad request"));
  }
  console.error(JSON.stringify({ msg: "unhandled error", request_id: requestId(c), error: String(err), stack: (err as Error).stack }));
  return errorResponse(c, new AppError("internal", "internal error"));
};

export const notFound: NotFoundHandler = (c) => errorResponse(c, new AppError("not_found", "no such route"));
