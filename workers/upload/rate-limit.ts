import type { MiddlewareHandler } from "hono";
import { clientKey } from "../../core/client-key";
import { AppError } from "../../core/errors";
import type { UploadEnv } from "./env";

/** Both bindings use a 60 s window (wrangler.toml), so that is how long a refused client waits at most. */
const WINDOW_SECONDS = 60;

/**
 * Per-client limits from a Workers rate-limiting binding. Counts are kept per Cloudflare location
 * and are approximate by design; if the limiter itself fails, requests go through (availability of
 * uploads matters more than a perfect count).
 */
export function rateLimit(binding: "UPLOAD_LIMITER" | "STATUS_LIMITER"): MiddlewareHandler<{ Bindings: UploadEnv }> {
  return async (c, next) => {
    const key = `${binding}:${clientKey(c.req.header("cf-connecting-ip"))}`;
    let allowed = true;
    try {
      allowed = (await c.env[binding].limit({ key })).success;
    } catch (err) {
      console.error(JSON.stringify({ msg: "rate limiter unavailable, allowing request", binding, error: String(err) }));
    }
    if (!allowed) {
      throw new AppError("rate_limited", "too many requests from this address, slow down", { headers: { "Retry-After": String(WINDOW_SECONDS) } });
    }
    await next();
  };
}
