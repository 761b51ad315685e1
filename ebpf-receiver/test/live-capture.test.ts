// Live capture, for real: servers and clients from apt in their own processes on loopback, and
// the events the ebpf receiver delivered must be exactly their requests and responses.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { connect } from 'node:net';
import { createInterface } from 'node:readline';
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { Direction, L4Protocol, SocketEventKind, SocketRole } from '@flowtel/pdata';
import { freePort, waitFor } from '@flowtel/testkit';
import { collectingReceiver, skipUnlessCapture } from './capture-support.ts';
import { assertTcpConversation, total } from './conversation.ts';
import { runClient, startNginx, startNodeHttp, startRedis, startUdpEcho, udpClient } from './servers.ts';

const nowNs = () => BigInt(Date.now()) * 1_000_000n;

/** curl printing the raw response (headers then body) and, on stderr, its byte counts and local port. */
async function curl(url: string) {
  const run = await runClient('curl', [
    '-sS',
    '-D',
    '-',
    '-o',
    '-',
    '-w',
    '%{stderr}%{size_request} %{local_port}',
    url,
  ]);
  assert.equal(run.code, 0, run.stderr);
  const [sizeRequest, localPort] = run.stderr.trim().split(' ').map(Number);
  return { pid: run.pid, response: run.stdout, sizeRequest, localPort };
}

const resp = (...args: string[]) =>
  Buffer.from(`*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`);

test('nginx and curl: each request and response from both ends, with pids, ports and roles', async (t) => {
  if (skipUnlessCapture(t)) return;
  const body = `hello ${randomUUID()}\n`;
  const nginx = await startNginx({ 'flowtel.txt': body });
  t.after(() => nginx.stop());
  const { receiver, events } = collectingReceiver({ payload_size: 16384, filters: { ports: { allow: [nginx.port] } } });
  const startedNs = nowNs();
  await receiver.start();
  t.after(() => receiver.shutdown());
  assert.equal(receiver.unavailable, undefined);

  const runs = [];
  for (let i = 0; i < 3; i++) runs.push(await curl(`http://127.0.0.1:${nginx.port}/flowtel.txt`));
  const closedByNginx = () =>
    events.filter((e) => e.kind === SocketEventKind.CLOSE && nginx.servingPids.includes(e.pid)).length;
  await waitFor('nginx to close the three connections', async () => closedByNginx() >= 3);
  await receiver.shutdown();
  const endedNs = nowNs();

  const pids = new Set([...runs.map((r) => r.pid), ...nginx.servingPids]);
  assert.deepEqual(
    events.filter((e) => !pids.has(e.pid)),
    [],
    'no process but curl and the nginx worker',
  );
  assert.equal(new Set(events.map((e) => `${e.pid} ${e.socketId}`)).size, 6, 'one socket per connection end');
  for (const run of runs) {
    const client = { pids: [run.pid], comm: 'curl', role: SocketRole.CLIENT, port: run.localPort };
    const server = { pids: nginx.servingPids, comm: 'nginx', role: SocketRole.SERVER, port: nginx.port };
    const { request, response } = assertTcpConversation(events, client, server);
    assert.equal(request.length, run.sizeRequest);
    assert.match(request.toString(), new RegExp(`^GET /flowtel.txt HTTP/1.1\r\nHost: 127.0.0.1:${nginx.port}\r\n`));
    assert.deepEqual(response, run.response);
    assert.ok(response.toString().startsWith('HTTP/1.1 200 OK\r\n') && response.toString().endsWith(body));
  }
  for (const e of events)
    assert.ok(e.timestampNs >= startedNs && e.timestampNs <= endedNs, 'wall-clock timestamps within the test');
});

test('redis-server and redis-cli: commands and replies from both ends', async (t) => {
  if (skipUnlessCapture(t)) return;
  const redis = await startRedis();
  t.after(() => redis.stop());
  const { receiver, events } = collectingReceiver({ filters: { ports: { allow: [redis.port] } } });
  await receiver.start();
  t.after(() => receiver.shutdown());

  const value = randomUUID();
  const set = await runClient('redis-cli', ['-p', String(redis.port), 'SET', 'flowtel-key', value]);
  const get = await runClient('redis-cli', ['-p', String(redis.port), 'GET', 'flowtel-key']);
  assert.equal(get.stdout.toString().trim(), value);
  const closedByRedis = () =>
    events.filter((e) => e.kind === SocketEventKind.CLOSE && e.pid === redis.servingPids[0]).length;
  await waitFor('redis to close both connections', async () => closedByRedis() >= 2);
  await receiver.shutdown();

  assert.deepEqual(
    events.filter((e) => ![set.pid, get.pid, ...redis.servingPids].includes(e.pid)),
    [],
  );
  const exchanges = [
    [set, resp('SET', 'flowtel-key', value), Buffer.from('+OK\r\n')],
    [get, resp('GET', 'flowtel-key'), Buffer.from(`$${value.length}\r\n${value}\r\n`)],
  ] as const;
  for (const [run, request, response] of exchanges) {
    const localPort = events.find((e) => e.pid === run.pid)!.localPort;
    const client = { pids: [run.pid], comm: 'redis-cli', role: SocketRole.CLIENT, port: localPort };
    const server = { pids: redis.servingPids, comm: 'redis-server', role: SocketRole.SERVER, port: redis.port };
    const seen = assertTcpConversation(events, client, server);
    assert.deepEqual(seen.request, request);
    assert.deepEqual(seen.response, response);
  }
});

test('a Node HTTP server and curl', async (t) => {
  if (skipUnlessCapture(t)) return;
  const body = `node says ${randomUUID()}`;
  const node = await startNodeHttp(body);
  t.after(() => node.stop());
  const { receiver, events } = collectingReceiver({ filters: { ports: { allow: [node.port] } } });
  await receiver.start();
  t.after(() => receiver.shutdown());

  const run = await curl(`http://127.0.0.1:${node.port}/node`);
  await waitFor('node to close the connection', async () =>
    events.some((e) => e.kind === SocketEventKind.CLOSE && e.pid === node.servingPids[0]),
  );
  await receiver.shutdown();

  assert.deepEqual(
    events.filter((e) => e.pid !== run.pid && e.pid !== node.servingPids[0]),
    [],
  );
  const client = { pids: [run.pid], comm: 'curl', role: SocketRole.CLIENT, port: run.localPort };
  const server = { pids: node.servingPids, comm: 'node', role: SocketRole.SERVER, port: node.port };
  const { request, response } = assertTcpConversation(events, client, server);
  assert.equal(request.length, run.sizeRequest);
  assert.deepEqual(response, run.response);
  assert.ok(response.toString().endsWith(body));
});

/**
 * A server that forks per connection, in the order that split dnsmasq's TCP conversations: the
 * child answers the first request, the parent then closes its copy of the descriptor, and the
 * child answers the second request and closes. Prints the child's pid.
 */
const FORKING_SERVER = `
import os, socket, sys
listener = socket.socket()
listener.bind(('127.0.0.1', int(sys.argv[1])))
listener.listen(1)
print('ready', flush=True)
conn, _ = listener.accept()
answered_r, answered_w = os.pipe()
closed_r, closed_w = os.pipe()
child = os.fork()
if child == 0:
    reader = conn.makefile('rb')
    assert reader.readline() == b'first\\n'
    conn.sendall(b'one\\n')
    os.write(answered_w, b'.')
    os.read(closed_r, 1)
    assert reader.readline() == b'second\\n'
    conn.sendall(b'two\\n')
    reader.close()
    conn.close()
    os._exit(0)
print(child, flush=True)
os.read(answered_r, 1)
conn.close()
os.write(closed_w, b'.')
os.waitpid(child, 0)
`;

test('a connection a forked child serves: the parent closing its copy neither ends it nor changes its socket id', async (t) => {
  if (skipUnlessCapture(t)) return;
  const port = await freePort();
  const server = spawn('python3', ['-c', FORKING_SERVER, String(port)], { stdio: ['ignore', 'pipe', 'inherit'] });
  t.after(() => server.kill());
  const lines = createInterface({ input: server.stdout! })[Symbol.asyncIterator]();
  assert.equal((await lines.next()).value, 'ready');
  const { receiver, events } = collectingReceiver({ filters: { ports: { allow: [port] } } });
  await receiver.start();
  t.after(() => receiver.shutdown());

  // this process's own sockets are not captured: every event is the server's
  const socket = connect(port, '127.0.0.1');
  const replies = createInterface({ input: socket })[Symbol.asyncIterator]();
  socket.write('first\n');
  assert.equal((await replies.next()).value, 'one');
  const childPid = Number((await lines.next()).value);
  socket.write('second\n');
  assert.equal((await replies.next()).value, 'two');
  socket.end();
  await waitFor('the child to close the connection', async () =>
    events.some((e) => e.kind === SocketEventKind.CLOSE && e.pid === childPid),
  );
  await receiver.shutdown();

  // the kernel's TCP reports have a test of their own (tcp-metrics.test.ts)
  const seen = events
    .filter((e) => e.kind !== SocketEventKind.TCP)
    .map((e) => [e.kind, e.pid === server.pid ? 'parent' : e.pid === childPid ? 'child' : e.pid]);
  assert.deepEqual(seen, [
    [SocketEventKind.ACCEPT, 'parent'],
    [SocketEventKind.DATA, 'child'],
    [SocketEventKind.DATA, 'child'],
    [SocketEventKind.DATA, 'child'],
    [SocketEventKind.DATA, 'child'],
    [SocketEventKind.CLOSE, 'child'],
  ]);
  assert.deepEqual(
    events.filter((e) => e.kind === SocketEventKind.DATA).map((e) => Buffer.from(e.payload).toString()),
    ['first\n', 'one\n', 'second\n', 'two\n'],
  );
  assert.equal(new Set(events.map((e) => e.socketId)).size, 1, 'one socket id for the whole connection');
  assert.ok(
    events.every((e) => e.role === SocketRole.SERVER),
    'the accept made it a server socket',
  );
});

test('large transfers: byte counts are whole, payloads are the first payload_size bytes at their stream offset', async (t) => {
  if (skipUnlessCapture(t)) return;
  const redis = await startRedis();
  t.after(() => redis.stop());
  const payloadSize = 100;
  const { receiver, events } = collectingReceiver({
    payload_size: payloadSize,
    filters: { ports: { allow: [redis.port] }, pids: { allow: redis.servingPids } },
  });
  await receiver.start();
  t.after(() => receiver.shutdown());

  const value = randomUUID().repeat(4000);
  const set = await runClient('redis-cli', ['-p', String(redis.port), '-x', 'SET', 'big'], value);
  assert.equal(set.stdout.toString().trim(), 'OK');
  await waitFor('redis to close the connection', async () => events.some((e) => e.kind === SocketEventKind.CLOSE));
  await receiver.shutdown();

  const request = resp('SET', 'big', value);
  const reads = events.filter((e) => e.kind === SocketEventKind.DATA && e.direction === Direction.INGRESS);
  assert.ok(reads.length > 1, 'a request this large takes several reads');
  assert.equal(total(reads), request.length);
  let offset = 0;
  for (const e of reads) {
    assert.equal(e.payload.length, Math.min(payloadSize, e.byteCount));
    assert.deepEqual(Buffer.from(e.payload), request.subarray(offset, offset + e.payload.length));
    offset += e.byteCount;
  }
});

test('UDP without connect: each datagram with the peer it went to or came from', async (t) => {
  if (skipUnlessCapture(t)) return;
  const echo = await startUdpEcho();
  t.after(() => echo.stop());
  const { receiver, events } = collectingReceiver({ filters: { ports: { allow: [echo.port] } } });
  await receiver.start();
  t.after(() => receiver.shutdown());

  const ping = `ping-${randomUUID()}`;
  const run = await udpClient(echo.port, ping);
  const [clientPort, answer] = run.stdout.toString().trim().split(' ');
  assert.equal(answer, `pong:${ping}`);
  await waitFor('the client to close its socket', async () => events.some((e) => e.kind === SocketEventKind.CLOSE));
  await receiver.shutdown();

  const data = events.filter((e) => e.kind === SocketEventKind.DATA);
  const seen = data.map((e) => [
    e.pid,
    e.direction,
    e.localPort,
    e.remotePort,
    Buffer.from(e.payload).toString(),
    e.byteCount,
  ]);
  const server = echo.servingPids[0];
  assert.deepEqual(seen, [
    [run.pid, Direction.EGRESS, Number(clientPort), echo.port, ping, ping.length],
    [server, Direction.INGRESS, echo.port, Number(clientPort), ping, ping.length],
    [server, Direction.EGRESS, echo.port, Number(clientPort), `pong:${ping}`, ping.length + 5],
    [run.pid, Direction.INGRESS, Number(clientPort), echo.port, `pong:${ping}`, ping.length + 5],
  ]);
  for (const e of data) {
    assert.equal(e.l4Protocol, L4Protocol.UDP);
    assert.equal(e.role, SocketRole.UNKNOWN, 'no connect, no accept: the role is unknown');
    assert.equal(e.remoteAddr, '127.0.0.1');
  }
  const closes = events.filter((e) => e.kind === SocketEventKind.CLOSE);
  assert.deepEqual(
    closes.map((e) => [e.pid, e.socketId]),
    [[run.pid, data[0].socketId]],
  );
});

test('sendmmsg and recvmmsg: one event per message', async (t) => {
  if (skipUnlessCapture(t)) return;
  const client = join(mkdtempSync(join(tmpdir(), 'flowtel-mmsg-')), 'mmsg_client');
  const cc = spawnSync(
    'cc',
    ['-O2', '-o', client, fileURLToPath(new URL('./fixtures/mmsg_client.c', import.meta.url))],
    { encoding: 'utf8' },
  );
  assert.equal(cc.status, 0, cc.stderr);
  const echo = await startUdpEcho();
  t.after(() => echo.stop());
  const { receiver, events } = collectingReceiver({ filters: { ports: { allow: [echo.port] } } });
  await receiver.start();
  t.after(() => receiver.shutdown());

  const messages = [`alpha-${randomUUID()}`, `beta-${randomUUID()}`];
  const run = await runClient(client, [String(echo.port), ...messages]);
  assert.equal(run.code, 0, run.stderr);
  const clientPort = Number(run.stdout.toString().trim());
  await waitFor('the client to close its socket', async () =>
    events.some((e) => e.kind === SocketEventKind.CLOSE && e.pid === run.pid),
  );
  await receiver.shutdown();

  const mine = events.filter((e) => e.pid === run.pid && e.kind === SocketEventKind.DATA);
  const text = (direction: number) =>
    mine.filter((e) => e.direction === direction).map((e) => Buffer.from(e.payload).toString());
  assert.deepEqual(text(Direction.EGRESS), messages);
  assert.deepEqual(text(Direction.INGRESS).sort(), messages.map((m) => `pong:${m}`).sort());
  for (const e of mine) {
    assert.equal(e.localPort, clientPort);
    assert.equal(e.remotePort, echo.port, "each message's peer from its msg_name");
    assert.equal(e.byteCount, e.payload.length);
  }
});

test('IPv6, and IPv4 on a dual-stack socket as plain IPv4', async (t) => {
  if (skipUnlessCapture(t)) return;
  const node = await startNodeHttp('dual', '::');
  t.after(() => node.stop());
  const { receiver, events } = collectingReceiver({ filters: { ports: { allow: [node.port] } } });
  await receiver.start();
  t.after(() => receiver.shutdown());

  const v6 = await curl(`http://[::1]:${node.port}/`);
  const v4 = await curl(`http://127.0.0.1:${node.port}/`);
  await waitFor(
    'node to close both connections',
    async () => events.filter((e) => e.kind === SocketEventKind.CLOSE && e.pid === node.servingPids[0]).length >= 2,
  );
  await receiver.shutdown();

  const addresses = (pid: number, port: number) =>
    new Set(
      events
        .filter((e) => e.pid === pid && (e.localPort === port || e.remotePort === port))
        .map((e) => `${e.localAddr} ${e.remoteAddr}`),
    );
  assert.deepEqual(addresses(v6.pid, v6.localPort), new Set(['::1 ::1']));
  assert.deepEqual(addresses(v4.pid, v4.localPort), new Set(['127.0.0.1 127.0.0.1']));
  assert.deepEqual(addresses(node.servingPids[0], v6.localPort), new Set(['::1 ::1']));
  assert.deepEqual(
    addresses(node.servingPids[0], v4.localPort),
    new Set(['127.0.0.1 127.0.0.1']),
    'the server socket is AF_INET6, the peer IPv4-mapped',
  );
});
