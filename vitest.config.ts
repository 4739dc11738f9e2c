import path from "node:path";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";

const root = import.meta.dirname;

export default defineConfig(async () => {
  const migrations = await readD1Migrations(path.join(root, "migrations"));
  return {
    test: {
      projects: [
        {
          // Pure modules, in Node, free to read the corpus from disk. The engine's decode and
          // encode tests take seconds each: room for a slow or busy CI machine.
          test: { name: "unit", include: ["test/unit/**/*.test.ts"], environment: "node", testTimeout: 60_000 },
        },
        {
          // The upload Worker inside workerd with its real local R2, D1, Queue and Durable Object.
          plugins: [
            cloudflareTest({
              wrangler: { configPath: path.join(root, "wrangler.toml"), environment: "upload" },
              miniflare: {
                bindings: { TEST_MIGRATIONS: migrations },
                // A limiter small enough to exhaust in a test; swapped in for the real one where needed.
                ratelimits: { TIGHT_LIMITER: { simple: { limit: 2, period: 60 } } },
              },
            }),
          ],
          test: { name: "workers", include: ["test/workers/**/*.test.ts"], setupFiles: ["test/workers/setup.ts"] },
        },
        {
          // The whole system (all three Workers in one workerd) driven over HTTP, as users see it.
          test: {
            name: "e2e",
            include: ["test/e2e/**/*.test.ts"],
            environment: "node",
            globalSetup: ["test/e2e/global-setup.ts"],
            testTimeout: 120_000,
            hookTimeout: 120_000,
            fileParallelism: false,
          },
        },
        {
          // The upload page in a real headless Chromium against the running system.
          test: {
            name: "browser",
            include: ["test/browser/**/*.test.ts"],
            environment: "node",
            globalSetup: ["test/e2e/global-setup.ts"],
            testTimeout: 60_000,
            hookTimeout: 120_000,
            fileParallelism: false,
          },
        },
      ],
    },
  };
});
