// Conformance on recorded traffic: every DeepFlow capture that has an expected .result goes
// through the pcap reader and the parsers (protocol inferred per connection, as the processor
// does); the requests and responses found are compared with DeepFlow's on protocol, request
// type and resource, response status and code. Prints the match count per protocol.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readCaptureFile } from '@flowtel/receiver-pcap';
import {
  Direction as SocketDirection,
  SocketEventBatch,
  SocketEventKind,
  SocketRole,
  L4Protocol,
} from '@flowtel/pdata';
import { L7Engine } from '../src/engine.ts';
import type { L7Record } from '../src/record.ts';
import { inferProtocol } from '../src/infer.ts';
import type { L7Message } from '../src/message.ts';
import type { ProtocolParser } from '../src/parser.ts';
import { PROTOCOL_PARSERS } from '../src/protocols/index.ts';
import { comparableOf, expectedFromLine, matchCount, type Comparable } from './deepflow-expected.ts';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const captures = resolve(repoRoot, '..', 'shared', 'testdata', 'deepflow', 'flow_generator');
const verbose = process.env.L7_CONFORMANCE_VERBOSE === '1';
/** Captures whose expected parse has another name in DeepFlow's tests. */
const RESULT_OF: Record<string, string> = { 'dubbo/dubbo_hessian2.pcap': 'dubbo_hessian.result' };

/** The lowest match ratio per protocol this suite achieves today; a regression below it fails. */
const MIN_RATIO: Record<string, number> = {
  HTTP: 0.9,
  DNS: 0.9,
  Redis: 0.9,
  MySQL: 0.9,
  PostgreSQL: 0.9,
  HTTP2: 0.9,
  gRPC: 0.9,
  Kafka: 0.9,
  MQTT: 0.9,
  Memcached: 0.9,
  MongoDB: 0.9,
  AMQP: 0.9,
  NATS: 0.9,
  Dubbo: 0.9,
};

interface Connection {
  parser: ProtocolParser<any> | undefined;
  state: unknown;
}

/** Every request and response the parsers find in one capture, in capture order. */
function parseCapture(path: string): L7Message[] {
  const events = readCaptureFile(path, { perspective: 'client', roles: 'first-packet' });
  const connections = new Map<bigint, Connection>();
  const out: L7Message[] = [];
  for (const e of events) {
    if (e.kind !== SocketEventKind.DATA || e.payload.length === 0 || e.role !== SocketRole.CLIENT) continue;
    const direction = e.direction === SocketDirection.EGRESS ? 'toServer' : 'toClient';
    const l4 = e.l4Protocol === L4Protocol.UDP ? 'udp' : 'tcp';
    let conn = connections.get(e.socketId);
    if (!conn) connections.set(e.socketId, (conn = { parser: undefined, state: undefined }));
    if (!conn.parser) {
      conn.parser = inferProtocol(PROTOCOL_PARSERS, e.payload, direction, l4, e.remotePort);
      if (!conn.parser) continue;
      conn.state = conn.parser.createState({ l4, redact: false });
    }
    const result = conn.parser.parse(e.payload, direction, conn.state);
    if (Array.isArray(result)) out.push(...result);
  }
  for (const conn of connections.values()) if (conn.parser?.flush) out.push(...conn.parser.flush(conn.state));
  return out;
}

/** Protocols where one request gets exactly one response, in order. */
const ONE_RESPONSE_EACH = new Set(['MySQL']);

function expectedOf(dir: string, resultPath: string): Comparable[] {
  const all = readFileSync(resultPath, 'utf8')
    .split('\n')
    .map((line) => expectedFromLine(dir, line))
    .filter((c): c is Comparable => c !== undefined);
  // DeepFlow prints a record per packet: a result set in several (compressed) frames comes out as
  // several "responses" to one query. Only the first answers it.
  return all.filter(
    (c, i) =>
      !(
        ONE_RESPONSE_EACH.has(c.protocol) &&
        c.kind === 'response' &&
        all[i - 1]?.kind === 'response' &&
        all[i - 1]?.protocol === c.protocol
      ),
  );
}

/**
 * The same captures through the l7 processor's engine, as the pcap receiver feeds it: the
 * requests and responses of the request logs it produces, in capture order.
 */
function parseCaptureThroughProcessor(path: string): L7Message[] {
  const events = readCaptureFile(path, { perspective: 'client', roles: 'first-packet' }).filter(
    (e) => e.role === SocketRole.CLIENT,
  );
  const forever = 10n ** 18n;
  const engine = new L7Engine({
    parsers: PROTOCOL_PARSERS,
    parse: { redact: false },
    correlation: { syscall: false, request_id: false },
    requestTimeoutNs: forever,
    idleTimeoutNs: forever,
    maxSessions: 1_000_000,
    maxPendingPerSession: 1_000_000,
  });
  const records: L7Record[] = [];
  engine.addSink((r) => records.push(...r));
  engine.ingest(SocketEventBatch.from('pcap', events));
  engine.flushAll();
  const timed: Array<[bigint, number, L7Message]> = records.flatMap((r) => [
    ...(r.request ? [[r.startNs, 0, r.request] as [bigint, number, L7Message]] : []),
    ...(r.response ? [[r.endNs, 1, r.response] as [bigint, number, L7Message]] : []),
  ]);
  timed.sort((a, b) => (a[0] === b[0] ? a[1] - b[1] : a[0] < b[0] ? -1 : 1));
  return timed.map(([, , m]) => m);
}

for (const [through, parse] of [
  ['the parsers', parseCapture],
  ['the l7 processor', parseCaptureThroughProcessor],
] as const)
  test(`conformance: DeepFlow captures parse as DeepFlow expects, per protocol, through ${through}`, (t) => {
    if (!existsSync(captures)) {
      assert.notEqual(process.env.CI, 'true', `DeepFlow captures missing at ${captures}`);
      t.skip(`DeepFlow captures not found at ${captures}`);
      return;
    }
    const totals = new Map<string, { expected: number; matched: number; captures: number }>();
    for (const dir of readdirSync(captures, { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => d.name)
      .sort()) {
      for (const file of readdirSync(join(captures, dir))
        .filter((f) => f.endsWith('.pcap'))
        .sort()) {
        const resultPath = join(captures, dir, RESULT_OF[`${dir}/${file}`] ?? file.replace(/\.pcap$/, '.result'));
        if (!existsSync(resultPath)) continue;
        const expected = expectedOf(dir, resultPath);
        if (expected.length === 0) continue;
        const actual = parse(join(captures, dir, file))
          .map(comparableOf)
          .filter((c): c is Comparable => c !== undefined);
        for (const protocol of new Set(expected.map((e) => e.protocol))) {
          const mine = expected.filter((e) => e.protocol === protocol);
          const matched = matchCount(
            mine,
            actual.filter((a) => a.protocol === protocol),
          );
          const total = totals.get(protocol) ?? { expected: 0, matched: 0, captures: 0 };
          total.expected += mine.length;
          total.matched += matched;
          total.captures++;
          totals.set(protocol, total);
          if (verbose && (matched < mine.length || process.env.L7_CONFORMANCE_ALL === '1')) {
            console.log(`\n${dir}/${file} ${protocol}: ${matched}/${mine.length}`);
            console.log(' expected:', JSON.stringify(mine));
            console.log(' actual:  ', JSON.stringify(actual.filter((a) => a.protocol === protocol)));
          }
        }
      }
    }
    const table = [...totals].sort().map(([protocol, s]) => ({
      protocol,
      captures: s.captures,
      expected: s.expected,
      matched: s.matched,
      ratio: Number((s.matched / s.expected).toFixed(3)),
    }));
    console.log(
      `DeepFlow conformance through ${through} (requests and responses matched on type, resource, status, code):`,
    );
    console.table(table);
    for (const [protocol, minimum] of Object.entries(MIN_RATIO)) {
      const row = table.find((r) => r.protocol === protocol);
      assert.ok(row, `no DeepFlow expectations found for ${protocol}`);
      assert.ok(row.ratio >= minimum, `${protocol}: ${row.matched}/${row.expected} matched, below ${minimum}`);
    }
  });

/** Captures that DeepFlow's tests check with inline assertions instead of a .result file: what their bytes hold. */
const INLINE_CHECKED: Array<
  [
    string,
    Array<
      Partial<
        Record<
          'protocol' | 'kind' | 'request_type' | 'request_resource' | 'response_status' | 'response_code',
          string | number
        >
      >
    >,
  ]
> = [
  [
    'postgre/error.pcap',
    [
      { protocol: 'PostgreSQL', kind: 'request', request_type: 'Query', request_resource: 'asdsdfdsf;' },
      { protocol: 'PostgreSQL', kind: 'response', response_status: 'client_error' },
    ],
  ],
  [
    'postgre/prepare_stat.pcap',
    [
      {
        protocol: 'PostgreSQL',
        kind: 'request',
        request_type: 'Parse',
        request_resource: 'delete from test where id=$1 returning id',
      },
      { protocol: 'PostgreSQL', kind: 'response', response_status: 'ok' },
    ],
  ],
  [
    'postgre/simple_query.pcap',
    [
      { protocol: 'PostgreSQL', kind: 'request', request_type: 'Query', request_resource: 'delete  from test;' },
      { protocol: 'PostgreSQL', kind: 'response', response_status: 'ok' },
    ],
  ],
  [
    'mqtt/mqtt_sub.pcap',
    [
      { protocol: 'MQTT', kind: 'request', request_type: 'SUBSCRIBE', request_resource: 'hello/+/world' },
      { protocol: 'MQTT', kind: 'response', request_type: 'SUBACK', response_status: 'ok' },
    ],
  ],
  [
    'kafka/01-fetch-v12-perf.pcap',
    [
      { protocol: 'Kafka', kind: 'request', request_type: 'Fetch' },
      { protocol: 'Kafka', kind: 'response', response_status: 'ok', response_code: 0 },
    ],
  ],
];

test('conformance: captures DeepFlow checks inline parse to what their bytes hold', (t) => {
  if (!existsSync(captures)) {
    assert.notEqual(process.env.CI, 'true', `DeepFlow captures missing at ${captures}`);
    t.skip(`DeepFlow captures not found at ${captures}`);
    return;
  }
  for (const [file, expected] of INLINE_CHECKED) {
    const actual = parseCapture(join(captures, file));
    assert.equal(actual.length, expected.length, `${file}: ${actual.length} messages`);
    expected.forEach((fields, i) => {
      for (const [key, value] of Object.entries(fields))
        assert.equal(actual[i][key as keyof L7Message], value, `${file} message ${i} ${key}`);
    });
  }
  // A long MySQL capture (780 messages): every request answered, in order.
  const mysql = parseCapture(join(captures, 'mysql/171-mysql.pcap'));
  const requests = mysql.filter((m) => m.kind === 'request').length;
  assert.ok(requests > 300, `${requests} MySQL requests`);
  assert.equal(mysql.filter((m) => m.kind === 'response').length, requests);
});
