// The two references `bench/serve.mjs` measures the serve Worker against: the floor Worker in its own
// Miniflare (same workerd, same disk-backed cache) and nginx serving the same bytes from disk.
import { spawn, spawnSync } from "node:child_process";
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import net from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Log, LogLevel, Miniflare } from "miniflare";

const HERE = path.dirname(fileURLToPath(import.meta.url));

/** Starts the floor Worker and seeds its cache with `body` and `headers` (exactly those of the measured hit). */
export async function startFloor(dir, body, headers) {
  const mf = new Miniflare({
    host: "127.0.0.1",
    port: 0,
    log: new Log(LogLevel.WARN),
    modules: true,
    script: await readFile(path.join(HERE, "serve-floor.js"), "utf8"),
    compatibilityDate: "2026-05-01",
    cache: true,
    // On disk like the system's cache, so both pay the same storage cost.
    defaultPersistRoot: dir,
  });
  const url = (await mf.ready).toString().replace(/\/$/, "");
  const seeded = await fetch(`${url}/seed`, { method: "PUT", body, headers: { "x-floor-headers": JSON.stringify([...headers]) } });
  if (seeded.status !== 204) throw new Error(`floor seed: ${seeded.status}`);
  return { url: `${url}/floor`, stop: () => mf.dispose() };
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer().listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
    srv.on("error", reject);
  });
}

/**
 * nginx on 127.0.0.1 serving `body` as a static file with one worker process, or `{ skipped }` when
 * nginx is not installed (`apt-get install -y nginx` adds it on Debian).
 */
export async function startNginx(body, contentType) {
  const bin = ["/usr/sbin/nginx", "/usr/bin/nginx"].find((p) => spawnSync(p, ["-v"]).status === 0);
  if (!bin) return { skipped: "nginx is not installed (apt-get install -y nginx)" };
  // Its own world-readable folder: nginx's workers drop root and must still read the file.
  const dir = await mkdtemp(path.join(os.tmpdir(), "bench-nginx-"));
  await chmod(dir, 0o755);
  const www = path.join(dir, "www");
  await mkdir(path.join(dir, "logs"), { recursive: true });
  await mkdir(www, { recursive: true });
  await writeFile(path.join(www, "variant"), body);
  const port = await freePort();
  const conf = path.join(dir, "nginx.conf");
  await writeFile(
    conf,
    `worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/logs/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${dir}/body; proxy_temp_path ${dir}/proxy; fastcgi_temp_path ${dir}/fcgi;
  uwsgi_temp_path ${dir}/uwsgi; scgi_temp_path ${dir}/scgi;
  sendfile on; tcp_nopush on; keepalive_requests 100000;
  server {
    listen 127.0.0.1:${port};
    root ${www};
    location / { default_type ${contentType}; add_header Cache-Control "public, max-age=31536000, immutable"; }
  }
}
`,
  );
  const child = spawn(bin, ["-p", dir, "-c", conf, "-g", "daemon off;"], { stdio: "ignore" });
  const url = `http://127.0.0.1:${port}/variant`;
  for (let i = 0; i < 50; i++) {
    const ok = await fetch(url).then((r) => r.ok, () => false);
    if (ok) return { url, stop: () => stopChild(child).then(() => rm(dir, { recursive: true, force: true })) };
    await new Promise((r) => setTimeout(r, 100));
  }
  await stopChild(child);
  await rm(dir, { recursive: true, force: true });
  return { skipped: "nginx did not start" };
}

function stopChild(child) {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once("exit", () => resolve());
    child.kill("SIGTERM");
  });
}
