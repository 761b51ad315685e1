import assert from 'node:assert/strict';
import { test } from 'node:test';
import { factory } from '../src/index.ts';

test('defaults: capture everything, 1 KiB of payload, 10ms polls, 16 MiB ring, TLS plaintext, TCP metrics without zero windows, not required', () => {
  assert.deepEqual(factory.configSchema.parse({}), {
    payload_size: 1024,
    batch_size: 1024,
    poll_interval: 10,
    ring_buffer_size: 1 << 24,
    filters: { pids: { allow: [], deny: [] }, comms: { allow: [], deny: [] }, ports: { allow: [], deny: [] } },
    tls: { enabled: true, paths: [], rescan_interval: 10_000 },
    tcp: { enabled: true, zero_window: false },
    required: false,
  });
});

test('the factory emits socket events into traces, metrics and logs pipelines', () => {
  assert.equal(factory.type, 'ebpf');
  assert.equal(factory.emits, 'socket');
  assert.deepEqual(Object.keys(factory.stability).sort(), ['logs', 'metrics', 'traces']);
});

test('bad values are refused with the key and what would be valid', () => {
  const problems = (config: unknown) =>
    factory.configSchema.safeParse(config).error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`) ?? [];
  assert.match(problems({ payload_size: 20000 }).join(), /payload_size: Number must be less than or equal to 16384/);
  assert.match(problems({ ring_buffer_size: 100000 }).join(), /ring_buffer_size: must be a power of two/);
  assert.match(problems({ poll_interval: 'soon' }).join(), /poll_interval: 'soon' is not a duration/);
  assert.match(problems({ poll_interval: '2m' }).join(), /poll_interval: must be from 1ms to 1m/);
  assert.match(problems({ filters: { ports: { allow: [70000] } } }).join(), /filters.ports.allow.0/);
  assert.match(problems({ filters: { comms: { deny: ['a-name-longer-than-15'] } } }).join(), /at most 15 bytes/);
  assert.match(problems({ filters: { hosts: {} } }).join(), /Unrecognized key\(s\) in object: 'hosts'/);
  assert.match(problems({ payload: 1 }).join(), /Unrecognized key\(s\) in object: 'payload'/);
  assert.match(
    problems({ tls: { rescan_interval: '10ms' } }).join(),
    /tls.rescan_interval: must be 0 or from 100ms to 24h/,
  );
  assert.match(problems({ tls: { go: true } }).join(), /Unrecognized key\(s\) in object: 'go'/);
});
