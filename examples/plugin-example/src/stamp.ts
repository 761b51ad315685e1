// A processor that adds one attribute to every span and log record.
import { map } from 'rxjs';
import { attr } from '@flowtel/pdata';
import { z, type Batch, type Processor, type ProcessorFactory } from '@flowtel/core';

const configSchema = z
  .object({
    key: z.string().default('example.stamp'),
    value: z.string().default('stamped'),
  })
  .strict();
type StampConfig = z.output<typeof configSchema>;

function stamp(batch: Batch, config: StampConfig): Batch {
  const kv = attr(config.key, config.value);
  if (batch.signal === 'traces')
    for (const rs of batch.data.resourceSpans)
      for (const ss of rs.scopeSpans) for (const s of ss.spans) s.attributes.push(kv);
  if (batch.signal === 'logs')
    for (const rl of batch.data.resourceLogs)
      for (const sl of rl.scopeLogs) for (const r of sl.logRecords) r.attributes.push(kv);
  return batch;
}

export const stampFactory: ProcessorFactory<StampConfig> = {
  kind: 'processor',
  type: 'example_stamp',
  description: 'adds one attribute to every span and log record',
  stability: { traces: 'development', logs: 'development' },
  mutatesData: true,
  configSchema,
  createProcessor: (_settings, config): Processor => ({
    start: async () => {},
    shutdown: async () => {},
    operator: () => map((batch: Batch) => stamp(batch, config)),
  }),
};
