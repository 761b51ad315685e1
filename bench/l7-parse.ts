// Benchmark (part of issue 5, item 9): L7 requests parsed per second on one core, per protocol,
// replaying DeepFlow's recorded captures (../shared/testdata/deepflow) through protocol
// inference and the parsers, one fresh parser state per connection per replay. HTTP/1 also gets
// a keep-alive stream shaped like curl against nginx's default page, closer to the 10k req/s
// end-to-end scenario than the handful of requests in DeepFlow's HTTP captures.
//   node --import tsx bench/l7-parse.ts
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readCaptureFile } from '@flowtel/receiver-pcap';
import { Direction as SocketDirection, L4Protocol, SocketEventKind, SocketRole } from '@flowtel/pdata';
import { inferProtocol, PROTOCOL_PARSERS, type Direction, type ProtocolParser } from '@flowtel/processor-l7';
import { report, selfUsage } from './lib/report.ts';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 1.5);
const captures = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'shared', 'testdata', 'deepflow', 'flow_generator');

interface Chunk {
  direction: Direction;
  payload: Uint8Array;
}
interface Connection {
  parser: ProtocolParser<any>;
  l4: 'tcp' | 'udp';
  chunks: Chunk[];
}

/** Every connection of every capture, with the protocol inference picked, grouped by protocol. */
function loadConnections(): Map<string, Connection[]> {
  const byProtocol = new Map<string, Connection[]>();
  for (const dir of readdirSync(captures, { withFileTypes: true }).filter((d) => d.isDirectory())) {
    for (const file of readdirSync(join(captures, dir.name)).filter((f) => f.endsWith('.pcap'))) {
      const open = new Map<bigint, Connection | null>();
      let events;
      try {
        events = readCaptureFile(join(captures, dir.name, file), { perspective: 'client', roles: 'first-packet' });
      } catch {
        continue;
      }
      for (const e of events) {
        if (e.kind !== SocketEventKind.DATA || e.role !== SocketRole.CLIENT || e.payload.length === 0) continue;
        const direction: Direction = e.direction === SocketDirection.EGRESS ? 'toServer' : 'toClient';
        const l4 = e.l4Protocol === L4Protocol.UDP ? 'udp' : 'tcp';
        let conn = open.get(e.socketId);
        if (conn === undefined) {
          const parser = inferProtocol(PROTOCOL_PARSERS, e.payload, direction, l4, e.remotePort);
          if (!parser) continue;
          conn = { parser, l4, chunks: [] };
          open.set(e.socketId, conn);
          const list = byProtocol.get(parser.name) ?? [];
          list.push(conn);
          byProtocol.set(parser.name, list);
        }
        conn?.chunks.push({ direction, payload: Uint8Array.from(e.payload) });
      }
    }
  }
  return byProtocol;
}

/** curl against nginx: the request and the 200 with the default page, repeated on one keep-alive connection. */
function nginxKeepAlive(requests: number): Connection {
  const request = new TextEncoder().encode('GET /index.html HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nUser-Agent: curl/7.88.1\r\nAccept: */*\r\n\r\n');
  const body = 'x'.repeat(615);
  const response = new TextEncoder().encode(
    'HTTP/1.1 200 OK\r\nServer: nginx/1.22.1\r\nDate: Tue, 24 Nov 2026 03:00:00 GMT\r\nContent-Type: text/html\r\n' +
      `Content-Length: ${body.length}\r\nLast-Modified: Mon, 23 Nov 2026 10:00:00 GMT\r\nConnection: keep-alive\r\nETag: "6560-267"\r\nAccept-Ranges: bytes\r\n\r\n${body}`,
  );
  const chunks: Chunk[] = [];
  for (let i = 0; i < requests; i++) chunks.push({ direction: 'toServer', payload: request }, { direction: 'toClient', payload: response });
  return { parser: PROTOCOL_PARSERS.find((p) => p.name === 'HTTP')!, l4: 'tcp', chunks };
}

interface Figures {
  connections: number;
  requests_per_replay: number;
  requests_per_second: number;
  messages_per_second: number;
  mib_per_second: number;
}

/** CPU seconds this process has used: rates per CPU second stay meaningful on a shared, busy machine. */
function cpuSeconds(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
}

/** Replays the connections until SECONDS of this process's CPU time are spent; rates are per CPU second. */
function measure(connections: Connection[]): Figures {
  let requests = 0;
  let messages = 0;
  let bytes = 0;
  let replays = 0;
  let perReplay = 0;
  const start = cpuSeconds();
  while (cpuSeconds() - start < SECONDS) {
    let thisReplay = 0;
    for (const conn of connections) {
      conn.parser.infer(conn.chunks[0].payload, conn.chunks[0].direction);
      const state = conn.parser.createState({ l4: conn.l4 });
      for (const chunk of conn.chunks) {
        bytes += chunk.payload.length;
        const result = conn.parser.parse(chunk.payload, chunk.direction, state);
        if (!Array.isArray(result)) continue;
        messages += result.length;
        for (const m of result) if (m.kind === 'request') thisReplay++;
      }
      if (conn.parser.flush) messages += conn.parser.flush(state).length;
    }
    requests += thisReplay;
    perReplay = thisReplay;
    replays++;
  }
  const seconds = cpuSeconds() - start;
  return {
    connections: connections.length,
    requests_per_replay: perReplay,
    requests_per_second: Math.round(requests / seconds),
    messages_per_second: Math.round(messages / seconds),
    mib_per_second: Number((bytes / seconds / 1024 / 1024).toFixed(1)),
  };
}

if (!existsSync(captures)) {
  process.stderr.write(`DeepFlow captures not found at ${captures}\n`);
  process.exit(1);
}
// The keep-alive stream first, while the shared parse loop has seen one protocol only, and
// again at the end, after every parser went through the same call sites (as in a processor
// that sees many protocols), which costs V8 its monomorphic fast paths.
const httpKeepAlive = measure([nginxKeepAlive(1000)]);
const byProtocol = loadConnections();
const protocols: Record<string, Figures> = {};
// The three the issue names first, then the rest for reference.
const order = ['HTTP', 'Redis', 'MySQL', ...[...byProtocol.keys()].filter((p) => !['HTTP', 'Redis', 'MySQL'].includes(p)).sort()];
for (const name of order) {
  const connections = byProtocol.get(name);
  if (connections) protocols[name] = measure(connections);
}
const httpKeepAliveAfterAll = measure([nginxKeepAlive(1000)]);
report('l7-parse', {
  description: 'L7 requests parsed per CPU second (one thread): DeepFlow captures replayed (inference + parse, fresh state per connection), and an nginx-like HTTP/1 keep-alive stream',
  cpu_seconds_per_protocol: SECONDS,
  protocols,
  http1_nginx_keepalive: httpKeepAlive,
  http1_nginx_keepalive_after_all_protocols: httpKeepAliveAfterAll,
  ...selfUsage(),
});
