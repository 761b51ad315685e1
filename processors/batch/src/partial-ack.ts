import type { Ack, ConsumerError } from '@flowtel/core';

/**
 * The upstream Ack of one incoming batch whose items may leave in several outgoing batches.
 * It settles once every item has been settled downstream, failing if any part failed, a
 * permanent refusal winning over a retryable one (the rule of Ack.split, which needs the
 * number of parts up front; here the parts are only known as the batcher cuts).
 */
export class PartialAck {
  private remaining: number;
  private failure?: ConsumerError;
  private readonly ack: Ack;

  constructor(ack: Ack, items: number) {
    this.ack = ack;
    this.remaining = items;
  }

  settleItems(items: number, err: ConsumerError | undefined): void {
    if (err && (!this.failure || (this.failure.retryable && !err.retryable))) this.failure = err;
    this.remaining -= items;
    if (this.remaining <= 0) this.ack.settle(this.failure);
  }
}
