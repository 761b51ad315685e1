import assert from 'node:assert/strict';
import { test } from 'node:test';
import { permanent, retryable } from '@flowtel/core';
import type { Batch, MetricsBatch } from '@flowtel/core';
import { SocketEventBatch, attr, getAttr, newResource, newScope } from '@flowtel/pdata';
import type { Metrics, Traces } from '@flowtel/pdata';
import { Ack } from '@flowtel/core';
import { factory } from '../src/index.ts';
import { CONDITION_TIMEOUT_MS, waitFor } from '@flowtel/testkit';
import { recordingLogger, settled, sleep, spanNames, stage, tracesBatch } from './helpers.ts';

test('defaults are otelcol’s', () => {
  const c = factory.configSchema.parse({});
  assert.equal(c.send_batch_size, 8192);
  assert.equal(c.send_batch_max_size, 0);
  assert.equal(c.timeout, 200);
  assert.deepEqual(c.metadata_keys, []);
  assert.equal(c.wait_for_result, false, 'acknowledged once taken, as otelcol');
});

test('send_batch_max_size below send_batch_size is rejected with the rule', () => {
  const r = factory.configSchema.safeParse({ send_batch_size: 100, send_batch_max_size: 10 });
  assert.equal(r.success, false);
  assert.match(
    r.error!.issues[0].message,
    /send_batch_max_size \(10\) must be greater or equal to send_batch_size \(100\)/,
  );
  assert.deepEqual(r.error!.issues[0].path, ['send_batch_max_size']);
  assert.equal(factory.configSchema.safeParse({ timeout: 'soon' }).success, false);
  assert.equal(factory.configSchema.safeParse({ send_batch_szie: 1 }).success, false);
});

test('small batches wait for the timeout, leave as one, and with wait_for_result their acks follow the merged one', async (t) => {
  const s = stage({ send_batch_size: 100, timeout: '150ms', wait_for_result: true });
  t.after(() => s.subscription.unsubscribe());
  const start = Date.now();
  const inputs = [tracesBatch('a', 2), tracesBatch('b', 2), tracesBatch('c', 2)];
  for (const i of inputs) s.input.next(i.batch);
  await waitFor('the merged batch', async () => s.out.length > 0);
  assert.equal(s.out.length, 1);
  const [{ batch, at }] = s.out;
  assert.ok(at - start >= 140, `sent after ${at - start}ms, not before the 150ms timeout`);
  assert.equal(batch.items, 6);
  assert.deepEqual(spanNames(batch.data as Traces), ['a-0', 'a-1', 'b-0', 'b-1', 'c-0', 'c-1']);
  assert.equal((batch.data as Traces).resourceSpans.length, 3, 'resources are concatenated, not folded');

  for (const i of inputs) assert.equal(await settled(i.done), false, 'upstream waits for downstream');
  batch.ack.resolve();
  await Promise.all(inputs.map((i) => i.done));
});

test('a batch is acknowledged as soon as the processor holds it: the client never waits for the timeout', async (t) => {
  const s = stage({ send_batch_size: 100, timeout: '1h' });
  t.after(() => s.subscription.unsubscribe());
  const a = tracesBatch('a', 3);
  s.input.next(a.batch);
  assert.equal(await settled(a.done), true, 'acknowledged on accept');
  await a.done;
  assert.equal(s.out.length, 0, 'while the data still waits for company');
});

test('a failed outgoing batch is logged once, naming the exporter and the items dropped', async (t) => {
  const { logger, records } = recordingLogger();
  const s = stage({ send_batch_size: 4, timeout: '1h' }, logger);
  t.after(() => s.subscription.unsubscribe());
  const inputs = [tracesBatch('a', 2), tracesBatch('b', 2)];
  for (const i of inputs) s.input.next(i.batch);
  await Promise.all(inputs.map((i) => i.done));
  assert.equal(s.out.length, 1);
  const refusal = permanent('backend said 400');
  refusal.origin = 'otlp/backend';
  s.out[0].batch.ack.reject(refusal);
  s.out[0].batch.ack.reject(refusal);
  const failures = records.filter((r) => r.msg === 'Sender failed. Dropping data.');
  assert.equal(failures.length, 1, 'once per outgoing batch');
  assert.equal(failures[0].level, 50, 'at error level');
  assert.deepEqual(
    [failures[0].exporter, failures[0].dropped_items, failures[0].err],
    ['otlp/backend', 4, 'backend said 400'],
  );

  const next = tracesBatch('c', 1);
  s.input.next(next.batch);
  await next.done; // a permanent refusal is about that data, not about the pipeline's room
});

test('after a retryable downstream refusal new data is refused on accept for a while, then taken again', async (t) => {
  const s = stage({ send_batch_size: 1, timeout: '1h' });
  t.after(() => s.subscription.unsubscribe());
  s.input.next(tracesBatch('a', 1).batch);
  s.out[0].batch.ack.reject(retryable('sending queue is full', { retryAfterMs: 50 }));
  const refused = tracesBatch('b', 1);
  s.input.next(refused.batch);
  await assert.rejects(
    refused.done,
    (e: Error & { retryable: boolean; retryAfterMs?: number }) =>
      e.retryable && /refusing data: sending queue is full/.test(e.message) && e.retryAfterMs === 50,
  );
  assert.equal(s.out.length, 1, 'the refused data never entered');
  const deadline = Date.now() + CONDITION_TIMEOUT_MS;
  for (;;) {
    const again = tracesBatch('c', 1);
    s.input.next(again.batch);
    const taken = await again.done.then(
      () => true,
      () => false,
    );
    if (taken) break;
    assert.ok(Date.now() < deadline, 'accepts resume once the pause is over');
    await sleep(10);
  }
  assert.equal(s.out.length, 2);
});

test('a stopping batch processor sends what it holds and refuses what comes after', async (t) => {
  const s = stage({ send_batch_size: 100, timeout: '1h' });
  t.after(() => s.subscription.unsubscribe());
  s.input.next(tracesBatch('a', 2).batch);
  await s.processor.shutdown();
  assert.deepEqual(
    s.out.map((o) => o.batch.items),
    [2],
  );
  const late = tracesBatch('b', 1);
  s.input.next(late.batch);
  await assert.rejects(
    late.done,
    (e: Error & { retryable: boolean }) => e.retryable && /shutting down/.test(e.message),
  );
});

test('torn down with acknowledged data held, it logs what it drops', async () => {
  const { logger, records } = recordingLogger();
  const s = stage({ send_batch_size: 100, timeout: '1h' }, logger);
  s.input.next(tracesBatch('a', 3).batch);
  s.subscription.unsubscribe();
  const lost = records.filter((r) => r.dropped_items === 3 && r.level === 50);
  assert.equal(lost.length, 1);
});

test('reaching send_batch_size sends at once, without waiting for the timeout', async (t) => {
  const s = stage({ send_batch_size: 5, timeout: '10s' });
  t.after(() => s.subscription.unsubscribe());
  s.input.next(tracesBatch('a', 3).batch);
  assert.equal(s.out.length, 0);
  s.input.next(tracesBatch('b', 3).batch);
  assert.equal(s.out.length, 1, 'sent synchronously once 6 >= 5 items are held');
  assert.equal(s.out[0].batch.items, 6, 'the whole batch goes, as otelcol does without a max size');
});

test('batches above send_batch_max_size are cut at span granularity and with wait_for_result the ack waits for every piece', async (t) => {
  const s = stage({ send_batch_size: 4, send_batch_max_size: 4, timeout: '100ms', wait_for_result: true });
  t.after(() => s.subscription.unsubscribe());
  const big = tracesBatch('big', 10);
  s.input.next(big.batch);
  assert.deepEqual(
    s.out.map((o) => o.batch.items),
    [4, 4],
    'two full pieces leave at once',
  );
  await waitFor('the rest, on the timeout', async () => s.out.length > 2);
  assert.deepEqual(
    s.out.map((o) => o.batch.items),
    [4, 4, 2],
    'the rest leaves on the timeout',
  );
  const names = s.out.flatMap((o) => spanNames(o.batch.data as Traces));
  assert.deepEqual(
    names,
    Array.from({ length: 10 }, (_, i) => `big-${i}`),
  );
  for (const o of s.out) {
    const rs = (o.batch.data as Traces).resourceSpans[0];
    assert.equal(getAttr(rs.resource.attributes, 'service.name'), 'big', 'every piece keeps its resource');
    assert.equal(rs.scopeSpans[0].scope.name, 'test', 'and its scope');
  }
  s.out[0].batch.ack.resolve();
  s.out[2].batch.ack.resolve();
  assert.equal(await settled(big.done), false, 'one piece is still out');
  s.out[1].batch.ack.resolve();
  await big.done;
});

test('with wait_for_result a downstream refusal reaches every upstream ack, permanent winning over retryable', async (t) => {
  const s = stage({ send_batch_size: 6, send_batch_max_size: 6, timeout: '1s', wait_for_result: true });
  t.after(() => s.subscription.unsubscribe());
  const a = tracesBatch('a', 2);
  const b = tracesBatch('b', 2);
  const c = tracesBatch('c', 4); // 2 of its spans go in the first outgoing batch, 2 wait
  for (const i of [a, b, c]) s.input.next(i.batch);
  assert.equal(s.out.length, 1);
  s.out[0].batch.ack.reject(permanent('bad data'));
  for (const i of [a, b])
    await assert.rejects(i.done, (e: Error & { retryable: boolean }) => e.message === 'bad data' && !e.retryable);
  assert.equal(await settled(c.done), false, 'c still has items waiting');

  await s.processor.shutdown();
  assert.equal(s.out.length, 2);
  s.out[1].batch.ack.reject(retryable('busy'));
  await assert.rejects(c.done, (e: Error & { retryable: boolean }) => e.message === 'bad data' && !e.retryable);
});

test('with wait_for_result a retryable refusal stays retryable upstream', async (t) => {
  const s = stage({ send_batch_size: 2, timeout: '1s', wait_for_result: true });
  t.after(() => s.subscription.unsubscribe());
  const a = tracesBatch('a', 1);
  const b = tracesBatch('b', 1);
  s.input.next(a.batch);
  s.input.next(b.batch);
  s.out[0].batch.ack.reject(retryable('queue is full'));
  for (const i of [a, b])
    await assert.rejects(i.done, (e: Error & { retryable: boolean }) => e.message === 'queue is full' && e.retryable);
});

test('completion of the source flushes at once, then completes', async () => {
  const s = stage({ send_batch_size: 1000, timeout: '10s', wait_for_result: true });
  const a = tracesBatch('a', 3);
  s.input.next(a.batch);
  s.input.complete();
  assert.equal(s.out.length, 1);
  assert.equal(s.out[0].batch.items, 3);
  assert.equal(s.isCompleted(), true);
  s.out[0].batch.ack.resolve();
  await a.done;
});

test('timeout 0 sends every incoming batch as it comes', () => {
  const s = stage({ send_batch_size: 1000, timeout: 0 });
  s.input.next(tracesBatch('a', 3).batch);
  s.input.next(tracesBatch('b', 1).batch);
  assert.deepEqual(
    s.out.map((o) => o.batch.items),
    [3, 1],
  );
  s.subscription.unsubscribe();
});

test('with wait_for_result, unsubscribing with data held refuses it as retryable instead of hanging', async () => {
  const s = stage({ send_batch_size: 1000, timeout: '10s', wait_for_result: true });
  const a = tracesBatch('a', 3);
  s.input.next(a.batch);
  s.subscription.unsubscribe();
  await assert.rejects(a.done, (e: Error & { retryable: boolean }) => e.retryable && /stopped/.test(e.message));
});

test('metrics are cut at data point granularity, each piece keeping the metric descriptor', async (t) => {
  const s = stage({ send_batch_size: 2, send_batch_max_size: 2, timeout: '10s' });
  t.after(() => s.subscription.unsubscribe());
  const point = (v: number) => ({
    attributes: [attr('i', v)],
    startTimeUnixNano: 0n,
    timeUnixNano: 1n,
    asInt: BigInt(v),
    exemplars: [],
    flags: 0,
  });
  const data: Metrics = {
    resourceMetrics: [
      {
        resource: newResource(),
        schemaUrl: '',
        scopeMetrics: [
          {
            scope: newScope('m'),
            schemaUrl: '',
            metrics: [
              {
                name: 'requests',
                description: 'd',
                unit: '1',
                metadata: [],
                sum: { dataPoints: [0, 1, 2, 3, 4].map(point), aggregationTemporality: 2, isMonotonic: true },
              },
            ],
          },
        ],
      },
    ],
  };
  const batch: MetricsBatch = { signal: 'metrics', data, items: 5, ack: Ack.none() };
  s.input.next(batch);
  await s.processor.shutdown();
  assert.deepEqual(
    s.out.map((o) => o.batch.items),
    [2, 2, 1],
  );
  for (const o of s.out) {
    const metric = (o.batch.data as Metrics).resourceMetrics[0].scopeMetrics[0].metrics[0];
    assert.equal(metric.name, 'requests');
    assert.equal(metric.sum?.isMonotonic, true);
    assert.equal(metric.sum?.aggregationTemporality, 2);
  }
  const values = s.out.flatMap((o) =>
    (o.batch.data as Metrics).resourceMetrics[0].scopeMetrics[0].metrics[0].sum!.dataPoints.map((p) => p.asInt),
  );
  assert.deepEqual(values, [0n, 1n, 2n, 3n, 4n]);
});

test('metadata_keys keep tenants apart and the merged batch carries their metadata', async (t) => {
  const s = stage({ send_batch_size: 100, timeout: '10s', metadata_keys: ['X-Tenant'] });
  t.after(() => s.subscription.unsubscribe());
  const from = (tenant: string, service: string) => {
    const i = tracesBatch(service, 1);
    i.batch.client = { metadata: { 'x-tenant': [tenant] } };
    return i.batch;
  };
  s.input.next(from('acme', 'a1'));
  s.input.next(from('globex', 'g1'));
  s.input.next(from('acme', 'a2'));
  await s.processor.shutdown();
  const byTenant = new Map(
    s.out.map((o) => [o.batch.client?.metadata?.['X-Tenant']?.[0], spanNames(o.batch.data as Traces)]),
  );
  assert.deepEqual(Object.fromEntries(byTenant), { acme: ['a1-0', 'a2-0'], globex: ['g1-0'] });
});

test('metadata_cardinality_limit refuses a value set beyond it', async (t) => {
  const s = stage({ send_batch_size: 100, timeout: '10s', metadata_keys: ['tenant'], metadata_cardinality_limit: 1 });
  t.after(() => s.subscription.unsubscribe());
  const first = tracesBatch('a', 1);
  first.batch.client = { metadata: { tenant: ['one'] } };
  const second = tracesBatch('b', 1);
  second.batch.client = { metadata: { tenant: ['two'] } };
  s.input.next(first.batch);
  s.input.next(second.batch);
  await assert.rejects(second.done, /too many batcher metadata-value combinations/);
  await first.done;
});

test('socket events pass through untouched and an empty batch is acknowledged at once', async (t) => {
  const s = stage({ send_batch_size: 100, timeout: '10s' });
  t.after(() => s.subscription.unsubscribe());
  const socket: Batch = { signal: 'socket', data: new SocketEventBatch('test'), items: 0, ack: Ack.none() };
  s.input.next(socket);
  assert.equal(s.out[0].batch, socket);
  const empty = tracesBatch('e', 0);
  s.input.next(empty.batch);
  await empty.done;
  assert.equal(s.out.length, 1);
});
