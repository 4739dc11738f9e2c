import { describe, expect, it } from "vitest";
import { clientKey } from "../../core/client-key";

describe("rate-limit client key", () => {
  it("keeps IPv4 addresses whole", () => {
    expect(clientKey("203.0.113.7")).toBe("203.0.113.7");
  });
  it("reduces IPv6 to its /64, whatever the spelling", () => {
    expect(clientKey("2001:db8:1:2::1")).toBe("2001:db8:1:2::/64");
    expect(clientKey("2001:0db8:0001:0002:aaaa:bbbb:cccc:dddd")).toBe("2001:db8:1:2::/64");
    expect(clientKey("2001:db8::1")).toBe("2001:db8:0:0::/64");
    expect(clientKey("::1")).toBe("0:0:0:0::/64");
  });
  it("has a key for requests without an address", () => {
    expect(clientKey(null)).toBe("unknown");
    expect(clientKey("")).toBe("unknown");
  });
});
