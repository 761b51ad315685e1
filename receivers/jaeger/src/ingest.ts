// What every protocol does with decoded spans: translate them and hand them to the pipeline,
// under contrib's transport name (its receiver metrics' `transport` attribute).
import type { ClientInfo, Consumer } from '@flowtel/core';
import { spanCount, type Traces } from '@flowtel/pdata';

export type Transport = 'grpc' | 'collector_http' | 'udp_thrift_compact' | 'udp_thrift_binary';

export class Ingest {
  private readonly consumer: Consumer;

  constructor(consumer: Consumer) {
    this.consumer = consumer;
  }

  /** Resolves once the pipeline took the spans; rejects with its refusal. */
  consume(data: Traces, transport: Transport, client?: ClientInfo): Promise<void> {
    const items = spanCount(data);
    if (items === 0 && data.resourceSpans.length === 0) return Promise.resolve();
    return this.consumer.consume({ signal: 'traces', data, items, transport, client });
  }
}
