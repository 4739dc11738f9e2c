import { mkdir } from "node:fs/promises";
import path from "node:path";
import type { Page, Request, Route } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestSystem, type TestSystem } from "../e2e/system";
import { launchChromium } from "./chromium";
import { card, corpusFile, dropFiles, waitState } from "./helpers";

const OUTPUT = path.resolve(import.meta.dirname, "../../test-output");
const UPLOADS = "**/api/images";
let sys: TestSystem;
let browser: Awaited<ReturnType<typeof launchChromium>>;
let page: Page;

beforeAll(async () => {
  sys = await startTestSystem();
  browser = await launchChromium();
  page = await browser.context.newPage();
  await mkdir(OUTPUT, { recursive: true });
  await page.goto(sys.url + "/");
});

afterAll(async () => {
  await browser?.close();
  await sys?.stop();
});

/** The file name inside a multipart upload the page sends. */
function uploadedName(request: Request) {
  return /filename="([^"]*)"/.exec(request.postDataBuffer()?.toString("latin1") ?? "")?.[1] ?? "";
}

function apiError(status: number, code: string, message: string, headers: Record<string, string> = {}) {
  return { status, headers, contentType: "application/json", body: JSON.stringify({ error: { code, message, request_id: "test" } }) };
}

const photo = (name: string) => corpusFile("photos/FreshFlower.jpg", name);
const message = (name: string) => card(page, name).locator(".message").textContent();

describe("refusals and failures on the upload page", () => {
  it("checks size and type in the browser, shows the server's verdict on each card, and the good file still finishes", async () => {
    const sent: string[] = [];
    await page.route(UPLOADS, (route) => {
      sent.push(uploadedName(route.request()));
      return route.continue();
    });
    const files = [
      await corpusFile("photos/FreshFlower.jpg"),
      await corpusFile("pngsuite/xs1n0g01.png"),
      await corpusFile("gif-malformed/issue-117-out-of-range.gif"),
      await corpusFile("pngsuite/xcsn0g01.png"),
      { name: "notes.txt", type: "text/plain", base64: Buffer.from("not an image").toString("base64") },
      { name: "empty.png", type: "image/png", base64: "" },
    ];
    await dropFiles(page, files, "main", [{ name: "huge.jpg", type: "image/jpeg", bytes: 32 * 1024 * 1024 + 1 }]);
    await waitState(card(page, "FreshFlower.jpg"), "ready");
    for (const name of ["xs1n0g01.png", "issue-117-out-of-range.gif", "xcsn0g01.png"]) await waitState(card(page, name), "error");
    await page.unroute(UPLOADS);

    await expect(message("xs1n0g01.png")).resolves.toBe("Not a supported image. Use JPEG, PNG, GIF, WebP or AVIF.");
    await expect(card(page, "xs1n0g01.png").locator(".detail").textContent()).resolves.toMatch(/^Server says: /);
    await expect(message("issue-117-out-of-range.gif")).resolves.toBe("This image has too many pixels, or is too wide, tall or long, to be processed.");
    await expect(message("xcsn0g01.png")).resolves.toBe("This image file is damaged or incomplete, so it can't be used.");
    await expect(message("notes.txt")).resolves.toBe("Not a supported image. Use JPEG, PNG, GIF, WebP or AVIF.");
    await expect(card(page, "notes.txt").locator(".detail").textContent()).resolves.toBe("Checked in this browser: its type is text/plain.");
    await expect(message("huge.jpg")).resolves.toBe("Too large: files can be up to 32 MB.");
    await expect(message("empty.png")).resolves.toBe("This file is empty (or is a folder).");
    // Only the files that passed the browser's checks were sent.
    expect(sent.sort()).toEqual(["FreshFlower.jpg", "issue-117-out-of-range.gif", "xcsn0g01.png", "xs1n0g01.png"]);
    // A refusal is final: no Retry, only Dismiss.
    await expect(card(page, "huge.jpg").getByRole("button").allTextContents()).resolves.toEqual(["Dismiss"]);
    await page.screenshot({ path: path.join(OUTPUT, "upload-page-errors.png"), fullPage: true });
    await card(page, "empty.png").getByRole("button", { name: "Dismiss empty.png" }).click();
    await expect.poll(() => card(page, "empty.png").count()).toBe(0);
  });

  it("explains every refusal the API can give, and offers Retry where retrying can help", async () => {
    const refusals: Record<string, ReturnType<typeof apiError>> = {
      "big.jpg": apiError(413, "payload_too_large", "uploads are limited to 33554432 bytes"),
      "pixels.jpg": apiError(422, "image_too_large", "image is 90000000 pixels, over the 75000000 limit"),
      "exif.jpg": apiError(422, "metadata_too_large", "image metadata exceeds 1048576 bytes"),
      "busy.jpg": apiError(429, "rate_limited", "too many requests from this address, slow down", { "Retry-After": "0" }),
      "down.jpg": apiError(503, "unavailable", "storage is unavailable, retry shortly", { "Retry-After": "0" }),
    };
    await page.route(UPLOADS, (route) => {
      const refusal = refusals[uploadedName(route.request())];
      return refusal ? route.fulfill(refusal) : route.continue();
    });
    await dropFiles(page, await Promise.all(Object.keys(refusals).map(photo)));
    for (const name of Object.keys(refusals)) await waitState(card(page, name), "error");
    await expect(message("big.jpg")).resolves.toBe("Too large: files can be up to 32 MB.");
    await expect(message("pixels.jpg")).resolves.toBe("This image has too many pixels, or is too wide, tall or long, to be processed.");
    await expect(card(page, "pixels.jpg").locator(".detail").textContent()).resolves.toBe("Server says: image is 90000000 pixels, over the 75000000 limit");
    await expect(message("exif.jpg")).resolves.toBe("This image carries too much embedded metadata (EXIF, XMP or colour profile).");
    await expect(message("busy.jpg")).resolves.toBe("Too many uploads from your connection right now.");
    await expect(message("down.jpg")).resolves.toBe("The server is briefly unavailable.");
    await expect(card(page, "exif.jpg").getByRole("button").allTextContents()).resolves.toEqual(["Dismiss"]);
    await expect(card(page, "down.jpg").getByRole("button").allTextContents()).resolves.toEqual(["Retry", "Dismiss"]);

    // Once the server is back, Retry finishes the upload.
    await page.unroute(UPLOADS);
    await card(page, "down.jpg").getByRole("button", { name: "Retry upload of down.jpg" }).click();
    await waitState(card(page, "down.jpg"), "ready");
  });

  it("retries by itself after a network error, a 503 and a 429, waiting as long as Retry-After says", async () => {
    const answers: ((route: Route) => Promise<void>)[] = [
      (route) => route.abort("connectionreset"),
      (route) => route.fulfill(apiError(503, "unavailable", "storage is unavailable, retry shortly", { "Retry-After": "1" })),
      (route) => route.fulfill(apiError(429, "rate_limited", "slow down", { "Retry-After": "2" })),
    ];
    const times: number[] = [];
    await page.route(UPLOADS, (route) => {
      times.push(Date.now());
      return (answers.shift() ?? ((r: Route) => r.continue()))(route);
    });
    await dropFiles(page, [await photo("flaky.jpg")]);
    const item = card(page, "flaky.jpg");
    await expect.poll(() => item.locator(".status").textContent(), { timeout: 10_000 }).toMatch(/^Too many uploads from your connection right now\. Retrying in [12] s\.$/);
    await waitState(item, "ready", 20_000);
    await page.unroute(UPLOADS);
    expect(times).toHaveLength(4);
    expect((times[3] ?? 0) - (times[2] ?? 0)).toBeGreaterThanOrEqual(1900);
  });

  it("keeps retrying while the browser is offline, and goes as soon as it is back online", async () => {
    await browser.context.setOffline(true);
    await dropFiles(page, [await photo("offline.jpg")]);
    const item = card(page, "offline.jpg");
    // The third failure waits 4 s; coming back online cuts that short.
    await expect.poll(() => item.locator(".status").textContent(), { timeout: 10_000 }).toMatch(/^The connection dropped before the upload finished\. Retrying in 4 s\.$/);
    await browser.context.setOffline(false);
    await waitState(item, "ready", 2_500);
  });

  it("runs three uploads at a time; queued and running uploads can be cancelled, then retried from the keyboard", async () => {
    const held: Route[] = [];
    await page.route(UPLOADS, (route) => {
      held.push(route);
    });
    const names = ["q1.jpg", "q2.jpg", "q3.jpg", "q4.jpg", "q5.jpg"];
    await dropFiles(page, await Promise.all(names.map(photo)));
    // Three start; the other two wait their turn.
    await expect.poll(() => held.length).toBe(3);
    await page.waitForTimeout(300);
    expect(held).toHaveLength(3);
    await expect(card(page, "q4.jpg").locator(".status").textContent()).resolves.toBe("Waiting for a free upload slot");
    await page.getByRole("heading", { name: "Your uploads" }).scrollIntoViewIfNeeded();
    await page.evaluate(() => (globalThis as unknown as { scrollTo(x: number, y: number): void }).scrollTo(0, 0));
    await page.screenshot({ path: path.join(OUTPUT, "upload-page-queue.png"), fullPage: true });

    await card(page, "q4.jpg").getByRole("button", { name: "Cancel upload of q4.jpg" }).click();
    await expect(message("q4.jpg")).resolves.toBe("Upload cancelled.");
    await card(page, "q1.jpg").getByRole("button", { name: "Cancel upload of q1.jpg" }).click();
    await expect(message("q1.jpg")).resolves.toBe("Upload cancelled.");
    // The freed slot goes to the next file in line.
    await expect.poll(() => held.length).toBe(4);

    await page.unroute(UPLOADS);
    // The cancelled request's route may already be gone with its aborted request.
    for (const route of held.splice(0)) await route.continue().catch(() => undefined);
    for (const name of ["q2.jpg", "q3.jpg", "q5.jpg"]) await waitState(card(page, name), "ready");

    // Focus went from Cancel to Retry, so Enter retries.
    const focused = await page.evaluate(() => (globalThis as unknown as { document: { activeElement: { getAttribute(n: string): string | null } } }).document.activeElement.getAttribute("aria-label"));
    expect(focused).toBe("Retry upload of q1.jpg");
    await page.keyboard.press("Enter");
    await waitState(card(page, "q1.jpg"), "ready");
  });

  it("shows the bytes sent as they go on a slow connection, then the processing state", async () => {
    const cdp = await browser.context.newCDPSession(page);
    await cdp.send("Network.enable");
    await cdp.send("Network.emulateNetworkConditions", { offline: false, latency: 20, downloadThroughput: -1, uploadThroughput: 512 * 1024 });
    try {
      await dropFiles(page, [await corpusFile("photos/RainDrops.jpg", "slow-RainDrops.jpg")]);
      const item = card(page, "slow-RainDrops.jpg");
      const status = item.locator(".status");
      await expect.poll(() => status.textContent(), { timeout: 10_000 }).toMatch(/^Uploading ([1-9]|[1-9]\d)% · [\d.]+ (KB|MB) of 1\.2 MB$/);
      const value = await item.locator("progress").evaluate((p) => (p as unknown as { value: number }).value);
      expect(value).toBeGreaterThan(0);
      expect(value).toBeLessThan(100);
      await page.evaluate(() => (globalThis as unknown as { scrollTo(x: number, y: number): void }).scrollTo(0, 0));
      await page.screenshot({ path: path.join(OUTPUT, "upload-page-progress.png") });

      // Then the processing state, held there by answering the status polls with "processing".
      await page.route("**/api/images/*", async (route) => {
        const res = await route.fetch();
        await route.fulfill({ response: res, json: { ...(await res.json()), status: "processing", variants: [] } });
      });
      await expect.poll(() => status.textContent(), { timeout: 20_000 }).toBe("Processing: making the sizes");
      expect(await item.locator("progress").getAttribute("value")).toBeNull();
      await page.screenshot({ path: path.join(OUTPUT, "upload-page-processing.png") });
      await page.unroute("**/api/images/*");
      await waitState(item, "ready");
    } finally {
      await cdp.send("Network.emulateNetworkConditions", { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
      await cdp.detach();
    }
  });
});
