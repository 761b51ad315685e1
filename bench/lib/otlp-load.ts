// The OTLP/gRPC load generator, run in its own process by the otlp benchmarks:
//   node --import tsx bench/lib/otlp-load.ts <json options>
// It sends one pre-encoded ExportTraceServiceRequest of `spansPerRequest` spans, either at a
// fixed `rate` (spans/s, open loop) or as fast as `concurrency` in-flight calls allow (closed
// loop), for `seconds`. A refused call (UNAVAILABLE, RESOURCE_EXHAUSTED) is retried after a
// pause, as an SDK would, so that only accepted data counts. Prints one JSON line at the end.
import { Client, credentials, Metadata } from '@grpc/grpc-js';
import { attr, encodeTraces, newResource, newScope, newSpan } from '@flowtel/pdata';
import { exportMethod } from '@flowtel/otlp';

interface Options {
  target: string;
  spansPerRequest: number;
  seconds: number;
  /** spans per second; 0 means closed loop */
  rate: number;
  concurrency: number;
}
const opts = JSON.parse(process.argv[2]) as Options;

function request(): Uint8Array {
  const spans = Array.from({ length: opts.spansPerRequest }, (_, i) =>
    newSpan({
      name: `GET /api/v1/items/${i % 10}`,
      kind: 2,
      traceId: Uint8Array.from({ length: 16 }, (_, j) => (i * 7 + j) & 0xff),
      spanId: Uint8Array.from({ length: 8 }, (_, j) => (i * 3 + j + 1) & 0xff),
      startTimeUnixNano: 1_700_000_000_000_000_000n + BigInt(i) * 1000n,
      endTimeUnixNano: 1_700_000_000_000_500_000n + BigInt(i) * 1000n,
      attributes: [
        attr('http.method', 'GET'),
        attr('http.status_code', 200n),
        attr('net.peer.ip', '10.0.0.1'),
        attr('load_generator.span_seq_num', BigInt(i)),
      ],
    }),
  );
  return encodeTraces({
    resourceSpans: [
      {
        resource: newResource([attr('service.name', 'load-generator'), attr('host.name', 'bench')]),
        schemaUrl: '',
        scopeSpans: [{ scope: newScope('loadgen', '1'), schemaUrl: '', spans }],
      },
    ],
  });
}

const body = request();
const method = exportMethod('traces');
const client = new Client(opts.target, credentials.createInsecure(), { 'grpc.max_send_message_length': -1 });
const stats = {
  sent_requests: 0,
  accepted_spans: 0,
  refused_calls: 0,
  failed_calls: 0,
  errors: {} as Record<string, number>,
};
let inflight = 0;

function call(): Promise<void> {
  return new Promise((resolve) => {
    inflight++;
    const attempt = () =>
      client.makeUnaryRequest(
        method.path,
        method.requestSerialize,
        method.responseDeserialize,
        body,
        new Metadata(),
        {},
        (err) => {
          if (!err) {
            stats.accepted_spans += opts.spansPerRequest;
            inflight--;
            return resolve();
          }
          stats.errors[err.code] = (stats.errors[err.code] ?? 0) + 1;
          if ((err.code === 14 || err.code === 8) && Date.now() < stopAt + 10_000) {
            stats.refused_calls++;
            setTimeout(attempt, 50);
            return;
          }
          stats.failed_calls++;
          inflight--;
          resolve();
        },
      );
    stats.sent_requests++;
    attempt();
  });
}

const startedAt = Date.now();
const stopAt = startedAt + opts.seconds * 1000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

if (opts.rate > 0) {
  // open loop: keep the schedule, whatever the answers
  const perMs = opts.rate / opts.spansPerRequest / 1000;
  let due = 0;
  while (Date.now() < stopAt) {
    const target = Math.floor((Date.now() - startedAt) * perMs);
    for (; due < target; due++) if (inflight < opts.concurrency) void call();
    await sleep(2);
  }
} else {
  const worker = async () => {
    while (Date.now() < stopAt) await call();
  };
  await Promise.all(Array.from({ length: opts.concurrency }, worker));
}
while (inflight > 0) await sleep(10);
client.close();
process.stdout.write(`${JSON.stringify({ ...stats, elapsed_seconds: (Date.now() - startedAt) / 1000 })}\n`);
