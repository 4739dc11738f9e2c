import { createLinkCodec, type LinkCodec } from "../../core/link-codec";
import { allocatorFor } from "../../durable-objects/client";
import type { LinkAllocator } from "../../durable-objects/link-allocator";
import type { AllocatorCheck } from "./issued";

/** The generated bindings, with the allocator typed for RPC and optional: serving works without it. */
export type ServeEnv = Omit<Cloudflare.ServeEnv, "LINKS"> & { LINKS?: DurableObjectNamespace<LinkAllocator> };

interface Gate {
  codec?: LinkCodec;
  check?: AllocatorCheck;
}
const gates = new WeakMap<object, Gate>();

/**
 * The codec and allocator check for this isolate's env, built once. Both are missing when the deploy
 * has no `LINKS` binding or no usable `LINK_SECRET`: the serve path then reads the row, as it does
 * when the allocator is down.
 */
export function allocatorGate(env: ServeEnv): Gate {
  let gate = gates.get(env);
  if (!gate) {
    const usable = env.LINKS !== undefined && typeof env.LINK_SECRET === "string" && env.LINK_SECRET.length >= 16;
    gate = usable ? { codec: createLinkCodec(env.LINK_SECRET), check: allocatorFor(env.LINKS!) } : {};
    gates.set(env, gate);
  }
  return gate;
}
