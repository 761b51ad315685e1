// A persistent sending queue across kill -9: spans a collector acknowledged while its backend
// was down are delivered once it comes back, after the collector itself was killed and
// restarted. At least once, never lost: with the queue alone, and with sending_queue::batch,
// whose merged batches hold their requests' files until they are exported.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  freePort,
  otlpToFileConfig,
  spansInFile,
  startCollector,
  tracesRequestJson,
  waitFor,
  waitForOutput,
  writePersistentQueueConfig,
} from '@flowtel/testkit';

async function killAndRestart(sendingQueue: string): Promise<{ lines: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'flowtel-pq-'));
  const [edgePort, backendPort] = [await freePort(), await freePort()];
  const out = join(dir, 'backend.jsonl');
  const edgeConfig = writePersistentQueueConfig(
    dir,
    edgePort,
    'traces',
    'otlp_http',
    `endpoint: http://127.0.0.1:${backendPort}
compression: none
sending_queue: ${sendingQueue}
retry_on_failure: {initial_interval: 100ms, max_interval: 500ms, max_elapsed_time: 0}`,
  );
  let edge = startCollector(edgeConfig);
  await waitForOutput(edge, 'Everything is ready');
  const acknowledged = new Set<string>();
  for (let id = 1; id <= 30; id++) {
    const res = await fetch(`http://127.0.0.1:${edgePort}/v1/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: tracesRequestJson(id, 10),
    });
    await res.arrayBuffer();
    if (res.status === 200) for (let i = 0; i < 10; i++) acknowledged.add(`r${id}s${i}`);
  }
  assert.equal(acknowledged.size, 300, 'the edge acknowledged every request while its backend was down');
  edge.process.kill('SIGKILL');
  await edge.exited;

  const backend = startCollector(otlpToFileConfig(backendPort, out));
  await waitForOutput(backend, 'Everything is ready');
  edge = startCollector(edgeConfig);
  try {
    await waitForOutput(edge, 'recovered batches from a previous run');
    await waitFor(
      'every acknowledged span at the backend',
      async () =>
        (() => {
          const names = new Set(spansInFile(out).map((s) => s.name));
          return [...acknowledged].every((n) => names.has(n));
        })(),
      90_000,
    );
  } finally {
    assert.equal(await edge.stop(), 0);
    assert.equal(await backend.stop(), 0);
  }
  return { lines: readFileSync(out, 'utf8').split('\n').filter(Boolean).length };
}

test('kill -9 with a persistent queue: everything acknowledged is delivered after the restart', async () => {
  await killAndRestart('{storage: file_storage, num_consumers: 2}');
});

test('kill -9 with a persistent queue and sending_queue::batch: everything acknowledged is delivered after the restart, merged', async () => {
  const { lines } = await killAndRestart('{storage: file_storage, batch: {min_size: 100, flush_timeout: 200ms}}');
  // 30 requests of 10 spans reach the backend in batches of 100 (a restart may cut one short)
  assert.ok(lines <= 6, `${lines} requests at the backend`);
});
