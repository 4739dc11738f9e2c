import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { TestProject } from "vitest/node";
import { buildWorkers } from "../../scripts/lib/system.mjs";

/** Bundles the Workers once for every e2e file; each file then starts its own system on fresh state. */
export default async function setup(project: TestProject) {
  const dir = await mkdtemp(path.join(os.tmpdir(), "img-host-build-"));
  project.provide("build", await buildWorkers(dir));
  return async () => {
    await rm(dir, { recursive: true, force: true });
  };
}

declare module "vitest" {
  export interface ProvidedContext {
    build: Record<string, { name: string; scriptPath: string; outdir: string }>;
  }
}
