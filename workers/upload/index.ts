import { app } from "./app";
import type { UploadEnv } from "./env";
import { reconcileAllocations } from "../../durable-objects/reconcile";

export { LinkAllocator } from "../../durable-objects/link-allocator";

export default {
  fetch: app.fetch,
  // Returns link ids that uploads took but never recorded; the resize Worker's cron owns image jobs.
  scheduled: async (_controller, env, ctx) => {
    ctx.waitUntil(reconcileAllocations(env).then((report) => console.log(JSON.stringify({ msg: "links reconciled", ...report }))));
  },
} satisfies ExportedHandler<UploadEnv>;
