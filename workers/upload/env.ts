import type { LinkAllocator } from "../../durable-objects/link-allocator";
import type { ResizeJob } from "../../core/schemas";

/** The generated bindings, with the Durable Object and queue typed for their RPC and messages. */
export type UploadEnv = Omit<Cloudflare.UploadEnv, "LINKS" | "RESIZE_QUEUE"> & {
  LINKS: DurableObjectNamespace<LinkAllocator>;
  RESIZE_QUEUE: Queue<ResizeJob>;
};
