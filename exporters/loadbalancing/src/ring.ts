// contrib's consistent hash ring (exporter/loadbalancingexporter/consistent_hashing.go): every
// endpoint takes 100 positions on a circle of 36,000 (crc32 of the endpoint followed by the
// position's index as one byte, modulo 36,000; a position already taken is skipped), and a key
// goes to the endpoint at the first position at or after crc32(key) % 36,000, wrapping around.
// Adding or removing one of N endpoints moves about 1/N of the keys, and a flowtel and an
// otelcol load balancer with the same endpoint list send a trace id to the same backend.
import { crc32 } from 'node:zlib';

export const MAX_POSITIONS = 36_000;
export const DEFAULT_WEIGHT = 100;

export interface RingItem {
  pos: number;
  endpoint: string;
}

/** The positions of `endpoint` on the ring, `weight` of them, duplicates included. */
export function positionsFor(endpoint: string, weight: number): number[] {
  const name = Buffer.from(endpoint);
  const buf = Buffer.alloc(name.length + 1);
  name.copy(buf);
  const out: number[] = [];
  for (let i = 0; i < weight; i++) {
    buf[name.length] = i & 0xff;
    out.push(crc32(buf) % MAX_POSITIONS);
  }
  return out;
}

/** Every endpoint's positions, the first to claim a position keeping it, sorted by position. */
export function positionsForEndpoints(endpoints: string[], weight: number): RingItem[] {
  const taken = new Set<number>();
  const items: RingItem[] = [];
  for (const endpoint of endpoints) {
    for (const pos of positionsFor(endpoint, weight)) {
      if (taken.has(pos)) continue;
      taken.add(pos);
      items.push({ pos, endpoint });
    }
  }
  return items.sort((a, b) => a.pos - b.pos);
}

export class HashRing {
  readonly items: RingItem[];
  private readonly positions: Uint32Array;

  constructor(endpoints: string[], weight = DEFAULT_WEIGHT) {
    this.items = positionsForEndpoints(endpoints, weight);
    this.positions = Uint32Array.from(this.items, (i) => i.pos);
  }

  /** The endpoint for a routing key (a trace id's 16 bytes, a service name's UTF-8); undefined on an empty ring. */
  endpointFor(key: Uint8Array | string): string | undefined {
    return this.endpointAt(crc32(key) % MAX_POSITIONS);
  }

  /** The endpoint at the first position at or after `pos`, wrapping to the first. */
  endpointAt(pos: number): string | undefined {
    const p = this.positions;
    if (p.length === 0) return undefined;
    let lo = 0;
    let hi = p.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (p[mid] < pos) lo = mid + 1;
      else hi = mid;
    }
    return this.items[lo === p.length ? 0 : lo].endpoint;
  }

  equals(other: HashRing | undefined): boolean {
    if (!other || other.items.length !== this.items.length) return false;
    return this.items.every((it, i) => it.pos === other.items[i].pos && it.endpoint === other.items[i].endpoint);
  }
}
