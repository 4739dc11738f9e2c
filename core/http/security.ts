import type { MiddlewareHandler } from "hono";

const BASELINE = [
  ["X-Content-Type-Options", "nosniff"],
  ["Referrer-Policy", "strict-origin-when-cross-origin"],
] as const;

/**
 * Headers every response of every Worker carries. Set only where missing: a response that already
 * has them (the serve Worker's cached images, whose headers are immutable) is passed through untouched.
 */
export const securityHeaders: MiddlewareHandler = async (c, next) => {
  await next();
  for (const [name, value] of BASELINE) if (!c.res.headers.has(name)) c.res.headers.set(name, value);
};

/** The upload page's policy: nothing from other origins, no inline script, no framing. */
export const PAGE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' blob: data:",
  "connect-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join("; ");
