// Handing one batch to several consumers, as otelcol's fanoutconsumer does. Consumers that
// declared they change data get a copy, except the last of them when nobody else gets the
// batch and it is not shared already; consumers that only read share the batch, which is then
// marked read-only so that whoever gets it further on copies before changing it. Copies of
// pass-through OTLP are new models over the same request bytes (pdata copyData), so every
// branch still sends the bytes the client sent.
import { copyData, isReadOnly, markReadOnly } from '@flowtel/pdata';
import type { BatchInput } from './consumer.ts';

/** What each consumer gets, in the order of `mutates` (one flag per consumer). */
export function fanOut<B extends BatchInput>(batch: B, mutates: readonly boolean[]): B[] {
  // socket events are read-only by contract: nothing changes them in place
  if (batch.signal === 'socket') return mutates.map(() => batch);
  const readers = mutates.filter((m) => !m).length;
  const lastWriter = mutates.lastIndexOf(true);
  const keep = readers === 0 && !isReadOnly(batch.data);
  const out = mutates.map((m, i) =>
    m && !(keep && i === lastWriter) ? ({ ...batch, data: copyData(batch.data) } as B) : batch,
  );
  if (readers > 1) markReadOnly(batch.data);
  return out;
}

/**
 * Whether a set of consumers, taken together, changes the data it is given: only when all of
 * them do (otherwise the writers get copies). otelcol's fan-out capability.
 */
export const fanOutMutates = (mutates: readonly boolean[]): boolean => mutates.length > 0 && mutates.every(Boolean);
