// Child process for the crash test: queues batches, takes some without finishing them, says
// "ready", then waits to be killed.
import { newSpan } from '@flowtel/pdata';
import { Ack, type Batch } from '@flowtel/core';
import { FileQueue } from '../src/file_queue.ts';

const [dir, total, taken] = [process.argv[2], Number(process.argv[3]), Number(process.argv[4])];
const queue = new FileQueue(dir, 1000, () => 1, false);
for (let i = 0; i < total; i++) {
  const batch = {
    signal: 'traces',
    items: 1,
    ack: Ack.none(),
    data: {
      resourceSpans: [
        {
          resource: { attributes: [], droppedAttributesCount: 0, entityRefs: [] },
          schemaUrl: '',
          scopeSpans: [
            {
              scope: { name: '', version: '', attributes: [], droppedAttributesCount: 0 },
              schemaUrl: '',
              spans: [newSpan({ name: `span ${i}`, startTimeUnixNano: 2n ** 64n - 1n - BigInt(i) })],
            },
          ],
        },
      ],
    },
  } as Batch;
  await queue.offer(batch);
}
for (let i = 0; i < taken; i++) await queue.take();
process.stdout.write('ready\n');
setInterval(() => {}, 1000);
