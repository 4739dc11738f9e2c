import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { expect, it } from "vitest";
import { CLIENT_PARTS } from "../../workers/upload/page";

/**
 * The page's script is browser JavaScript kept in strings (the Worker serves it as text), so the
 * project's own type check, which uses workerd's types, never sees it. This checks it against the
 * DOM, strictly, with its JSDoc types: a typo in a DOM property or a missing null check fails here.
 */
it("the page's script type-checks against the DOM", async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), "img-host-client-"));
  try {
    for (const [name, source] of Object.entries(CLIENT_PARTS)) await writeFile(path.join(dir, `${name}.js`), source);
    const tsconfig = {
      compilerOptions: { target: "ES2022", lib: ["ES2022", "DOM", "DOM.Iterable"], allowJs: true, checkJs: true, noEmit: true, strict: true, types: [] },
      files: Object.keys(CLIENT_PARTS).map((name) => `${name}.js`),
    };
    await writeFile(path.join(dir, "tsconfig.json"), JSON.stringify(tsconfig));
    const tsc = path.join(path.dirname(createRequire(import.meta.url).resolve("typescript/package.json")), "bin/tsc");
    const result = await promisify(execFile)(process.execPath, [tsc, "-p", "."], { cwd: dir, encoding: "utf8" }).catch((err: { stdout: string }) => err);
    expect(result.stdout).toBe("");
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
