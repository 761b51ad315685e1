// A log receiver built directly in a test, started, with every record it hands on collected.
import { type Consumer, type LogsBatch, type Receiver, type ReceiverFactory, type Consumers } from '@flowtel/core';
import type { AnyValue, LogRecord, Resource } from '@flowtel/pdata';
import { testHost, testSettings } from './settings.ts';

export interface ReceivedLogs {
  receiver: Receiver;
  records: LogRecord[];
  /** each record's body as text (non-string bodies as JSON) */
  bodies: string[];
  resources: Resource[];
}

/** A value as text: scalars as they print, maps and arrays as JSON. */
export const anyValueText = (v: AnyValue | undefined): string => {
  if (v === undefined) return '';
  if ('stringValue' in v) return v.stringValue;
  if ('intValue' in v) return String(v.intValue);
  if ('boolValue' in v) return String(v.boolValue);
  if ('doubleValue' in v) return String(v.doubleValue);
  return JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? String(x) : x));
};

/** The value of a record's attribute (undefined when it has none). */
export const logAttribute = (r: LogRecord, key: string): AnyValue | undefined =>
  r.attributes.find((a) => a.key === key)?.value;

/**
 * Starts `factory`'s receiver with `config` (parsed by its schema); `consume` runs before a
 * batch is collected and may throw to refuse it.
 */
export async function receiveLogs(
  factory: ReceiverFactory<any>,
  config: Record<string, unknown>,
  consume?: (b: LogsBatch) => Promise<void>,
): Promise<ReceivedLogs> {
  const got = { records: [] as LogRecord[], bodies: [] as string[], resources: [] as Resource[] };
  const logs: Consumer = {
    consume: async (b) => {
      const batch = b as LogsBatch;
      if (consume) await consume(batch);
      for (const rl of batch.data.resourceLogs)
        for (const sl of rl.scopeLogs)
          for (const r of sl.logRecords) {
            got.records.push(r);
            got.bodies.push(anyValueText(r.body));
            got.resources.push(rl.resource);
          }
    },
  };
  const consumers: Consumers = { logs };
  const receiver = factory.createReceiver(
    testSettings(factory.type, 'receiver'),
    factory.configSchema.parse(config),
    consumers,
  );
  await receiver.start(testHost());
  return Object.assign(got, { receiver });
}
