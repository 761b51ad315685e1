// Load generator for bench/prw-encode.ts, in its own process: OTLP/HTTP protobuf metric
// requests, each stream its own series and sending in time order (Prometheus refuses samples
// older than the newest of their series). Prints one JSON line with what it sent.
import type { Metrics, NumberDataPoint } from '@flowtel/pdata';
import { attr, encodeMetrics, newResource, newScope } from '@flowtel/pdata';

export interface PrwLoadOptions {
  url: string;
  streams: number;
  requestsPerStream: number;
  pointsPerRequest: number;
  /** ms timestamp of each stream's first request; the next ones follow 10 ms apart */
  startMs: number;
}

/** One request's metrics: a counter whose points carry the attributes a busy service has. */
export function loadMetrics(stream: number, sequence: number, points: number, timeMs: number): Metrics {
  const dataPoints: NumberDataPoint[] = [];
  for (let i = 0; i < points; i++) {
    dataPoints.push({
      attributes: [
        attr('http.request.method', i % 2 ? 'GET' : 'POST'),
        attr('http.route', `/api/v1/items/${i % 50}`),
        attr('http.response.status_code', 200 + (i % 5)),
        attr('server.address', 'checkout.internal'),
        attr('network.protocol.version', '1.1'),
        attr('pod', `checkout-${i % 40}`),
        attr('series', i),
      ],
      startTimeUnixNano: BigInt(timeMs - 60_000) * 1_000_000n,
      timeUnixNano: BigInt(timeMs) * 1_000_000n,
      asDouble: sequence * points + i,
      exemplars: [],
      flags: 0,
    });
  }
  return {
    resourceMetrics: [
      {
        resource: newResource([
          attr('service.name', 'checkout'),
          attr('service.instance.id', `stream-${stream}`),
          attr('host.name', 'bench'),
        ]),
        schemaUrl: '',
        scopeMetrics: [
          {
            scope: newScope('bench'),
            schemaUrl: '',
            metrics: [
              {
                name: 'http.server.requests',
                unit: '{request}',
                description: '',
                metadata: [],
                sum: { dataPoints, aggregationTemporality: 2, isMonotonic: true },
              },
            ],
          },
        ],
      },
    ],
  };
}

async function stream(opts: PrwLoadOptions, index: number): Promise<number> {
  let points = 0;
  for (let seq = 0; seq < opts.requestsPerStream; seq++) {
    const body = encodeMetrics(loadMetrics(index, seq, opts.pointsPerRequest, opts.startMs + seq * 10));
    for (;;) {
      const res = await fetch(opts.url, {
        method: 'POST',
        headers: { 'content-type': 'application/x-protobuf' },
        body,
      });
      await res.arrayBuffer();
      if (res.ok) break;
      // refused for now (full queue): try the same request again, keeping the stream in order
      await new Promise((r) => setTimeout(r, 20));
    }
    points += opts.pointsPerRequest;
  }
  return points;
}

if (process.argv[2]) {
  const opts = JSON.parse(process.argv[2]) as PrwLoadOptions;
  const started = performance.now();
  const sent = await Promise.all(Array.from({ length: opts.streams }, (_, i) => stream(opts, i)));
  process.stdout.write(
    `${JSON.stringify({ points: sent.reduce((a, b) => a + b, 0), seconds: (performance.now() - started) / 1000 })}\n`,
  );
}
