import { mkdir } from "node:fs/promises";
import path from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CORPUS, startTestSystem, type TestSystem } from "../e2e/system";
import { launchChromium } from "./chromium";
import { card, corpusFile, dataTransfer, dropFiles, fetchImage, pasteFiles, waitState, type PageGlobals } from "./helpers";

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
  // Script errors and CSP violations; the browser's own log of an HTTP error status (a test deletes an
  // image twice on purpose) is not one.
  page.on("console", (m) => m.type() === "error" && !m.text().startsWith("Failed to load resource") && consoleErrors.push(m.text()));
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
  });

  it("copies the direct link, Markdown and HTML with one click each", async () => {
    const item = card(page, "GreenMeadow.jpg");
    const expected = await links(item);
    const clipboard = () => page.evaluate(() => (globalThis as unknown as PageGlobals).navigator.clipboard.readText());
    for (const [what, value] of [["direct link", expected.url], ["Markdown", expected.markdown], ["HTML code", expected.html]] as const) {
      const button = item.getByRole("button", { name: `Copy ${what} of GreenMeadow.jpg` });
      await button.click();
      await expect.poll(clipboard).toBe(value);
      await expect(button.textContent()).resolves.toBe("Copied");
      await expect.poll(() => page.locator("#live").textContent()).toContain(`of GreenMeadow.jpg copied.`);
    }
  });

  it("opens the file picker from the keyboard and uploads what is picked", async () => {
    // From a fresh load, where keyboard navigation starts at the top.
    await page.goto(sys.url + "/");
    // Keyboard events go to the focused page: make sure an earlier test's dialog left it focused.
    await page.bringToFront();
    await page.keyboard.press("Tab");
    expect(await page.evaluate(() => (globalThis as unknown as { document: { activeElement: { textContent: string } } }).document.activeElement.textContent)).toBe("Skip to your uploads");
    await page.keyboard.press("Tab");
    await page.keyboard.press("Tab");
    const pick = page.getByRole("button", { name: "Choose images" });
    await expect(pick.evaluate((b) => b === (globalThis as unknown as { document: { activeElement: unknown } }).document.activeElement)).resolves.toBe(true);
    // The focus ring is visible.
    await expect(pick.evaluate((b) => (globalThis as unknown as { getComputedStyle(e: unknown): { outlineStyle: string } }).getComputedStyle(b).outlineStyle)).resolves.toBe("solid");
    const chooser = page.waitForEvent("filechooser");
    await page.keyboard.press("Enter");
    await (await chooser).setFiles([path.join(CORPUS, "webp-still/vnc-l.webp"), path.join(CORPUS, "animated/anim-gr.gif")]);
    for (const name of ["vnc-l.webp", "anim-gr.gif"]) await waitState(card(page, name), "ready");
    const small = await fetchImage((await links(card(page, "vnc-l.webp"))).url);
    // Never upscaled: a 256 px image is served at 256 px.
    expect(small).toMatchObject({ status: 200, width: 256 });
  });

  it("uploads an image pasted from the clipboard", async () => {
    await pasteFiles(page, [await corpusFile("pngsuite/basn2c08.png", "image.png")]);
    const item = card(page, /^Pasted \d{4}-\d\d-\d\d \d\d-\d\d-\d\d\.png$/);
    await waitState(item, "ready");
    expect(await fetchImage((await links(item)).url)).toMatchObject({ status: 200, width: 32, height: 32 });
  });

  it("deletes an image after a confirming second click: its link stops working and the history forgets it", async () => {
    const item = card(page, "LadyBird.jpg");
    const { url } = await links(item);
    const id = url.split("/").pop() ?? "";
    await item.getByRole("button", { name: "Delete LadyBird.jpg" }).click();
    await item.getByRole("button", { name: /^Confirm delete of LadyBird.jpg/ }).click();
    await expect.poll(() => item.count()).toBe(0);
    expect((await fetch(`${sys.url}/api/images/${id}`)).status).toBe(404);
    expect((await fetch(url)).status).toBe(404);
    expect(await page.evaluate(() => (globalThis as unknown as PageGlobals).localStorage.getItem("img-host.uploads.v1"))).not.toContain(id);
    await expect.poll(() => page.locator("#live").textContent()).toContain("LadyBird.jpg deleted.");
  });

  it("keeps the history, with links and delete tokens, across a reload, and tidies away an image deleted elsewhere", async () => {
    const before = await page.locator("#uploads > li h3").allTextContents();
    const urls = await Promise.all(before.map(async (name) => (await links(card(page, name))).url));
    // Someone deletes anim-gr.gif with its token from another device while this page is closed.
    const saved: { id: string; name: string; token: string }[] = JSON.parse(
      (await page.evaluate(() => (globalThis as unknown as PageGlobals).localStorage.getItem("img-host.uploads.v1"))) ?? "[]",
    );
    const gif = saved.find((s) => s.name === "anim-gr.gif");
    const removed = await fetch(`${sys.url}/api/images/${gif?.id}`, { method: "DELETE", headers: { authorization: `Bearer ${gif?.token}` } });
    expect(removed.status).toBe(204);

    await page.reload();
    await expect(page.locator("#uploads > li h3").allTextContents()).resolves.toEqual(before);
    // Deleting it here as well just tidies the list: the server no longer knows it, which is the goal.
    const gone = card(page, "anim-gr.gif");
    await gone.getByRole("button", { name: "Delete anim-gr.gif" }).click();
    await gone.getByRole("button", { name: /^Confirm delete/ }).click();
    await expect.poll(() => gone.count()).toBe(0);
    for (const [i, name] of before.entries()) {
      if (name === "anim-gr.gif") continue;
      const item = card(page, name);
      await waitState(item, "ready");
      expect((await links(item)).url).toBe(urls[i]);
      await expect.poll(() => item.locator("img").evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth)).toBeGreaterThan(0);
    }
  });

  it("names every control for screen readers", async () => {
    const tree = await card(page, "Storm.jpg").ariaSnapshot();
    for (const line of [
      'heading "Storm.jpg" [level=3]',
      'textbox "Direct link"',
      'button "Copy direct link of Storm.jpg"',
      'textbox "Markdown"',
      'button "Copy Markdown of Storm.jpg"',
      'textbox "HTML"',
      'button "Copy HTML code of Storm.jpg"',
      'link "Open Storm.jpg in a new tab"',
      'button "Delete Storm.jpg"',
    ]) {
      expect(tree).toContain(line);
    }
    await expect(page.getByRole("status").count()).resolves.toBe(1);
    await expect(page.getByRole("button", { name: "Choose images" }).getAttribute("aria-describedby")).resolves.toBe("limits");
  });

  it("works with the keyboard alone: copy, then delete with Enter twice, focus moving on", async () => {
    const item = card(page, "Storm.jpg");
    const { url } = await links(item);
    await item.getByRole("textbox", { name: "Direct link" }).focus();
    await page.keyboard.press("Tab");
    await page.keyboard.press("Enter");
    await expect.poll(() => page.evaluate(() => (globalThis as unknown as PageGlobals).navigator.clipboard.readText())).toBe(url);
    // Markdown field, its Copy, HTML field, its Copy, Open, Delete.
    for (let i = 0; i < 6; i++) await page.keyboard.press("Tab");
    const focused = () => page.evaluate(() => (globalThis as unknown as { document: { activeElement: { getAttribute(n: string): string | null } } }).document.activeElement.getAttribute("aria-label"));
    await expect(focused()).resolves.toBe("Delete Storm.jpg");
    await page.keyboard.press("Enter");
    await expect(focused()).resolves.toMatch(/^Confirm delete of Storm.jpg/);
    await page.keyboard.press("Enter");
    await expect.poll(() => item.count()).toBe(0);
    // Focus lands on the next card's first button rather than being lost.
    await expect(focused()).resolves.toMatch(/^(Cancel|Copy|Delete|Dismiss|Retry).* of |^Delete /);
  });

  it("looks right in light, dark and on a narrow phone screen (screenshots in test-output/)", async () => {
    // Colours ease over 150 ms when the scheme flips; shoot after that.
    const settle = () => page.waitForTimeout(300);
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.emulateMedia({ colorScheme: "light" });
    await settle();
    await page.screenshot({ path: path.join(OUTPUT, "upload-page-light.png"), fullPage: true });
    await page.emulateMedia({ colorScheme: "dark" });
    await settle();
    await page.screenshot({ path: path.join(OUTPUT, "upload-page-dark.png"), fullPage: true });
    const dt = await dataTransfer(page, [await corpusFile("photos/FreshFlower.jpg")]);
    await page.dispatchEvent("main", "dragenter", { dataTransfer: dt });
    await settle();
    await page.screenshot({ path: path.join(OUTPUT, "upload-page-dragging.png") });
    await page.dispatchEvent("main", "dragleave", { dataTransfer: dt });
    await expect(page.locator("#overlay").isVisible()).resolves.toBe(false);
    await page.setViewportSize({ width: 390, height: 844 });
    await page.emulateMedia({ colorScheme: "light" });
    await settle();
    await page.screenshot({ path: path.join(OUTPUT, "upload-page-narrow.png"), fullPage: true });
    await page.emulateMedia({ colorScheme: "dark" });
    await page.evaluate(() => (globalThis as unknown as { scrollTo(x: number, y: number): void }).scrollTo(0, 0));
    await settle();
    await page.screenshot({ path: path.join(OUTPUT, "upload-page-narrow-dark.png") });
    // Nothing sticks out sideways on a phone.
    const overflow = await page.evaluate(() => {
      const d = (globalThis as unknown as { document: { documentElement: { scrollWidth: number; clientWidth: number } } }).document.documentElement;
      return d.scrollWidth - d.clientWidth;
    });
    expect(overflow).toBe(0);
    expect(consoleErrors).toEqual([]);
  });
});
