// The floor for `npm run bench:serve`: a Worker with no logic at all. Every GET is answered with
// whatever `caches.default` holds under one fixed key, so its throughput is what the local runtime
// and its cache cost by themselves. A PUT seeds that entry with its body and the headers listed,
// as JSON, in `x-floor-headers` (the serve Worker's own, so both answers are the same bytes).
const KEY = "http://floor.bench/variant";

export default {
  async fetch(request) {
    if (request.method === "PUT") {
      const headers = new Headers(JSON.parse(request.headers.get("x-floor-headers")));
      await caches.default.put(KEY, new Response(await request.arrayBuffer(), { headers }));
      return new Response(null, { status: 204 });
    }
    return (await caches.default.match(KEY)) ?? new Response("not seeded", { status: 500 });
  },
};
