import { mkdir } from "node:fs/promises";
import path from "node:path";
import type { Page, Route } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestSystem, type TestSystem } from "../e2e/system";
import { launchChromium } from "./chromium";
import { card, corpusFile, dropFiles, fetchImage, madeUpFile, pageGlobals, pasteFiles, waitState } from "./helpers";

const OUTPUT = path.resolve(import.meta.dirname, "../../test-output");
const PHOTOS = ["FreshFlower.jpg", "GreenMeadow.jpg", "LadyBird.jpg", "RainDrops.jpg", "Storm.jpg"];
let sys: TestSystem;
let browser: Awaited<ReturnType<typeof launchChromium>>;
let page: Page;
const consoleErrors: string[] = [];

beforeAll(async () => {
  sys = await startTestSystem();
  browser = await launchChromium();
  await browser.context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: sys.url });
  page = await browser.context.newPage();
  page.on("console", (m) => m.type() === "error" && consoleErrors.push(m.text()));
  page.on("pageerror", (e) => consoleErrors.push(String(e)));
  await mkdir(OUTPUT, { recursive: true });
});

afterAll(async () => {
  await browser?.close();
  await sys?.stop();
});

/** The direct link, Markdown and HTML a ready card offers. */
async function links(item: ReturnType<typeof card>) {
  return {
    url: await item.getByRole("textbox", { name: "Direct link" }).inputValue(),
    markdown: await item.getByRole("textbox", { name: "Markdown" }).inputValue(),
    html: await item.getByRole("textbox", { name: "HTML" }).inputValue(),
  };
}

/** The file name inside a multipart upload the page sends. */
function uploadedName(route: Route) {
  return /filename="([^"]*)"/.exec(route.request().postDataBuffer()?.toString("latin1") ?? "")?.[1] ?? "";
}

describe("the upload page in Chromium", () => {
  it("loads with its CSP, the server's limits, an empty history and no console errors", async () => {
    const res = await page.goto(sys.url + "/");
    expect(res?.headers()["content-security-policy"]).toContain("default-src 'none'");
    await expect(page.getByRole("heading", { level: 1 }).textContent()).resolves.toBe("Upload images");
    await expect.poll(() => page.locator("#limits").textContent()).toBe("JPEG, PNG, GIF, WebP or AVIF, up to 32 MB each.");
    await expect(page.locator("#empty").isVisible()).resolves.toBe(true);
    const config = await (await fetch(sys.url + "/api/config")).json();
    expect(config).toEqual({ max_upload_bytes: 32 * 1024 * 1024, accepted_types: ["image/jpeg", "image/png", "image/gif", "image/webp", "image/avif"] });
    expect(consoleErrors).toEqual([]);
  });

  it("takes several photos dropped anywhere: a drop target while dragging, a card each at once, progress to 100 %, then working links", async () => {
    // Record every value each progress bar takes, to see real progress rather than only the end state.
    await page.evaluate(() => {
      const g = globalThis as unknown as { seen: Record<string, number[]>; MutationObserver: new (cb: (records: { target: unknown }[]) => void) => { observe(n: unknown, o: object): void }; document: { body: unknown } };
      g.seen = {};
      new g.MutationObserver((records) => {
        for (const r of records) {
          const bar = r.target as { value: number; getAttribute(n: string): string | null };
          const name = bar.getAttribute("aria-label") ?? "";
          (g.seen[name] ??= []).push(bar.value);
        }
      }).observe(g.document.body, { subtree: true, attributes: true, attributeFilter: ["value"] });
    });
    const files = await Promise.all(PHOTOS.map((p) => corpusFile(`photos/${p}`)));
    expect(await dropFiles(page, files, "footer")).toBe(true);
    await expect(page.locator("#overlay").isVisible()).resolves.toBe(false);

    // Every card is there at once, in the order dropped, with the local thumbnail, name and size.
    await expect(page.locator("#uploads > li h3").allTextContents()).resolves.toEqual(PHOTOS);
    await expect(card(page, "RainDrops.jpg").locator(".meta").textContent()).resolves.toBe("1.2 MB");
    expect(await card(page, "Storm.jpg").locator("img").getAttribute("src")).toMatch(/^blob:/);

    for (const name of PHOTOS) await waitState(card(page, name), "ready");
    const seen = await page.evaluate(() => (globalThis as unknown as { seen: Record<string, number[]> }).seen);
    for (const name of PHOTOS) expect(Math.max(...(seen[`Upload progress of ${name}`] ?? [0]))).toBe(100);

    for (const name of PHOTOS) {
      const item = card(page, name);
      const { url, markdown, html } = await links(item);
      expect(url).toMatch(new RegExp(`^${sys.url}/i/[0-9A-Za-z]{7}$`));
      expect(markdown).toBe(`![${name.replace(".jpg", "")}](${url})`);
      expect(html).toMatch(new RegExp(`^<img src="${url}" width="1024" height="\\d+" alt="${name.replace(".jpg", "")}">$`));
      const image = await fetchImage(url);
      expect(image).toMatchObject({ status: 200, type: "image/webp", width: 1024 });
      // The thumbnail is now the final image, from the server.
      const thumb = item.locator("img");
      expect(await thumb.getAttribute("src")).toBe(`${url}/500`);
      await expect.poll(() => thumb.evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth)).toBe(500);
    }
    await page.screenshot({ path: path.join(OUTPUT, "upload-page-light.png"), fullPage: true });
  });
});
