// Bundles every Worker exactly as `wrangler deploy` would, offline, and prints each bundle's size.
import { execFileSync } from "node:child_process";
import { ENVS, ROOT } from "./lib/system.mjs";

for (const env of ENVS) {
  const out = execFileSync("npx", ["wrangler", "deploy", "--dry-run", "--env", env, "--outdir", `dist/deploy/${env}`], {
    cwd: ROOT,
    env: { ...process.env, WRANGLER_SEND_METRICS: "false" },
    encoding: "utf8",
  });
  const size = out.split("\n").find((l) => l.includes("Total Upload"));
  console.log(`${env}: ${size?.trim() ?? "bundled"}`);
}
