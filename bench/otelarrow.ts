// OTel Arrow against OTLP for the same traces: bytes on the wire as OTLP protobuf, OTLP + zstd
// (what a zstd gRPC channel sends) and OTAP (BatchArrowRecords as the otelarrow exporter sends
// them on one stream, alone and + zstd), and spans per CPU second to encode and decode OTAP.
//   node --import tsx bench/otelarrow.ts > otelarrow.json
import { randomBytes } from 'node:crypto';
import { nativeZstd } from '@flowtel/compression';
import { OtapConsumer, OtapProducer, decodeBatchArrowRecords, encodeBatchArrowRecords } from '@flowtel/otap';
import { encodeTraces, type Span, type Traces } from '@flowtel/pdata';

const BATCHES = 20;
const SPANS = 1000;

/** A service's spans as SDKs make them: a few resources, repeated names and attribute keys. */
function batch(seed: number): Traces {
  const trace = randomBytes(16);
  const spans = (service: number): Span[] =>
    Array.from({ length: SPANS / 4 }, (_, i) => ({
      traceId: i % 10 === 0 ? randomBytes(16) : trace,
      spanId: randomBytes(8),
      traceState: '',
      parentSpanId: i % 10 === 0 ? new Uint8Array(0) : randomBytes(8),
      flags: 1,
      name: ['GET /cart', 'SELECT cart', 'redis GET', 'POST /checkout'][i % 4],
      kind: 1 + (i % 3),
      startTimeUnixNano: 1_700_000_000_000_000_000n + BigInt(seed * 1e9 + i * 1e6),
      endTimeUnixNano: 1_700_000_000_000_000_000n + BigInt(seed * 1e9 + i * 1e6 + 250_000 + (i % 97) * 1000),
      attributes: [
        { key: 'http.request.method', value: { stringValue: i % 2 ? 'GET' : 'POST' } },
        { key: 'http.response.status_code', value: { intValue: BigInt(i % 7 ? 200 : 500) } },
        { key: 'url.path', value: { stringValue: `/cart/${i % 50}` } },
        { key: 'server.address', value: { stringValue: `cart-${service}.shop.svc` } },
        { key: 'user.id', value: { stringValue: `u-${(seed * 31 + i) % 400}` } },
      ],
      droppedAttributesCount: 0,
      events: i % 20 === 0 ? [{ timeUnixNano: 1n, name: 'exception', attributes: [], droppedAttributesCount: 0 }] : [],
      droppedEventsCount: 0,
      links: [],
      droppedLinksCount: 0,
      status: { code: i % 7 ? 0 : 2, message: '' },
    }));
  return {
    resourceSpans: [0, 1, 2, 3].map((service) => ({
      resource: {
        attributes: [
          { key: 'service.name', value: { stringValue: `cart-${service}` } },
          { key: 'host.name', value: { stringValue: 'node-7' } },
          { key: 'telemetry.sdk.language', value: { stringValue: 'nodejs' } },
        ],
        droppedAttributesCount: 0,
        entityRefs: [],
      },
      schemaUrl: '',
      scopeSpans: [
        {
          scope: {
            name: '@opentelemetry/instrumentation-http',
            version: '0.52.1',
            attributes: [],
            droppedAttributesCount: 0,
          },
          schemaUrl: '',
          spans: spans(service),
        },
      ],
    })),
  };
}

const cpu = (since: NodeJS.CpuUsage) => {
  const u = process.cpuUsage(since);
  return (u.user + u.system) / 1e6;
};

async function main(): Promise<void> {
  const data = Array.from({ length: BATCHES }, (_, i) => batch(i));
  const zstd = nativeZstd();
  let otlp = 0;
  let otlpZstd = 0;
  let otap = 0;
  let otapZstd = 0;
  const producer = new OtapProducer();
  const wire: Uint8Array[] = [];
  let encodeCpu = 0;
  for (const t of data) {
    const proto = encodeTraces(t);
    otlp += proto.length;
    otlpZstd += (await zstd.compress(Buffer.from(proto), 3)).length;
    const start = process.cpuUsage();
    const bar = encodeBatchArrowRecords(producer.encodeTraces(t));
    encodeCpu += cpu(start);
    wire.push(bar);
    otap += bar.length;
    otapZstd += (await zstd.compress(Buffer.from(bar), 3)).length;
  }
  const consumer = new OtapConsumer();
  const start = process.cpuUsage();
  for (const bar of wire) consumer.decodeTraces(decodeBatchArrowRecords(bar));
  const decodeCpu = cpu(start);
  const spans = BATCHES * SPANS;
  console.log(
    JSON.stringify(
      {
        bench: 'otelarrow',
        batches: BATCHES,
        spansPerBatch: SPANS,
        bytes: { otlp, otlpZstd, otap, otapZstd },
        otapZstdVsOtlpZstd: +(otapZstd / otlpZstd).toFixed(3),
        encodeSpansPerCpuSecond: Math.round(spans / encodeCpu),
        decodeSpansPerCpuSecond: Math.round(spans / decodeCpu),
        cpuSeconds: +cpu({ user: 0, system: 0 }).toFixed(2),
        peakRssMiB: +(process.resourceUsage().maxRSS / 1024).toFixed(1),
      },
      null,
      2,
    ),
  );
}

await main();
