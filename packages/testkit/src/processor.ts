import { Subject } from 'rxjs';
import { Ack, type Batch, type BatchInput, type Processor } from '@flowtel/core';

/**
 * Pushes one batch through a processor's operator into a sink that takes (acknowledges) what
 * comes out: `out` is what passed, `done` settles as the batch's acknowledgement does.
 */
export function pushThrough(processor: Processor, batch: BatchInput): { out: Batch[]; done: Promise<void> } {
  const { ack, done } = Ack.withPromise();
  done.catch(() => {});
  const input = new Subject<Batch>();
  const out: Batch[] = [];
  input.pipe(processor.operator()).subscribe((b) => (out.push(b), b.ack.resolve()));
  input.next({ ...batch, ack } as Batch);
  input.complete();
  return { out, done };
}
