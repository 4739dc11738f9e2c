import { app } from "./app";
import type { UploadEnv } from "./env";

export { LinkAllocator } from "../../durable-objects/link-allocator";

export default { fetch: app.fetch } satisfies ExportedHandler<UploadEnv>;
