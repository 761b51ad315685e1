// The measured process of bench/ebpf-capture.ts: an ebpf receiver (config as JSON in argv[2])
// whose pipeline only counts socket events. Prints `{"ready":true}` once capturing; on SIGTERM
// stops (delivering what the kernel still holds) and prints its counts as one JSON line.
import type { BatchInput } from '@flowtel/core';
import { testSettings } from '@flowtel/testkit';
import { factory, type EbpfReceiver } from '../src/index.ts';

let events = 0;
let batches = 0;
/** payload bytes the kernel copied through the ring buffer (event headers not counted) */
let payloadBytes = 0;
const consumer = {
  consume: async (batch: BatchInput) => {
    events += batch.items;
    batches++;
    if (batch.signal === 'socket')
      for (let i = 0; i < batch.data.count; i++) payloadBytes += batch.data.payloadLength[i];
  },
};
const config = factory.configSchema.parse({ ...JSON.parse(process.argv[2] ?? '{}'), required: true });
const receiver = factory.createReceiver(testSettings('ebpf', 'receiver'), config, { traces: consumer }) as EbpfReceiver;
await receiver.start();
process.stdout.write(`${JSON.stringify({ ready: true })}\n`);

process.once('SIGTERM', async () => {
  await receiver.shutdown();
  process.stdout.write(`${JSON.stringify({ events, batches, payloadBytes, ...receiver.stats() })}\n`);
  process.exit(0);
});
