/**
 * Public link ids: 7 characters of base62, a keyed bijection of the allocator's integer.
 *
 * The integer space is [0, 62^7) ≈ 3.5·10^12. A balanced Feistel network over 42 bits (the smallest
 * even bit width covering 62^7) permutes it; values that land outside the space are fed through the
 * network again ("cycle walking"), which keeps the map a bijection on exactly [0, 62^7). Consecutive
 * integers therefore give unrelated-looking links, and every 7-char link decodes to one integer.
 */
export const LINK_LENGTH = 7;
export const ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
export const ID_SPACE = 62 ** LINK_LENGTH; // 3,521,614,606,208
const HALF_BITS = 21;
const HALF_MASK = (1 << HALF_BITS) - 1;
const HALF_SIZE = 2 ** HALF_BITS;
const ROUNDS = 8;

const LINK_PATTERN = /^[0-9A-Za-z]{7}$/;

/** True when `s` has the shape of a link id. Checked before any lookup. */
export function isLinkId(s: string): boolean {
  return LINK_PATTERN.test(s);
}

export interface LinkCodec {
  encode(n: number): string;
  decode(id: string): number;
}

/** Derives the round keys from the secret once; encode/decode are then pure arithmetic. */
export function createLinkCodec(secret: string): LinkCodec {
  if (secret.length < 16) throw new Error("LINK_SECRET must be at least 16 characters");
  const keys = deriveRoundKeys(secret);

  const permute = (x: number): number => {
    let left = Math.floor(x / HALF_SIZE);
    let right = x % HALF_SIZE;
    for (let r = 0; r < ROUNDS; r++) {
      const next = (left ^ round(right, keys[r]!)) & HALF_MASK;
      left = right;
      right = next;
    }
    return left * HALF_SIZE + right;
  };
  const unpermute = (y: number): number => {
    let left = Math.floor(y / HALF_SIZE);
    let right = y % HALF_SIZE;
    for (let r = ROUNDS - 1; r >= 0; r--) {
      const prev = (right ^ round(left, keys[r]!)) & HALF_MASK;
      right = left;
      left = prev;
    }
    return left * HALF_SIZE + right;
  };

  return {
    encode(n) {
      if (!Number.isSafeInteger(n) || n < 0 || n >= ID_SPACE) throw new RangeError(`id ${n} outside the link space`);
      let y = permute(n);
      while (y >= ID_SPACE) y = permute(y);
      return toBase62(y);
    },
    decode(id) {
      if (!isLinkId(id)) throw new RangeError("not a link id");
      let x = unpermute(fromBase62(id));
      while (x >= ID_SPACE) x = unpermute(x);
      return x;
    },
  };
}

/** A 21-bit keyed mixing function (multiply-xorshift, as in murmur3's finaliser). */
function round(half: number, key: number): number {
  let h = (half ^ key) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  h ^= h >>> 16;
  return h & HALF_MASK;
}

function deriveRoundKeys(secret: string): number[] {
  // FNV-1a over the secret seeds a splitmix32 stream; the keys only need to be secret and distinct.
  let seed = 0x811c9dc5;
  for (let i = 0; i < secret.length; i++) seed = Math.imul(seed ^ secret.charCodeAt(i), 0x01000193);
  const keys: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    seed = (seed + 0x9e3779b9) | 0;
    let z = seed;
    z = Math.imul(z ^ (z >>> 16), 0x21f0aaad);
    z = Math.imul(z ^ (z >>> 15), 0x735a2d97);
    keys.push((z ^ (z >>> 15)) >>> 0);
  }
  return keys;
}

function toBase62(n: number): string {
  let out = "";
  for (let i = 0; i < LINK_LENGTH; i++) {
    out = ALPHABET[n % 62]! + out;
    n = Math.floor(n / 62);
  }
  return out;
}

function fromBase62(s: string): number {
  let n = 0;
  for (const ch of s) n = n * 62 + ALPHABET.indexOf(ch);
  return n;
}
