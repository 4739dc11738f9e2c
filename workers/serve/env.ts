import { createLinkCodec, type LinkCodec } from "../../core/link-codec";
import { linkAllocator } from "../../durable-objects/client";
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
 * The codec and allocator check for this isolate's env, built once. Either may be missing: no
 * `LINKS` binding or secret (a deploy without them), or an allocator client without `isAllocated`.
 * Then the serve path reads the row, as it would if the allocator were down.
 */
export function allocatorGate(env: ServeEnv): Gate {
  let gate = gates.get(env);
  if (!gate) {
    gate = {};
    if (env.LINKS && env.LINK_SECRET && env.LINK_SECRET.length >= 16) {
      gate.codec = createLinkCodec(env.LINK_SECRET);
      const client: object = linkAllocator(env.LINKS);
      if ("isAllocated" in client && typeof client.isAllocated === "function") {
        const isAllocated = client.isAllocated as AllocatorCheck["isAllocated"];
        gate.check = { isAllocated: (seq) => isAllocated.call(client, seq) };
      }
    }
    gates.set(env, gate);
  }
  return gate;
}
