import { mkdir, readFile } from "node:fs/promises";
import path from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CORPUS, startTestSystem, type TestSystem } from "../e2e/system";
import { launchChromium } from "./chromium";

const OUTPUT = path.resolve(import.meta.dirname, "../../test-output");
let sys: TestSystem;
let browser: Awaited<ReturnType<typeof launchChromium>>;
let page: Page;

beforeAll(async () => {
  sys = await startTestSystem();
  browser = await launchChromium();
  page = await browser.context.newPage();
  await mkdir(OUTPUT, { recursive: true });
});

afterAll(async () => {
  await browser?.close();
  await sys?.stop();
});

describe("the upload page in Chromium", () => {
  it("loads with its CSP and no console errors", async () => {
    const errors: string[] = [];
    page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
    const res = await page.goto(sys.url + "/");
    expect(res?.headers()["content-security-policy"]).toContain("default-src 'none'");
    await expect(page.locator("h1").textContent()).resolves.toContain("Upload");
    expect(errors).toEqual([]);
  });

  it("uploads picked files, shows the link, and shows a rejection on its own card", async () => {
    await page.setInputFiles("#file", [path.join(CORPUS, "photos/FreshFlower.jpg"), path.join(CORPUS, "pngsuite/xs1n0g01.png")]);
    const link = page.locator("#uploads li a");
    await link.first().waitFor({ timeout: 30_000 });
    const href = await link.first().getAttribute("href");
    expect(href).toMatch(new RegExp(`^${sys.url}/i/[0-9A-Za-z]{7}$`));
    await page.locator("#uploads .error").first().waitFor({ timeout: 30_000 });
    expect(await page.locator("#uploads .error").first().textContent()).toMatch(/PNG|signature|image/i);
    expect(await page.locator("#uploads progress").first().evaluate((p) => (p as unknown as { value: number }).value)).toBeGreaterThan(0);
    await page.screenshot({ path: path.join(OUTPUT, "upload-page.png"), fullPage: true });
  });

  it("uploads files dropped on the page", async () => {
    const data = (await readFile(path.join(CORPUS, "photos/GreenMeadow.jpg"))).toString("base64");
    const before = await page.locator("#uploads li a").count();
    const transfer = await page.evaluateHandle((b64) => {
      const bin = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
      // Runs in the page, where DataTransfer exists; this project's types describe workerd, not the DOM.
      const DT = (globalThis as unknown as { DataTransfer: new () => { items: { add(f: File): void } } }).DataTransfer;
      const dt = new DT();
      dt.items.add(new File([bin], "GreenMeadow.jpg", { type: "image/jpeg" }));
      return dt;
    }, data);
    await page.dispatchEvent("#drop", "dragenter", { dataTransfer: transfer });
    await page.dispatchEvent("#drop", "dragover", { dataTransfer: transfer });
    await page.dispatchEvent("#drop", "drop", { dataTransfer: transfer });
    await expect.poll(() => page.locator("#uploads li a").count(), { timeout: 30_000 }).toBe(before + 1);
  });
});
