/**
 * The key a client is rate-limited under: its IPv4 address, or the /64 prefix of its IPv6 address
 * (one subscriber usually holds a whole /64, so per-address limits would be trivial to dodge).
 */
export function clientKey(ip: string | null | undefined): string {
  if (!ip) return "unknown";
  const trimmed = ip.trim();
  if (!trimmed.includes(":")) return trimmed;
  const [head = "", tail = ""] = trimmed.split("::");
  const left = head ? head.split(":") : [];
  const right = tail ? tail.split(":") : [];
  const missing = trimmed.includes("::") ? Math.max(0, 8 - left.length - right.length) : 0;
  const groups = [...left, ...Array<string>(missing).fill("0"), ...right];
  return `${groups
    .slice(0, 4)
    .map((g) => (Number.parseInt(g || "0", 16) || 0).toString(16))
    .join(":")}::/64`;
}
