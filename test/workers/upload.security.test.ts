import { describe, expect, it } from "vitest";
import { env } from "./env";
import { bytes, PNG_40x30 } from "./fixtures";
import { call, expectError, form, uploaded } from "./helpers";

function uploadFrom(ip: string, overrides = {}) {
  return call("/api/images", { method: "POST", body: form(bytes(PNG_40x30)), headers: { "cf-connecting-ip": ip } }, overrides);
}

describe("rate limits per client address", () => {
  it("answers 429 with Retry-After once an address used its uploads, other addresses carry on", async () => {
    const tight = { UPLOAD_LIMITER: env.TIGHT_LIMITER };
    await uploaded(await uploadFrom("203.0.113.7", tight));
    await uploaded(await uploadFrom("203.0.113.7", tight));
    const refused = await uploadFrom("203.0.113.7", tight);
    const body = await expectError(refused, 429, "rate_limited");
    expect(body.error.message).toMatch(/too many/);
    expect(refused.headers.get("retry-after")).toBe("60");
    await uploaded(await uploadFrom("203.0.113.8", tight));
  });

  it("counts a whole IPv6 /64 as one client", async () => {
    const tight = { UPLOAD_LIMITER: env.TIGHT_LIMITER };
    await uploaded(await uploadFrom("2001:db8:1:2::1", tight));
    await uploaded(await uploadFrom("2001:db8:1:2:aaaa:bbbb:cccc:dddd", tight));
    await expectError(await uploadFrom("2001:db8:1:2::ffff", tight), 429, "rate_limited");
    await uploaded(await uploadFrom("2001:db8:1:3::1", tight));
  });

  it("limits status polling with its own, looser limiter", async () => {
    const created = await uploaded(await uploadFrom("198.51.100.1"));
    const poll = () => call(`/api/images/${created.id}`, { headers: { "cf-connecting-ip": "198.51.100.1" } }, { STATUS_LIMITER: env.TIGHT_LIMITER });
    expect((await poll()).status).toBe(200);
    expect((await poll()).status).toBe(200);
    await expectError(await poll(), 429, "rate_limited");
  });

  it("lets requests through when the limiter itself fails", async () => {
    const broken = { limit: () => Promise.reject(new Error("injected")) } as unknown as RateLimit;
    await uploaded(await uploadFrom("192.0.2.50", { UPLOAD_LIMITER: broken }));
  });
});

describe("delete tokens", () => {
  it("are long, random, and stored only as a hash", async () => {
    const a = await uploaded(await uploadFrom("192.0.2.60"));
    const b = await uploaded(await uploadFrom("192.0.2.60"));
    expect(a.delete_token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(a.delete_token).not.toBe(b.delete_token);
    const row = await env.DB.prepare("SELECT delete_token_hash FROM images WHERE id = ?").bind(a.id).first<{ delete_token_hash: string }>();
    expect(row!.delete_token_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(row!.delete_token_hash).not.toContain(a.delete_token);
  });

  it("do not work across images", async () => {
    const a = await uploaded(await uploadFrom("192.0.2.61"));
    const b = await uploaded(await uploadFrom("192.0.2.61"));
    const res = await call(`/api/images/${b.id}`, { method: "DELETE", headers: { authorization: `Bearer ${a.delete_token}` } });
    await expectError(res, 403, "forbidden");
  });
});
