import { Hono } from "hono";
import { onError, notFound } from "../../core/http/errors";
import { PAGE_CSP, securityHeaders } from "../../core/http/security";
import { AppError } from "../../core/errors";
import { parseLimits } from "../../core/limits";
import { imagesApi } from "./images";
import { FAVICON_SVG, PAGE_CSS, PAGE_HTML, PAGE_JS } from "./page";
import type { UploadEnv } from "./env";

const ACCEPTED_TYPES = ["image/jpeg", "image/png", "image/gif", "image/webp", "image/avif"];

function page(body: string, type: string) {
  return new Response(body, {
    headers: { "Content-Type": type, "Content-Security-Policy": PAGE_CSP, "X-Frame-Options": "DENY", "Cache-Control": "public, max-age=300" },
  });
}

export const app = new Hono<{ Bindings: UploadEnv }>()
  .use(securityHeaders)
  .get("/", () => page(PAGE_HTML, "text/html; charset=utf-8"))
  .get("/app.js", () => page(PAGE_JS, "text/javascript; charset=utf-8"))
  .get("/app.css", () => page(PAGE_CSS, "text/css; charset=utf-8"))
  .get("/favicon.svg", () => page(FAVICON_SVG, "image/svg+xml"))
  .get("/favicon.ico", () => page(FAVICON_SVG, "image/svg+xml"))
  // What the page checks before sending a file (the server checks again).
  .get("/api/config", (c) => {
    c.header("Cache-Control", "public, max-age=300");
    return c.json({ max_upload_bytes: parseLimits(c.env).maxUploadBytes, accepted_types: ACCEPTED_TYPES });
  })
  .get("/healthz", async (c) => {
    try {
      await Promise.all([c.env.DB.prepare("SELECT 1").first(), c.env.BUCKET.head("healthz")]);
    } catch (err) {
      throw new AppError("unavailable", "a binding did not answer", { cause: err });
    }
    return c.json({ ok: true, worker: "upload" });
  })
  .route("/api/images", imagesApi)
  .notFound(notFound)
  .onError(onError);
