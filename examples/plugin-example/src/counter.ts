// A receiver that makes its own data: every `interval`, one span and one log record per
// pipeline signal, numbered, until `count` have been sent.
import { randomBytes } from 'node:crypto';
import { attr, newLogRecord, newResource, newScope, newSpan } from '@flowtel/pdata';
import { z, type Receiver, type ReceiverFactory, duration, type Consumers } from '@flowtel/core';

const configSchema = z
  .object({
    interval: duration().default('100ms'),
    count: z.number().int().positive().default(10),
    service_name: z.string().default('example'),
  })
  .strict();
type CounterConfig = z.output<typeof configSchema>;

class CounterReceiver implements Receiver {
  private timer?: NodeJS.Timeout;
  private sent = 0;
  private readonly config: CounterConfig;
  private readonly consumers: Consumers;
  constructor(config: CounterConfig, consumers: Consumers) {
    this.config = config;
    this.consumers = consumers;
  }

  async start(): Promise<void> {
    this.timer = setInterval(() => this.tick(), this.config.interval);
  }

  async shutdown(): Promise<void> {
    clearInterval(this.timer);
  }

  private tick(): void {
    if (this.sent >= this.config.count) return clearInterval(this.timer);
    const n = ++this.sent;
    const now = BigInt(Date.now()) * 1_000_000n;
    const resource = newResource([attr('service.name', this.config.service_name)]);
    const scope = newScope('example_counter', '0.1.0');
    const done = (p: Promise<void> | undefined): void => void p?.catch(() => {});
    done(
      this.consumers.traces?.consume({
        signal: 'traces',
        items: 1,
        data: {
          resourceSpans: [
            {
              resource,
              schemaUrl: '',
              scopeSpans: [
                {
                  scope,
                  schemaUrl: '',
                  spans: [
                    newSpan({
                      traceId: randomBytes(16),
                      spanId: randomBytes(8),
                      name: `count ${n}`,
                      kind: 1,
                      startTimeUnixNano: now,
                      endTimeUnixNano: now,
                      attributes: [attr('example.count', n)],
                    }),
                  ],
                },
              ],
            },
          ],
        },
      }),
    );
    done(
      this.consumers.logs?.consume({
        signal: 'logs',
        items: 1,
        data: {
          resourceLogs: [
            {
              resource,
              schemaUrl: '',
              scopeLogs: [
                {
                  scope,
                  schemaUrl: '',
                  logRecords: [
                    newLogRecord({
                      timeUnixNano: now,
                      observedTimeUnixNano: now,
                      severityNumber: 9,
                      severityText: 'INFO',
                      body: { stringValue: `count ${n}` },
                      attributes: [attr('example.count', n)],
                    }),
                  ],
                },
              ],
            },
          ],
        },
      }),
    );
  }
}

export const counterFactory: ReceiverFactory<CounterConfig> = {
  kind: 'receiver',
  type: 'example_counter',
  description: 'emits numbered spans and log records on a timer',
  stability: { traces: 'development', logs: 'development' },
  configSchema,
  createReceiver: (_settings, config, consumers) => new CounterReceiver(config, consumers),
};
