import { retryDelaySeconds } from "../../core/retry";
import { ResizeJob } from "../../core/schemas";
import { markFailed, PermanentFailure, processJob } from "./process";
import { reconcileStuckImages } from "./reconcile";

type ResizeEnv = Cloudflare.ResizeEnv;


async function handleJob(env: ResizeEnv, msg: Message<unknown>): Promise<void> {
  const parsed = ResizeJob.safeParse(msg.body);
  if (!parsed.success) {
    // A malformed message can never succeed; retrying it would only delay the queue.
    console.error(JSON.stringify({ msg: "invalid resize job dropped", id: msg.id, issues: parsed.error.issues }));
    msg.ack();
    return;
  }
  const job = parsed.data;
  try {
    const outcome = await processJob(env, job);
    console.log(JSON.stringify({ msg: "resize job done", id: job.id, outcome, attempt: msg.attempts }));
    msg.ack();
  } catch (err) {
    if (err instanceof PermanentFailure) {
      await markFailed(env, job.id, err.message);
      msg.ack();
      return;
    }
    console.error(JSON.stringify({ msg: "resize job failed, will retry", id: job.id, attempt: msg.attempts, error: String(err) }));
    msg.retry({ delaySeconds: retryDelaySeconds(msg.attempts) });
  }
}

/** Jobs that used up their retries arrive here: the image is marked failed with a reason. */
async function handleDeadLetter(env: ResizeEnv, msg: Message<unknown>): Promise<void> {
  const parsed = ResizeJob.safeParse(msg.body);
  if (parsed.success) await markFailed(env, parsed.data.id, "processing kept failing after every retry");
  msg.ack();
}

export default {
  async queue(batch, env, _ctx) {
    const dead = batch.queue.endsWith("-dlq");
    for (const msg of batch.messages) {
      await (dead ? handleDeadLetter(env, msg) : handleJob(env, msg));
    }
  },
  async scheduled(_controller, env, ctx) {
    ctx.waitUntil(reconcileStuckImages(env));
  },
  async fetch() {
    return Response.json({ ok: true, worker: "resize" });
  },
} satisfies ExportedHandler<ResizeEnv>;
