import { app } from "./app";
import type { UploadEnv } from "./env";
import { reconcileAllocations } from "../../durable-objects/reconcile";
import { restoreLostShards } from "../../durable-objects/restore";

export { LinkAllocator } from "../../durable-objects/link-allocator";

export default {
  fetch: app.fetch,
  // Link ids: rebuilds a shard that lost its state, then returns ids that uploads took but never
  // recorded. The resize Worker's cron owns image jobs.
  scheduled: async (_controller, env, ctx) => {
    ctx.waitUntil(
      (async () => {
        const rebuilt = await restoreLostShards(env);
        const settled = await reconcileAllocations(env);
        console.log(JSON.stringify({ msg: "links reconciled", ...settled, rebuilt }));
      })(),
    );
  },
} satisfies ExportedHandler<UploadEnv>;
