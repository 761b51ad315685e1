import { Subject } from 'rxjs';
import { createNoopMeter } from '@opentelemetry/api';
import { pino } from 'pino';
import { Ack } from '@flowtel/core';
import type { Batch, CreateSettings, TracesBatch } from '@flowtel/core';
import { attr, newResource, newScope, newSpan } from '@flowtel/pdata';
import type { Traces } from '@flowtel/pdata';
import { factory } from '../src/index.ts';

export const settings: CreateSettings = {
  id: 'batch',
  kind: 'processor',
  logger: pino({ level: 'silent' }),
  meter: createNoopMeter(),
  metricsLevel: 'basic',
  configDir: process.cwd(),
};

/** Traces with one resource named `service` holding spans named `${service}-0`... */
export function traces(service: string, spans: number): Traces {
  return {
    resourceSpans: [
      {
        resource: newResource([attr('service.name', service)]),
        schemaUrl: '',
        scopeSpans: [
          {
            scope: newScope('test'),
            schemaUrl: '',
            spans: Array.from({ length: spans }, (_, i) => newSpan({ name: `${service}-${i}` })),
          },
        ],
      },
    ],
  };
}

export function spanNames(data: Traces): string[] {
  return data.resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans.map((s) => s.name)));
}

/** A traces batch and the promise its Ack settles. */
export function tracesBatch(service: string, spans: number): { batch: TracesBatch; done: Promise<void> } {
  const { ack, done } = Ack.withPromise();
  done.catch(() => {});
  return { batch: { signal: 'traces', data: traces(service, spans), items: spans, ack }, done };
}

/** A logger whose records the test reads. */
export function recordingLogger() {
  const records: Array<Record<string, unknown>> = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => void records.push(JSON.parse(line)) });
  return { logger, records };
}

/** A running batch stage: push into `input`, read what left from `out`. */
export function stage(config: Record<string, unknown>, logger = settings.logger) {
  const processor = factory.createProcessor(
    { ...settings, logger },
    factory.configSchema.parse(config),
    'traces',
    'traces',
  );
  const input = new Subject<Batch>();
  const out: Array<{ batch: Batch; at: number }> = [];
  let completed = false;
  const subscription = input.pipe(processor.operator()).subscribe({
    next: (batch) => out.push({ batch, at: Date.now() }),
    complete: () => (completed = true),
  });
  return { processor, input, out, subscription, isCompleted: () => completed };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Whether a promise has settled by now. */
export async function settled(p: Promise<unknown>): Promise<boolean> {
  let done = false;
  p.then(
    () => (done = true),
    () => (done = true),
  );
  await sleep(0);
  return done;
}
