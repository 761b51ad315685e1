// The in-kernel filters, and flowtel never capturing itself.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SocketEventKind } from '@flowtel/pdata';
import { waitFor } from '@flowtel/testkit';
import { collectingReceiver, skipUnlessCapture, type CollectingReceiver } from './capture-support.ts';
import { runClient, startNginx, startNodeHttp, type RunningServer } from './servers.ts';

async function withServers(t: import('node:test').TestContext): Promise<{ nginx: RunningServer; node: RunningServer }> {
  const [nginx, node] = await Promise.all([startNginx({ 'index.html': 'nginx' }), startNodeHttp('node')]);
  t.after(() => Promise.all([nginx.stop(), node.stop()]));
  return { nginx, node };
}

async function curl(port: number) {
  const run = await runClient('curl', ['-sS', `http://127.0.0.1:${port}/`]);
  assert.equal(run.code, 0, run.stderr);
  return run.pid;
}

/** Starts capture, runs `traffic`, waits until `done` holds, stops capture. */
async function capture(
  t: import('node:test').TestContext,
  config: unknown,
  traffic: () => Promise<unknown>,
  done: (c: CollectingReceiver) => boolean,
) {
  const collected = collectingReceiver(config);
  await collected.receiver.start();
  t.after(() => collected.receiver.shutdown());
  await traffic();
  await waitFor('the expected events', async () => done(collected));
  await collected.receiver.shutdown();
  return collected.events;
}

const closedBy = (c: CollectingReceiver, pids: number[]) =>
  c.events.some((e) => e.kind === SocketEventKind.CLOSE && pids.includes(e.pid));

test('comms deny: curl is not captured, the nginx worker it talked to is', async (t) => {
  if (skipUnlessCapture(t)) return;
  const { nginx } = await withServers(t);
  let curlPid = 0;
  const events = await capture(
    t,
    { filters: { comms: { deny: ['curl'] }, ports: { allow: [nginx.port] } } },
    async () => (curlPid = await curl(nginx.port)),
    (c) => closedBy(c, nginx.servingPids),
  );
  assert.ok(events.length >= 4, 'accept, read, write and close on the nginx side');
  assert.deepEqual(new Set(events.map((e) => e.pid)), new Set(nginx.servingPids));
  assert.ok(!events.some((e) => e.pid === curlPid));
});

test('comms allow: only the named processes', async (t) => {
  if (skipUnlessCapture(t)) return;
  const { nginx, node } = await withServers(t);
  const events = await capture(
    t,
    { filters: { comms: { allow: ['curl'] }, ports: { allow: [nginx.port, node.port] } } },
    async () => {
      await curl(nginx.port);
      await curl(node.port);
    },
    (c) => c.events.filter((e) => e.kind === SocketEventKind.CLOSE).length >= 2,
  );
  assert.deepEqual(new Set(events.map((e) => e.comm)), new Set(['curl']));
  assert.deepEqual(new Set(events.map((e) => e.remotePort)), new Set([nginx.port, node.port]));
});

test('pids allow and deny', async (t) => {
  if (skipUnlessCapture(t)) return;
  const { nginx, node } = await withServers(t);
  const ports = { allow: [nginx.port, node.port] };
  const allowed = await capture(
    t,
    { filters: { pids: { allow: node.servingPids }, ports } },
    async () => {
      await curl(nginx.port);
      await curl(node.port);
    },
    (c) => closedBy(c, node.servingPids),
  );
  assert.ok(allowed.length >= 4);
  assert.deepEqual(new Set(allowed.map((e) => e.pid)), new Set(node.servingPids));

  let curlPid = 0;
  const denied = await capture(
    t,
    { filters: { pids: { deny: nginx.servingPids }, ports } },
    async () => (curlPid = await curl(nginx.port)),
    (c) => closedBy(c, [curlPid]),
  );
  assert.ok(denied.length >= 4);
  assert.deepEqual(new Set(denied.map((e) => e.pid)), new Set([curlPid]));
});

test('ports deny wins over allow, and matches either end', async (t) => {
  if (skipUnlessCapture(t)) return;
  const { nginx, node } = await withServers(t);
  const events = await capture(
    t,
    {
      filters: {
        comms: { allow: ['curl', 'nginx', 'node'] },
        ports: { allow: [nginx.port, node.port], deny: [nginx.port] },
      },
    },
    async () => {
      await curl(nginx.port);
      await curl(node.port);
    },
    (c) => closedBy(c, node.servingPids),
  );
  assert.ok(events.length >= 8, 'both ends of the connection to node');
  for (const e of events)
    assert.ok(e.localPort === node.port || e.remotePort === node.port, `port ${e.localPort} -> ${e.remotePort}`);
});

test('flowtel never captures itself', async (t) => {
  if (skipUnlessCapture(t)) return;
  const node = await startNodeHttp('node');
  t.after(() => node.stop());
  const events = await capture(
    t,
    { filters: { ports: { allow: [node.port] } } },
    async () => {
      const res = await fetch(`http://127.0.0.1:${node.port}/`, { headers: { connection: 'close' } });
      assert.equal(await res.text(), 'node');
    },
    (c) => closedBy(c, node.servingPids),
  );
  assert.ok(
    events.some((e) => e.kind === SocketEventKind.ACCEPT),
    'the server side of our own request is seen',
  );
  assert.deepEqual(
    events.filter((e) => e.pid === process.pid),
    [],
  );
});
