import assert from 'node:assert/strict';
import { test } from 'node:test';
import { factory } from '../src/index.ts';

const parse = (c: unknown) => factory.configSchema.safeParse(c);

test("defaults are contrib's: localhost:4317, memory 128 MiB, admission 128/32 MiB", () => {
  const c = factory.configSchema.parse({});
  assert.equal(c.protocols.grpc.endpoint, 'localhost:4317');
  assert.equal(c.protocols.arrow.memory_limit_mib, 128);
  assert.equal(c.protocols.arrow.zstd.memory_limit_mib, 128);
  assert.deepEqual(c.admission, { request_limit_mib: 128, waiting_limit_mib: 32 });
});

test('the deprecated arrow::admission_limit_mib becomes admission::request_limit_mib', () => {
  const c = factory.configSchema.parse({ protocols: { arrow: { admission_limit_mib: 64 } } });
  assert.equal(c.admission.request_limit_mib, 64);
});

test('keys flowtel does not honour are refused with their reason', () => {
  const waiter = parse({ protocols: { arrow: { waiter_limit: 10 } } });
  assert.ok(!waiter.success);
  assert.match(waiter.error.issues[0].message, /no longer supported.*waiting_limit_mib/);
  const window = parse({ protocols: { arrow: { zstd: { max_window_size_mib: 8 } } } });
  assert.ok(!window.success);
  assert.match(window.error.issues[0].message, /not in flowtel/);
  assert.ok(!parse({ protocols: { http: {} } }).success);
});
