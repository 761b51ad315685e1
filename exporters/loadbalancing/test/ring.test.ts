// The ring against contrib's own expectations (consistent_hashing_test.go: positions of
// endpoint-1/endpoint-2 with 5 per endpoint, and which of the two four ids go to), then the
// property the exporter exists for: removing a backend moves only that backend's keys.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { HashRing, positionsForEndpoints } from '../src/index.ts';

test("positions are contrib's: crc32(endpoint + index byte) % 36000, first claim wins, sorted", () => {
  const one = [1401, 4175, 14133, 17836, 21667].map((pos) => ({ pos, endpoint: 'endpoint-1' }));
  assert.deepEqual(positionsForEndpoints(['endpoint-1'], 5), one);
  assert.deepEqual(positionsForEndpoints(['endpoint-1', 'endpoint-1'], 5), one);
  assert.deepEqual(
    positionsForEndpoints(['endpoint-1', 'endpoint-2'], 5).map((i) => `${i.pos}:${i.endpoint.slice(-1)}`),
    ['1401:1', '4175:1', '10240:2', '14133:1', '15002:2', '17836:1', '21263:2', '21667:1', '26806:2', '27020:2'],
  );
  assert.equal(new HashRing(['endpoint-1', 'endpoint-2']).items.length, 200);
});

test("keys go where contrib's ring sends them", () => {
  const ring = new HashRing(['endpoint-1', 'endpoint-2']);
  assert.equal(ring.endpointFor(new Uint8Array([1, 2, 0, 0])), 'endpoint-1');
  assert.equal(ring.endpointFor(new Uint8Array([128, 128, 0, 0])), 'endpoint-2');
  assert.equal(ring.endpointFor('ad-service-7'), 'endpoint-1');
  assert.equal(ring.endpointFor('get-recommendations-1'), 'endpoint-2');
  assert.equal(new HashRing([]).endpointFor('x'), undefined);
});

test('the next position at or after the key wraps around the ring', () => {
  const ring = new HashRing(['a:1', 'b:2', 'c:3']);
  const items = ring.items;
  assert.equal(ring.endpointAt(items[0].pos), items[0].endpoint);
  assert.equal(ring.endpointAt(items[5].pos + 1), items[6].endpoint);
  assert.equal(ring.endpointAt(items[items.length - 1].pos + 1), items[0].endpoint);
  assert.equal(ring.endpointAt(0), items[0].endpoint);
});

test('removing one of three backends moves only its keys, about a third of them', () => {
  const before = new HashRing(['10.0.0.1:4317', '10.0.0.2:4317', '10.0.0.3:4317']);
  const after = new HashRing(['10.0.0.1:4317', '10.0.0.2:4317']);
  const ids = Array.from({ length: 20_000 }, () => randomBytes(16));
  const share = new Map<string, number>();
  let moved = 0;
  for (const id of ids) {
    const was = before.endpointFor(id)!;
    const now = after.endpointFor(id)!;
    share.set(was, (share.get(was) ?? 0) + 1);
    if (was !== '10.0.0.3:4317') assert.equal(now, was, 'a key of a remaining backend moved');
    else moved++;
  }
  assert.ok(moved / ids.length > 0.2 && moved / ids.length < 0.45, `moved ${moved}`);
  for (const [endpoint, n] of share) assert.ok(n / ids.length > 0.2 && n / ids.length < 0.47, `${endpoint}: ${n}`);
});
