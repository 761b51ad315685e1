import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serialize } from 'node:v8';
import { Ack } from '@flowtel/core';
import {
  decodeTracesPassThrough,
  encodeTraces,
  newLogRecord,
  newResource,
  newScope,
  newSpan,
  passThroughBytes,
  type Logs,
  type Traces,
} from '@flowtel/pdata';
import { FileQueue } from '../src/file_queue.ts';

const spanName = (b: { data: unknown }) => (b.data as Traces).resourceSpans[0].scopeSpans[0].spans[0].name;

test('batches accepted before a kill -9, including ones taken but not finished, are there after the restart', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'flowtel-fq-'));
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(import.meta.dirname, 'fill-queue.ts'), dir, '25', '5'],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  await new Promise<void>((resolve) => child.stdout.on('data', (d) => String(d).includes('ready') && resolve()));
  child.kill('SIGKILL');
  await new Promise((r) => child.on('exit', r));

  const queue = new FileQueue(dir, 1000, () => 1, false);
  assert.equal(queue.recovered, 25);
  assert.equal(queue.size(), 25);
  const names: string[] = [];
  for (let i = 0; i < 25; i++) {
    const b = (await queue.take())!;
    names.push(spanName(b));
    if (i === 0)
      assert.equal((b.data as Traces).resourceSpans[0].scopeSpans[0].spans[0].startTimeUnixNano, 2n ** 64n - 1n);
    await queue.done(b);
  }
  assert.deepEqual(
    names,
    Array.from({ length: 25 }, (_, i) => `span ${i}`),
  );
  assert.equal(queue.size(), 0);
  assert.equal(new FileQueue(dir, 1000, () => 1, false).recovered, 0);
});

test('a full queue refuses, and room comes back when a batch is done', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'flowtel-fq-'));
  const queue = new FileQueue(dir, 3, (b) => b.items, false);
  const batch = (items: number) => ({ signal: 'logs', items, data: { resourceLogs: [] } }) as never;
  assert.equal(await queue.offer(batch(2)), true);
  assert.equal(await queue.offer(batch(2)), false);
  const room = queue.waitForRoom();
  const taken = (await queue.take())!;
  await queue.done(taken);
  await room;
  assert.equal(await queue.offer(batch(3)), true);
  assert.equal(queue.size(), 3);
});

test('a request is stored as its OTLP protobuf: one nothing looked at comes back as the same bytes, without a decode', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'flowtel-fq-'));
  const bytes = encodeTraces({
    resourceSpans: [
      {
        resource: newResource(),
        schemaUrl: '',
        scopeSpans: [{ scope: newScope(), schemaUrl: '', spans: [newSpan({ name: 'a' }), newSpan({ name: 'b' })] }],
      },
    ],
  });
  const queue = new FileQueue(dir, 10, () => 1, false);
  await queue.offer({ signal: 'traces', items: 2, data: decodeTracesPassThrough(bytes), ack: Ack.none() });
  await queue.close();
  const restarted = new FileQueue(dir, 10, () => 1, false);
  const b = (await restarted.take())!;
  assert.equal(b.items, 2);
  assert.ok(Buffer.from(passThroughBytes(b.data as object)!).equals(bytes), 'the request bytes, still pass-through');
  assert.deepEqual(
    readdirSync(dir).map((f) => readFileSync(join(dir, f)).subarray(5)),
    [Buffer.from(bytes)],
  );
});

test('a queue written by an older flowtel (V8 serialization) is still read after the upgrade', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'flowtel-fq-'));
  const data = {
    resourceLogs: [
      {
        resource: newResource(),
        schemaUrl: '',
        scopeLogs: [{ scope: newScope(), schemaUrl: '', logRecords: [newLogRecord({ severityText: 'WARN' })] }],
      },
    ],
  };
  writeFileSync(join(dir, '0000000000000007.batch'), serialize({ signal: 'logs', items: 1, data }));
  const queue = new FileQueue(dir, 10, () => 1, false);
  assert.equal(queue.recovered, 1);
  const b = (await queue.take())!;
  assert.equal(b.signal, 'logs');
  assert.equal((b.data as Logs).resourceLogs[0].scopeLogs[0].logRecords[0].severityText, 'WARN');
  await queue.done(b);
  assert.deepEqual(readdirSync(dir), []);
});
