import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createNoopMeter } from '@opentelemetry/api';
import { pino } from 'pino';
import { Ack } from '@flowtel/core';
import { testHost } from '@flowtel/testkit';
import type { CreateSettings, LogsBatch } from '@flowtel/core';
import { attr, newLogRecord, newResource, newScope, type KeyValue, type Logs } from '@flowtel/pdata';
import { TAG_DICTIONARY } from '@flowtel/core/smartencoding';
import { factory, type TagDictionary } from '../src/index.ts';
import type { SmartEncodingProcessor } from '../src/smartencoding.ts';

const made: string[] = [];
process.once('exit', () => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

/** A fresh folder, removed when the test process exits. */
export function tempDir(name: string): string {
  const dir = mkdtempSync(join(tmpdir(), `flowtel-se-${name}-`));
  made.push(dir);
  return dir;
}

/** The host the tests' processors start with: they share its state, as in one collector. */
export const host = testHost();

/** The dictionary the processor `id` offered through the host. */
export const dictionaryOf = (id: string) => host.shared.lookup(TAG_DICTIONARY, id) as TagDictionary | undefined;

export function settings(id = 'smartencoding'): CreateSettings {
  return {
    id,
    kind: 'processor',
    logger: pino({ level: 'silent' }),
    meter: createNoopMeter(),
    metricsLevel: 'basic',
    configDir: process.cwd(),
  };
}

export function processor(config: Record<string, unknown>, id = 'smartencoding'): SmartEncodingProcessor {
  return factory.createProcessor(
    settings(id),
    factory.configSchema.parse(config),
    'logs',
    'logs',
  ) as SmartEncodingProcessor;
}

export function logs(resources: KeyValue[][]): Logs {
  return {
    resourceLogs: resources.map((attributes) => ({
      resource: newResource(attributes),
      schemaUrl: '',
      scopeLogs: [
        {
          scope: newScope('flowtel.l7', '0.1.0'),
          schemaUrl: '',
          logRecords: [newLogRecord({ body: { stringValue: 'GET /' }, attributes: [attr('response_code', 200)] })],
        },
      ],
    })),
  };
}

export function logsBatch(resources: KeyValue[][], clientAddress?: string): LogsBatch {
  return {
    signal: 'logs',
    data: logs(resources),
    items: resources.length,
    ack: Ack.none(),
    ...(clientAddress ? { client: { address: clientAddress } } : {}),
  };
}

/** Attributes as a plain object, ints as numbers but ids (64-bit) as bigints: what a test compares. */
export function plain(attributes: KeyValue[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const { key, value } of attributes) {
    if ('stringValue' in value) out[key] = value.stringValue;
    else if ('intValue' in value)
      out[key] = /^flowtel\.tag\..*_id$/.test(key) ? value.intValue : Number(value.intValue);
    else if ('doubleValue' in value) out[key] = value.doubleValue;
    else if ('boolValue' in value) out[key] = value.boolValue;
    else out[key] = value;
  }
  return out;
}
