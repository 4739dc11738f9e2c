import { app } from "./app";
import type { ServeEnv } from "./env";

export default { fetch: app.fetch } satisfies ExportedHandler<ServeEnv>;
