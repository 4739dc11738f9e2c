import type { D1Migration } from "@cloudflare/vitest-pool-workers";
import type { UploadEnv } from "../../workers/upload/env";

declare global {
  namespace Cloudflare {
    interface Env extends UploadEnv {
      TEST_MIGRATIONS: D1Migration[];
    }
  }
}
