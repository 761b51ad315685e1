import type { Batch, Connector, Consumers } from '@flowtel/core';
import { permanent } from '@flowtel/core';

/** Hands each batch unchanged to the pipelines on its receiving side, Ack and all. */
export class ForwardConnector implements Connector {
  private readonly consumers: Consumers;
  constructor(consumers: Consumers) {
    this.consumers = consumers;
  }

  async start(): Promise<void> {}
  async shutdown(): Promise<void> {}

  consume(batch: Batch): Promise<void> {
    const next = batch.signal === 'socket' ? undefined : this.consumers[batch.signal];
    if (!next) return Promise.reject(permanent(`forward connector has no ${batch.signal} pipeline to forward to`));
    // the downstream pipelines give it a fresh Ack; ours settles from their outcome
    const { ack: _ack, ...input } = batch;
    return next.consume(input);
  }
}
