// Builds the three Workers and runs them in one workerd process (programmatic Miniflare), with shared
// local R2/D1/Queues/Durable Object/Cache state and one origin: `/i/*` reaches the serve Worker and
// everything else the upload Worker, as routes on one zone do in production.
import { mkdir, mkdtemp, readFile, readdir, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";
import { Miniflare, Log, LogLevel } from "miniflare";
import { unstable_getMiniflareWorkerOptions, unstable_readConfig, unstable_splitSqlQuery } from "wrangler";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const ENVS = ["upload", "serve", "resize"];
const CONFIG = path.join(ROOT, "wrangler.toml");

/** Bundles one Worker entry the way wrangler does: ESM, workerd conditions, `.wasm` kept as modules. */
export async function bundleWorker(entry, outdir) {
  await mkdir(outdir, { recursive: true });
  await esbuild.build({
    entryPoints: { index: entry },
    outdir,
    bundle: true,
    format: "esm",
    platform: "neutral",
    target: "es2022",
    conditions: ["workerd", "worker", "browser"],
    mainFields: ["browser", "module", "main"],
    external: ["cloudflare:*", "node:*"],
    loader: { ".wasm": "copy" },
    sourcemap: "linked",
    logLevel: "warning",
  });
  return path.join(outdir, "index.js");
}

/**
 * A single scratch Worker (benchmarks, probes) bundled from `entry` and run in its own workerd with
 * the project's compatibility settings; `options` adds bindings. `dispose()` also removes the bundle.
 */
export async function startScratchWorker(entry, options = {}) {
  const outdir = await mkdtemp(path.join(os.tmpdir(), "img-host-scratch-"));
  const scriptPath = await bundleWorker(entry, outdir);
  const mf = new Miniflare({
    log: new Log(LogLevel.WARN),
    compatibilityDate: "2026-05-01",
    compatibilityFlags: ["nodejs_compat"],
    modules: true,
    scriptPath,
    modulesRoot: outdir,
    modulesRules: [{ type: "CompiledWasm", include: ["**/*.wasm"] }],
    ...options,
  });
  await mf.ready;
  return {
    mf,
    async dispose() {
      await mf.dispose();
      await rm(outdir, { recursive: true, force: true });
    },
  };
}

/** Bundles each env's `main`. */
export async function buildWorkers(outRoot = path.join(ROOT, "dist/local")) {
  const out = {};
  for (const env of ENVS) {
    const config = unstable_readConfig({ config: CONFIG, env });
    const outdir = path.join(outRoot, env);
    const scriptPath = await bundleWorker(path.resolve(ROOT, config.main), outdir);
    out[env] = { name: config.name, scriptPath, outdir };
  }
  return out;
}

/** Applies `migrations/*.sql` not yet applied, tracked in the same table `wrangler d1 migrations` uses. */
export async function applyMigrations(db) {
  await db.exec("CREATE TABLE IF NOT EXISTS d1_migrations(id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT UNIQUE, applied_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP)");
  const applied = new Set((await db.prepare("SELECT name FROM d1_migrations").all()).results.map((r) => r.name));
  const dir = path.join(ROOT, "migrations");
  const files = (await readdir(dir)).filter((f) => f.endsWith(".sql")).sort();
  const done = [];
  for (const file of files) {
    if (applied.has(file)) continue;
    const statements = unstable_splitSqlQuery(await readFile(path.join(dir, file), "utf8"));
    await db.batch([...statements.map((s) => db.prepare(s)), db.prepare("INSERT INTO d1_migrations (name) VALUES (?)").bind(file)]);
    done.push(file);
  }
  return done;
}

/**
 * Starts the whole system. `persistRoot` holds all local state (`.wrangler/state/v3` by default, the
 * folder `wrangler d1 migrations apply --local` also writes). `workerOverrides[env]` lets tests add
 * bindings to one Worker.
 */
export async function startSystem({ persistRoot = path.join(ROOT, ".wrangler/state/v3"), host = "127.0.0.1", port = 8787, logLevel = LogLevel.INFO, quiet = false, build, workerOverrides = {} } = {}) {
  const built = build ?? (await buildWorkers());
  const workers = ENVS.map((env) => {
    const { workerOptions } = unstable_getMiniflareWorkerOptions(CONFIG, env);
    const { scriptPath, name } = built[env];
    return {
      ...workerOptions,
      ...(workerOverrides[env] ?? {}),
      bindings: { ...workerOptions.bindings, ...(workerOverrides[env]?.bindings ?? {}) },
      name,
      modules: true,
      scriptPath,
      modulesRoot: path.dirname(scriptPath),
      routes: env === "serve" ? ["*/i/*"] : env === "upload" ? ["*/*"] : undefined,
      // The serve Worker reads the cache the upload Worker purges: one zone, one `caches.default`.
      cache: true,
    };
  });
  const mf = new Miniflare({
    host,
    port,
    log: new Log(logLevel),
    // Benchmarks and soaks would otherwise print a log line per request from inside the Workers.
    // (Structured logs handed to a no-op keep the runtime's pipes drained; a pipe left full stalls workerd.)
    ...(quiet ? { handleStructuredLogs: () => {} } : {}),
    defaultPersistRoot: persistRoot,
    workers,
  });
  const url = await mf.ready;
  const db = await mf.getD1Database("DB", built.upload.name);
  const applied = await applyMigrations(db);
  return { mf, url: url.toString().replace(/\/$/, ""), applied, dispose: () => mf.dispose() };
}
