import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hostileCases } from "./hostile-cases";
import { startTestSystem, uploadFile, type TestSystem } from "./system";

let sys: TestSystem;
beforeAll(async () => {
  sys = await startTestSystem();
});
afterAll(() => sys?.stop());

async function stored() {
  const bucket = await sys.mf.getR2Bucket("BUCKET", "img-upload");
  const db = await sys.mf.getD1Database("DB", "img-upload");
  return {
    objects: (await bucket.list()).objects.length,
    rows: (await db.prepare("SELECT count(*) AS n FROM images").first<{ n: number }>())!.n,
  };
}

describe("hostile uploads over HTTP", () => {
  it("answers every case with its 4xx code and stores nothing", async () => {
    const cases = await hostileCases();
    const before = await stored();
    const timings: string[] = [];
    for (const c of cases) {
      const started = performance.now();
      const res = await uploadFile(sys.url, c.body, "upload.jpg");
      const body = (await res.json()) as { error?: { code: string } };
      timings.push(`${c.name}: ${res.status} ${body.error?.code} in ${Math.round(performance.now() - started)} ms`);
      expect(res.status, c.name).toBe(c.status);
      expect(c.codes, c.name).toContain(body.error?.code);
    }
    expect(await stored()).toEqual(before);
    console.log(`hostile inputs: ${cases.length} refused with their 4xx code\n  ${timings.join("\n  ")}`);
  });

  it("answers raw-body uploads the same way", async () => {
    const cases = await hostileCases();
    for (const c of cases.filter((x) => x.body.length > 0)) {
      const res = await fetch(`${sys.url}/api/images`, { method: "POST", body: c.body, headers: { "content-type": "image/jpeg" } });
      expect(res.status, c.name).toBe(c.status);
      await res.arrayBuffer();
    }
  });
});
