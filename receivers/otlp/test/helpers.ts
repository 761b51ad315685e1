// What the receiver tests share: sample data, a consumer the test steers, a started receiver
// on free ports, and raw HTTP and gRPC clients that show exactly what the receiver answered.
import {
  Client,
  credentials as grpcCredentials,
  Metadata,
  type ChannelCredentials,
  type ServiceError,
} from '@grpc/grpc-js';
import type { Batch, BatchInput, Consumer, Extension, PipelineSignal } from '@flowtel/core';
import { attr, newResource, newScope, newSpan, type Traces } from '@flowtel/pdata';
import { exportMethod, type OtlpSignal } from '@flowtel/otlp';
import { testHost, testSettings } from '@flowtel/testkit';
import { factory } from '../src/index.ts';
import type { OtlpReceiver } from '../src/otlp.ts';

export function sampleTraces(n = 3): Traces {
  return {
    resourceSpans: [
      {
        resource: newResource([attr('service.name', 'checkout')]),
        schemaUrl: 'https://opentelemetry.io/schemas/1.26.0',
        scopeSpans: [
          {
            scope: newScope('test', '1.0'),
            schemaUrl: '',
            spans: Array.from({ length: n }, (_, i) =>
              newSpan({
                name: `span-${i}`,
                traceId: Uint8Array.from({ length: 16 }, (_, j) => j + 1),
                spanId: Uint8Array.from({ length: 8 }, (_, j) => j + 1 + i),
                startTimeUnixNano: 1_700_000_000_123_456_789n + BigInt(i),
                endTimeUnixNano: 1_700_000_000_223_456_789n + BigInt(i),
                attributes: [attr('http.status_code', 200n)],
              }),
            ),
          },
        ],
      },
    ],
  };
}

/** A consumer that records what it got and answers with `answer` (resolve by default). */
export class TestConsumer implements Consumer {
  received: BatchInput[] = [];
  answer: (batch: BatchInput) => Promise<void> = async () => {};
  consume(batch: BatchInput): Promise<void> {
    this.received.push(batch);
    return this.answer(batch);
  }
}

export interface Started {
  receiver: OtlpReceiver;
  consumer: TestConsumer;
  grpcPort: number;
  httpPort: number;
  url(path: string): string;
  stop(): Promise<void>;
}

/** Starts an otlp receiver on free ports with `protocols` merged over both defaults. */
export async function startReceiver(
  protocols: { grpc?: Record<string, unknown>; http?: Record<string, unknown> } = {},
  opts: {
    signals?: PipelineSignal[];
    extensions?: Record<string, Extension>;
    configDir?: string;
    scheme?: string;
  } = {},
): Promise<Started> {
  const consumer = new TestConsumer();
  const consumers = Object.fromEntries((opts.signals ?? ['traces', 'metrics', 'logs']).map((s) => [s, consumer]));
  const config = factory.configSchema.parse({
    protocols: {
      grpc: { endpoint: '127.0.0.1:0', ...protocols.grpc },
      http: { endpoint: '127.0.0.1:0', ...protocols.http },
    },
  });
  const receiver = factory.createReceiver(
    testSettings('otlp', 'receiver', opts.configDir),
    config,
    consumers,
  ) as OtlpReceiver;
  await receiver.start(testHost(opts.extensions));
  const httpPort = receiver.http!.port!;
  return {
    receiver,
    consumer,
    grpcPort: receiver.grpc!.port!,
    httpPort,
    url: (path) => `${opts.scheme ?? 'http'}://127.0.0.1:${httpPort}${path}`,
    stop: () => receiver.shutdown(),
  };
}

export interface GrpcAnswer {
  error?: ServiceError;
  response?: Buffer;
}

/** One raw Export call. */
export function grpcExport(
  port: number,
  signal: OtlpSignal,
  body: Uint8Array,
  opts: {
    metadata?: Record<string, string>;
    credentials?: ChannelCredentials;
    channelOptions?: Record<string, unknown>;
  } = {},
): Promise<GrpcAnswer> {
  const client = new Client(
    `127.0.0.1:${port}`,
    opts.credentials ?? grpcCredentials.createInsecure(),
    opts.channelOptions,
  );
  const md = new Metadata();
  for (const [k, v] of Object.entries(opts.metadata ?? {})) md.set(k, v);
  const m = exportMethod(signal);
  return new Promise((resolve) => {
    client.makeUnaryRequest(m.path, m.requestSerialize, m.responseDeserialize, body, md, {}, (error, response) => {
      client.close();
      resolve({ error: error ?? undefined, response: response as Buffer | undefined });
    });
  });
}

export function firstSpanNames(batch: BatchInput | Batch): string[] {
  if (batch.signal !== 'traces') return [];
  return batch.data.resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans.map((s) => s.name)));
}
