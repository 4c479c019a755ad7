// Stable, time-sortable ids: a type prefix and a ULID-shaped suffix (48-bit milliseconds +
// 80 random bits, Crockford base32). Within one process ids are strictly increasing even within
// one millisecond, so sorting by id is sorting by creation (keyset pagination relies on it).
import { randomBytes } from 'node:crypto';

const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';
const RANDOM_MAX = (1n << 80n) - 1n;

let lastTime = -1;
let lastRandom = 0n;

function encode(value: bigint, length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) {
    out = ALPHABET[Number(value & 31n)] + out;
    value >>= 5n;
  }
  return out;
}

export function newId(prefix: 'org' | 'acc' | string): string {
  let now = Date.now();
  if (now <= lastTime) {
    now = lastTime;
    lastRandom = lastRandom >= RANDOM_MAX ? 0n : lastRandom + 1n;
  } else {
    lastTime = now;
    lastRandom = BigInt('0x' + randomBytes(10).toString('hex')) >> 1n; // leave room to increment
  }
  return `${prefix}_${encode(BigInt(now), 10)}${encode(lastRandom, 16)}`;
}
