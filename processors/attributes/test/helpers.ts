// Runs a processor built from YAML-shaped config over batches made here, and reads attributes
// back as plain objects.
import { firstValueFrom, of, toArray } from 'rxjs';
import { Ack, type Batch, type ClientInfo } from '@flowtel/core';
import {
  attr,
  getAttr,
  type KeyValue,
  type LogRecord,
  type Metrics,
  newLogRecord,
  newResource,
  newScope,
  newSpan,
  type Span,
  type Traces,
} from '@flowtel/pdata';
import { testSettings } from '@flowtel/testkit';
import { factory } from '../src/index.ts';

type Scalar = string | number | boolean;
export const kvs = (o: Record<string, Scalar>): KeyValue[] => Object.entries(o).map(([k, v]) => attr(k, v));
export const plain = (attrs: KeyValue[]) => Object.fromEntries(attrs.map((kv) => [kv.key, getAttr(attrs, kv.key)]));

export async function run(config: unknown, batch: Omit<Batch, 'ack' | 'items'>): Promise<Batch> {
  const signal = batch.signal as 'traces' | 'logs' | 'metrics';
  const p = factory.createProcessor(
    testSettings('attributes', 'processor'),
    factory.configSchema.parse(config),
    signal,
    signal,
  );
  const [out] = await firstValueFrom(
    of({ ...batch, ack: Ack.none(), items: 1 } as Batch).pipe(p.operator(), toArray()),
  );
  return out;
}

/** One resource per service, one span per entry; `name` is the span name. */
export function traces(
  spans: {
    service?: string;
    name?: string;
    attrs: Record<string, Scalar>;
    resource?: Record<string, Scalar>;
    scope?: [string, string];
  }[],
): Traces {
  return {
    resourceSpans: spans.map((s) => ({
      resource: newResource(kvs({ ...(s.service ? { 'service.name': s.service } : {}), ...s.resource })),
      scopeSpans: [
        {
          scope: newScope(...(s.scope ?? ['', ''])),
          spans: [newSpan({ name: s.name ?? 'span', attributes: kvs(s.attrs) })],
          schemaUrl: '',
        },
      ],
      schemaUrl: '',
    })),
  };
}

export const spansOf = (t: Traces): Span[] => t.resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans));

export function logs(records: Partial<LogRecord>[]) {
  return {
    resourceLogs: [
      {
        resource: newResource(),
        scopeLogs: [{ scope: newScope(), logRecords: records.map((r) => newLogRecord(r)), schemaUrl: '' }],
        schemaUrl: '',
      },
    ],
  };
}

export function gaugeAndHistogram(name: string, attrs: Record<string, Scalar>): Metrics {
  const point = { attributes: kvs(attrs), startTimeUnixNano: 0n, timeUnixNano: 1n, exemplars: [], flags: 0 };
  return {
    resourceMetrics: [
      {
        resource: newResource(),
        scopeMetrics: [
          {
            scope: newScope(),
            metrics: [
              { name, description: '', unit: '', metadata: [], gauge: { dataPoints: [{ ...point, asInt: 1n }] } },
              {
                name: `${name}.hist`,
                description: '',
                unit: '',
                metadata: [],
                histogram: {
                  aggregationTemporality: 2,
                  dataPoints: [
                    { ...point, attributes: kvs(attrs), count: 1n, sum: 1, bucketCounts: [1n], explicitBounds: [] },
                  ],
                },
              },
            ],
            schemaUrl: '',
          },
        ],
        schemaUrl: '',
      },
    ],
  };
}

export type { ClientInfo };
