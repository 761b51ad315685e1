// What eBPF capture hands the engine that a packet capture does not.
// * Only the head of each syscall's bytes: the engine tells the parser how much went by unseen;
//   a response cut that way still answers its request, and what follows it on the connection
//   pairs as it should (redis-cli's first command, COMMAND DOCS, is answered by ~170 KB).
// * Sockets whose end capture cannot tell (role UNKNOWN): opened before capture started, handed
//   to a forked child (every PostgreSQL backend), UDP without connect (dnsmasq).
// * Servers that read a header on its own (mosquitto: one byte, then the length, then the rest).
// * Events of two processes in the order their syscalls returned: a server can read a request
//   before the client's write returns.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Direction, L4Protocol, SocketEventBatch, SocketEventKind, SocketRole, type SocketEvent } from '@flowtel/pdata';
import { L7Engine, PROTOCOL_PARSERS, type L7Record } from '../src/index.ts';

const enc = new TextEncoder();

/** One client-side event: `text` is what capture kept, `byteCount` what the syscall moved. */
function clientEvent(
  direction: number,
  ms: number,
  text: string,
  byteCount = text.length,
  role: number = SocketRole.CLIENT,
): SocketEvent {
  return {
    kind: SocketEventKind.DATA,
    timestampNs: 1_700_000_000_000_000_000n + BigInt(ms) * 1_000_000n,
    pid: 7,
    tid: 7,
    comm: 'redis-cli',
    fd: 3,
    socketId: 1n,
    l4Protocol: L4Protocol.TCP,
    role,
    direction,
    localAddr: '127.0.0.1',
    localPort: 50000,
    remoteAddr: '127.0.0.1',
    remotePort: 6379,
    byteCount,
    payload: enc.encode(text),
  };
}

/** The other end of the same connection, a forked server process capture could not place. */
function unplacedServerEvent(direction: number, ms: number, text: string): SocketEvent {
  return {
    ...clientEvent(direction, ms, text, text.length, SocketRole.UNKNOWN),
    comm: 'postgres',
    pid: 9,
    tid: 9,
    socketId: 2n,
    localPort: 5432,
    remotePort: 50000,
  };
}

function engine(): { engine: L7Engine; records: L7Record[] } {
  const records: L7Record[] = [];
  const e = new L7Engine({
    parsers: PROTOCOL_PARSERS,
    parse: {},
    correlation: { syscall: true, request_id: true },
    requestTimeoutNs: 30_000_000_000n,
    idleTimeoutNs: 120_000_000_000n,
    maxSessions: 100,
    maxPendingPerSession: 100,
  });
  e.addSink((r) => records.push(...r));
  return { engine: e, records };
}

const docsHead = `*480\r\n$7\r\nunwatch\r\n*8\r\n$7\r\nsummary\r\n$29\r\nForget about all watched keys\r\n$5\r\nsince\r\n`;

test('a Redis reply cut by the capture answers its command; the commands after it pair with their own replies', () => {
  const { engine: e, records } = engine();
  const events = [
    clientEvent(Direction.EGRESS, 0, '*2\r\n$7\r\nCOMMAND\r\n$4\r\nDOCS\r\n'),
    clientEvent(Direction.INGRESS, 1, docsHead, 16384),
    // the following reads start mid-reply; one looks like a reply of its own
    clientEvent(Direction.INGRESS, 2, 'ata.\r\n$9\r\narguments\r\n', 16384),
    clientEvent(Direction.INGRESS, 3, '$5\r\nCOUNT\r\n*1\r\n+optional\r\n', 16384),
    clientEvent(Direction.INGRESS, 4, '`, `BYLEX` and `LIMIT`.\r\n', 8458),
    clientEvent(Direction.EGRESS, 5, '*3\r\n$3\r\nSET\r\n$8\r\ngreeting\r\n$5\r\nhello\r\n'),
    clientEvent(Direction.INGRESS, 6, '+OK\r\n'),
    clientEvent(Direction.EGRESS, 7, '*2\r\n$3\r\nGET\r\n$6\r\nabsent\r\n'),
    clientEvent(Direction.INGRESS, 8, '$-1\r\n'),
  ];
  e.ingest(SocketEventBatch.from('ebpf', events));
  const seen = records.map((r) => [
    r.request?.request_type,
    r.response?.response_result ?? r.response?.response_status,
    r.unanswered,
  ]);
  // the reply is read from the head kept of its first read; the reads after it, which start
  // mid-reply, wait for the next command
  assert.deepEqual(seen, [
    ['COMMAND', 'Array', false],
    ['SET', records[1]?.response?.response_result, false],
    ['GET', records[2]?.response?.response_result, false],
  ]);
  assert.notEqual(
    records[1].response?.response_result,
    records[2].response?.response_result,
    'SET and GET got different replies',
  );
  assert.equal(records[0].response?.captured, docsHead.length, 'marked with what capture kept');
  assert.equal(e.sessionCount, 1, 'the connection was not given up on');
});

test('bytes lost inside a body the parser skips change nothing', () => {
  const { engine: e, records } = engine();
  const body = 'x'.repeat(100_000);
  const reply = `$${body.length}\r\n${body}\r\n`;
  e.ingest(
    SocketEventBatch.from('ebpf', [
      clientEvent(Direction.EGRESS, 0, '*2\r\n$3\r\nGET\r\n$3\r\nbig\r\n'),
      clientEvent(Direction.INGRESS, 1, reply.slice(0, 1024), reply.length),
      clientEvent(Direction.EGRESS, 2, '*1\r\n$4\r\nPING\r\n'),
      clientEvent(Direction.INGRESS, 3, '+PONG\r\n'),
    ]),
  );
  assert.deepEqual(
    records.map((r) => [r.request?.request_type, r.response?.response_status]),
    [
      ['GET', 'ok'],
      ['PING', 'ok'],
    ],
  );
  assert.equal(e.counters.parseErrors, 0);
});

test('a socket of unknown role is the server when the first bytes it reads are a request, the client when it writes one', () => {
  const { engine: e, records } = engine();
  const query = 'Q\u0000\u0000\u0000\rselect 1\u0000';
  const answer = 'C\u0000\u0000\u0000\rSELECT 1\u0000Z\u0000\u0000\u0000\u0005I';
  e.ingest(
    SocketEventBatch.from('ebpf', [
      unplacedServerEvent(Direction.INGRESS, 0, query),
      unplacedServerEvent(Direction.EGRESS, 1, answer),
      { ...clientEvent(Direction.EGRESS, 2, query, query.length, SocketRole.UNKNOWN), socketId: 3n },
      { ...clientEvent(Direction.INGRESS, 3, answer, answer.length, SocketRole.UNKNOWN), socketId: 3n },
    ]),
  );
  // the server's record waits for a caller on this host (none: the client here talks to another
  // port) until the end
  e.flushAll();
  assert.deepEqual(
    records.map((r) => [r.conn.comm, r.conn.role, r.protocol, r.request?.request_type, r.response?.response_status]),
    [
      ['redis-cli', 'client', 'PostgreSQL', 'Query', 'ok'],
      ['postgres', 'server', 'PostgreSQL', 'Query', 'ok'],
    ],
  );
});

test('a socket of unknown role whose first bytes are a response is the end that answers', () => {
  const { engine: e, records } = engine();
  e.ingest(
    SocketEventBatch.from('ebpf', [
      clientEvent(Direction.EGRESS, 0, 'HTTP/1.1 204 No Content\r\n\r\n', 25, SocketRole.UNKNOWN),
      clientEvent(Direction.INGRESS, 1, 'GET /next HTTP/1.1\r\nHost: a\r\n\r\n', 33, SocketRole.UNKNOWN),
      clientEvent(Direction.EGRESS, 2, 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n', 38, SocketRole.UNKNOWN),
    ]),
  );
  // the last server record waits for a caller (the first stopped when the next request took its flow)
  assert.equal(records.length, 1, 'the last server record waits for its caller');
  e.expire(1_700_000_000_000_000_000n + 1_003_000_000n);
  assert.equal(records.length, 2, 'a second after they ended they go without one');
  assert.ok(records.every((r) => r.conn.role === 'server'));
  assert.deepEqual(records.at(-1)?.request?.request_resource, '/next');
  assert.equal(records.at(-1)?.response?.response_code, 200);
});

/** curl asking nginx for `path` on one connection: its request and response, and the events of each end. */
function curlToNginx(path: string) {
  return {
    request: `GET ${path} HTTP/1.1\r\nHost: a\r\n\r\n`,
    response: 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n',
    server: (direction: number, ms: number, text: string) => ({
      ...unplacedServerEvent(direction, ms, text),
      role: SocketRole.SERVER,
      comm: 'nginx',
    }),
    client: (direction: number, ms: number, text: string) => ({
      ...clientEvent(direction, ms, text),
      comm: 'curl',
      remotePort: 5432,
    }),
  };
}

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

test("a server that reads and answers the request before the client's write returns still gets that client as parent", () => {
  const { engine: e, records } = engine();
  const { request, response, server, client } = curlToNginx('/early');
  e.ingest(
    SocketEventBatch.from('ebpf', [
      server(Direction.INGRESS, 0, request),
      server(Direction.EGRESS, 1, response),
      client(Direction.EGRESS, 2, request),
      client(Direction.INGRESS, 3, response),
      // the next request on the same connection, in the usual order, has its own parent
      client(Direction.EGRESS, 4, request),
      server(Direction.INGRESS, 5, request),
      server(Direction.EGRESS, 6, response),
      client(Direction.INGRESS, 7, response),
    ]),
  );
  const servers = records.filter((r) => r.conn.role === 'server');
  const clients = records.filter((r) => r.conn.role === 'client');
  assert.equal(servers.length, 2);
  assert.equal(clients.length, 2);
  for (const [i, s] of servers.entries()) {
    assert.equal(
      hex(s.ids.parentSpanId),
      hex(clients[i].ids.spanId),
      `server span ${i} has client span ${i} as parent`,
    );
    assert.equal(hex(s.ids.traceId), hex(clients[i].ids.traceId));
  }
  assert.notEqual(hex(servers[0].ids.traceId), hex(servers[1].ids.traceId));
});

test("a server's record emitted in one batch gets its parent from the caller's request in the next (a client preempted before its write returned)", () => {
  const { engine: e, records } = engine();
  const { request, response, server, client } = curlToNginx('/late');
  // the ring buffer is drained every poll_interval: the client's events come a batch later
  e.ingest(
    SocketEventBatch.from('ebpf', [server(Direction.INGRESS, 0, request), server(Direction.EGRESS, 1, response)]),
  );
  e.ingest(
    SocketEventBatch.from('ebpf', [client(Direction.EGRESS, 0, request), client(Direction.INGRESS, 2, response)]),
  );
  const [s] = records.filter((r) => r.conn.role === 'server');
  const [c] = records.filter((r) => r.conn.role === 'client');
  assert.ok(s && c, 'both records out once the caller came');
  assert.equal(hex(s.ids.parentSpanId), hex(c.ids.spanId));
  assert.equal(hex(s.ids.traceId), hex(c.ids.traceId));
});

test('a request read a byte at a time is recognised once its bytes are together', () => {
  const { engine: e, records } = engine();
  const body = '\u0000\u0004MQTT\u0004\u0002\u0000\u003c\u0000\u0004live';
  const server = (direction: number, ms: number, text: string) => ({
    ...unplacedServerEvent(direction, ms, text),
    role: SocketRole.SERVER,
    comm: 'mosquitto',
  });
  e.ingest(
    SocketEventBatch.from('ebpf', [
      server(Direction.INGRESS, 0, '\u0010'),
      server(Direction.INGRESS, 1, String.fromCharCode(body.length)),
      server(Direction.INGRESS, 2, body),
      server(Direction.EGRESS, 3, '\u0020\u0002\u0000\u0000'),
    ]),
  );
  e.flushAll();
  assert.deepEqual(
    records.map((r) => [r.protocol, r.request?.request_type, r.response?.request_type ?? r.response?.response_status]),
    [['MQTT', 'CONNECT', records[0]?.response?.request_type ?? 'ok']],
  );
  assert.equal(records[0].request?.attributes['messaging.client.id'], 'live');
  assert.equal(records[0].startNs, 1_700_000_000_000_000_000n, 'the request began with its first byte');
});

test("another process closing its copy of the socket (a forking server's parent) does not end the connection its child answers on", () => {
  const { engine: e, records } = engine();
  const request = 'GET /forked HTTP/1.1\r\nHost: a\r\n\r\n';
  const response = 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n';
  const child = (direction: number, ms: number, text: string) => ({
    ...unplacedServerEvent(direction, ms, text),
    role: SocketRole.SERVER,
    comm: 'dnsmasq',
  });
  const close = (pid: number, ms: number) => ({
    ...child(Direction.EGRESS, ms, ''),
    kind: SocketEventKind.CLOSE,
    pid,
    tid: pid,
    byteCount: 0,
  });
  e.ingest(
    SocketEventBatch.from('ebpf', [
      child(Direction.INGRESS, 0, request),
      close(8, 1),
      child(Direction.EGRESS, 2, response),
      close(9, 3),
    ]),
  );
  e.flushAll();
  assert.deepEqual(
    records.map((r) => [r.request?.request_resource, r.response?.response_code, r.unanswered]),
    [['/forked', 200, false]],
  );
  assert.equal(e.sessionCount, 0, "the owner's close ended it");
});
