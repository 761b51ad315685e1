// What the ClickHouse benches share: the settings a store is created with, and spans shaped as
// the l7 processor makes them (20 services, HTTP attributes, fresh ids).
import { metrics } from '@opentelemetry/api';
import { pino } from 'pino';
import type { CreateSettings } from '@flowtel/core';
import { attr, newResource, newScope, newSpan, type Traces } from '@flowtel/pdata';

export function storeSettings(dir: string): CreateSettings {
  return {
    id: 'clickhouse',
    kind: 'exporter',
    logger: pino({ level: 'warn' }),
    meter: metrics.getMeter('bench'),
    metricsLevel: 'none',
    configDir: dir,
  };
}

/** `rows` server spans (a multiple of 20), 20 services of `rows / 20` each. */
export function requestSpans(rows: number): Traces {
  const id = (n: number) => Uint8Array.from({ length: n }, () => (Math.random() * 256) | 0);
  const t0 = BigInt(Date.now()) * 1_000_000n;
  return {
    resourceSpans: Array.from({ length: 20 }, (_, s) => ({
      resource: newResource([
        attr('service.name', `service-${s}`),
        attr('host.name', `node-${s % 4}`),
        attr('k8s.namespace.name', 'shop'),
      ]),
      schemaUrl: '',
      scopeSpans: [
        {
          scope: newScope('flowtel.l7', '0.1.0'),
          schemaUrl: '',
          spans: Array.from({ length: rows / 20 }, (_, i) =>
            newSpan({
              traceId: id(16),
              spanId: id(8),
              parentSpanId: id(8),
              name: `GET /api/${i % 50}`,
              kind: 2,
              startTimeUnixNano: t0 + BigInt(i) * 1000n,
              endTimeUnixNano: t0 + BigInt(i) * 1000n + 250_000n,
              attributes: [
                attr('http.request.method', 'GET'),
                attr('http.route', `/api/${i % 50}`),
                attr('http.response.status_code', 200),
                attr('client.address', `10.0.${s}.${i % 250}`),
              ],
            }),
          ),
        },
      ],
    })),
  };
}
