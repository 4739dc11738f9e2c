import { readFile } from "node:fs/promises";
import path from "node:path";
import type { Locator, Page } from "playwright-core";
import sharp from "sharp";
import { expect } from "vitest";
import { CORPUS } from "../e2e/system";

/** A file to hand to the page: read from the corpus, or made up in the test. */
export interface TestFile {
  name: string;
  type: string;
  base64: string;
}

export async function corpusFile(relative: string, name = path.basename(relative), type = mimeOf(relative)): Promise<TestFile> {
  return { name, type, base64: (await readFile(path.join(CORPUS, relative))).toString("base64") };
}

export function madeUpFile(name: string, type: string, text: string): TestFile {
  return { name, type, base64: Buffer.from(text).toString("base64") };
}

function mimeOf(file: string) {
  const ext = path.extname(file).slice(1).toLowerCase();
  return ({ jpg: "image/jpeg", jpeg: "image/jpeg", png: "image/png", gif: "image/gif", webp: "image/webp", avif: "image/avif" } as Record<string, string>)[ext] ?? "";
}

/** The page's DOM, seen from a `page.evaluate` callback (this project's types describe workerd, not the DOM). */
export interface PageGlobals {
  DataTransfer: new () => { items: { add(f: File): void }; files: unknown };
  ClipboardEvent: new (type: string, init: { clipboardData: unknown; bubbles: boolean; cancelable: boolean }) => Event;
  document: { dispatchEvent(e: Event): boolean; querySelector(s: string): { dispatchEvent(e: Event): boolean } | null };
  localStorage: { getItem(key: string): string | null };
  navigator: { clipboard: { readText(): Promise<string> } };
}

/** A DataTransfer holding the files, built inside the page (files can also be made there, e.g. a huge one). */
export async function dataTransfer(page: Page, files: TestFile[], extra: { name: string; type: string; bytes: number }[] = []) {
  return page.evaluateHandle(
    ({ files, extra }) => {
      const g = globalThis as unknown as PageGlobals;
      const dt = new g.DataTransfer();
      for (const f of files) dt.items.add(new File([Uint8Array.from(atob(f.base64), (c) => c.charCodeAt(0))], f.name, { type: f.type }));
      for (const f of extra) dt.items.add(new File([new Uint8Array(f.bytes)], f.name, { type: f.type }));
      return dt;
    },
    { files, extra },
  );
}

/** Drags the files over the page and drops them on `target`; returns whether the drop overlay showed meanwhile. */
export async function dropFiles(page: Page, files: TestFile[], target = "main", extra: { name: string; type: string; bytes: number }[] = []) {
  const dt = await dataTransfer(page, files, extra);
  await page.dispatchEvent(target, "dragenter", { dataTransfer: dt });
  await page.dispatchEvent(target, "dragover", { dataTransfer: dt });
  const overlayShown = await page.locator("#overlay").isVisible();
  await page.dispatchEvent(target, "drop", { dataTransfer: dt });
  await dt.dispose();
  return overlayShown;
}

/** What Ctrl+V of a copied image does: a paste event whose clipboardData holds the file. */
export async function pasteFiles(page: Page, files: TestFile[]) {
  const dt = await dataTransfer(page, files);
  await page.evaluate((clipboardData) => {
    const g = globalThis as unknown as PageGlobals;
    g.document.dispatchEvent(new g.ClipboardEvent("paste", { clipboardData, bubbles: true, cancelable: true }));
  }, dt);
  await dt.dispose();
}

/** The card whose heading is exactly this file name. */
export function card(page: Page, name: string | RegExp): Locator {
  return page.locator("#uploads > li", { has: page.getByRole("heading", { name, exact: true }) });
}

export async function waitState(item: Locator, state: string, timeout = 60_000) {
  await expect.poll(() => item.getAttribute("data-state"), { timeout }).toBe(state);
}

/** Fetches an image link as a viewer would, and reads its real dimensions from the bytes. */
export async function fetchImage(url: string) {
  const res = await fetch(url, { headers: { accept: "image/webp,image/*" } });
  const bytes = Buffer.from(await res.arrayBuffer());
  const meta = res.ok ? await sharp(bytes).metadata() : null;
  return { status: res.status, type: res.headers.get("content-type"), width: meta?.width, height: meta?.height };
}
