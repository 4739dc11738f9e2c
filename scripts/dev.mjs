// `npm start`: every Worker in one local workerd process, state under .wrangler/, on one origin.
import { startSystem } from "./lib/system.mjs";

process.env.WRANGLER_SEND_METRICS ??= "false";
const port = Number(process.env.PORT ?? 8787);
const { url, applied, dispose } = await startSystem({ port });
if (applied.length) console.log(`Applied D1 migrations: ${applied.join(", ")}`);
console.log(`\nImage host running at ${url}\n  upload page   ${url}/\n  API           ${url}/api/images\n  images        ${url}/i/{id}\n`);
for (const sig of ["SIGINT", "SIGTERM"]) {
  process.on(sig, async () => {
    await dispose();
    process.exit(0);
  });
}
