import assert from 'node:assert/strict';
import { test } from 'node:test';
import { factory } from '../src/index.ts';

const parse = (c: unknown) => factory.configSchema.safeParse({ endpoint: 'peer:4317', ...(c as object) });

test("defaults are contrib's: zstd, round_robin, 30s streams, downgrade allowed", () => {
  const c = factory.configSchema.parse({ endpoint: 'peer:4317' });
  assert.equal(c.compression, 'zstd');
  assert.equal(c.balancer_name, 'round_robin');
  assert.equal(c.arrow.max_stream_lifetime, 30_000);
  assert.ok(c.arrow.num_streams >= 1);
  assert.equal(c.arrow.disabled, false);
  assert.equal(c.arrow.disable_downgrade, false);
});

test('keys flowtel does not honour are refused with their reason', () => {
  const zstd = parse({ arrow: { payload_compression: 'zstd' } });
  assert.ok(!zstd.success);
  assert.match(zstd.error.issues[0].message, /synchronous zstd/);
  const level = parse({ arrow: { zstd: { level: 3 } } });
  assert.ok(!level.success);
  assert.match(level.error.issues[0].message, /not in flowtel/);
  assert.ok(!parse({ metadata_keys: ['tenant'] }).success);
  assert.ok(!parse({ arrow: { prioritizer: 'leastloaded2' } }).success);
  assert.ok(parse({ arrow: { payload_compression: 'none', max_stream_lifetime: '9m30s' } }).success);
});
