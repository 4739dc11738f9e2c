import type { D1Migration } from "@cloudflare/vitest-pool-workers";
import { env as poolEnv } from "cloudflare:test";
import type { UploadEnv } from "../../workers/upload/env";

/** The upload Worker's bindings as the pool provides them, typed like the Worker sees them. */
export const env = poolEnv as unknown as UploadEnv & { TEST_MIGRATIONS: D1Migration[]; TIGHT_LIMITER: RateLimit };
