// One engine per l7 processor id, shared through the host by the pipelines that name it: one
// capture is parsed once, and each pipeline's processor adds its sink for the records.
import { sharedKey, type CreateSettings, type SharedLifecycle } from '@flowtel/core';
import type { L7Config } from './config.ts';
import { L7Engine } from './engine.ts';
import { PROTOCOL_PARSERS } from './protocols/index.ts';
import type { MessageCounts } from './session.ts';
import { DEFAULT_SECRET_QUERY_PARAMETERS } from './redact.ts';

const NS_PER_MS = 1_000_000n;

export const L7_ENGINE = sharedKey<SharedEngine>('l7.engine');

export class SharedEngine implements SharedLifecycle {
  readonly engine: L7Engine;
  private readonly settings: CreateSettings;
  private timer?: NodeJS.Timeout;

  constructor(settings: CreateSettings, config: L7Config) {
    this.settings = settings;
    const wanted = config.protocols?.map((p) => p.toLowerCase());
    this.engine = new L7Engine({
      parsers: wanted ? PROTOCOL_PARSERS.filter((p) => wanted.includes(p.name.toLowerCase())) : PROTOCOL_PARSERS,
      parse: {
        redact: config.redaction.enabled,
        captureHeaders: config.capture_headers.map((h) => h.toLowerCase()),
        secretQueryParameters: new Set([
          ...DEFAULT_SECRET_QUERY_PARAMETERS,
          ...config.redaction.secret_query_parameters.map((n) => n.toLowerCase()),
        ]),
      },
      correlation: config.trace_correlation,
      requestTimeoutNs: BigInt(Math.round(config.request_timeout)) * NS_PER_MS,
      idleTimeoutNs: BigInt(Math.round(config.idle_timeout)) * NS_PER_MS,
      maxSessions: config.max_connections,
      maxPendingPerSession: config.max_pending_per_connection,
    });
  }

  start(): void {
    const engine = this.engine;
    this.timer = setInterval(() => engine.expire(), 1000);
    this.timer.unref();
    observeCounters(this.settings, engine);
  }

  shutdown(): void {
    clearInterval(this.timer);
  }
}

function observeCounters(settings: CreateSettings, engine: L7Engine): void {
  const attributes = { processor: settings.id };
  const counter = (name: string, description: string, read: () => number) =>
    settings.meter.createObservableCounter(name, { description }).addCallback((r) => r.observe(read(), attributes));
  counter('flowtel_l7_socket_events', 'Socket events the l7 processor parsed.', () => engine.counters.events);
  counter(
    'flowtel_l7_records',
    'Request logs (request/response pairs) the l7 processor produced.',
    () => engine.counters.records,
  );
  counter('flowtel_l7_parse_errors', 'Payloads a parser could not read.', () => engine.counters.parseErrors);
  counter(
    'flowtel_l7_unknown_connections',
    'Connections whose protocol no parser recognised.',
    () => engine.counters.unknownProtocol,
  );
  counter(
    'flowtel_l7_dropped_requests',
    'Requests dropped unanswered because too many waited on one connection.',
    () => engine.counters.pendingOverflow,
  );
  counter(
    'flowtel_l7_evicted_connections',
    'Connections dropped to stay under max_connections.',
    () => engine.counters.evictedSessions,
  );
  // per protocol, as otelcol counts items by outcome: read whole, read from a capture head, lost
  const messages = (name: string, description: string, read: (c: MessageCounts) => number) =>
    settings.meter.createObservableCounter(name, { description }).addCallback((r) => {
      for (const [protocol, counts] of engine.counters.messages) r.observe(read(counts), { ...attributes, protocol });
    });
  messages(
    'flowtel_l7_whole_messages',
    'Messages (requests, responses, one-way messages) parsed from all their bytes.',
    (c) => c.whole,
  );
  messages(
    'flowtel_l7_truncated_messages',
    'Messages parsed from the head the capture kept (payload_size, snap length); their records carry flowtel.l7.*.captured_bytes.',
    (c) => c.truncated,
  );
  messages(
    'flowtel_l7_unparseable_messages',
    'Messages lost: bytes a parser could not read, or a partial message a capture gap cut before anything could be read.',
    (c) => c.unparseable,
  );
  settings.meter
    .createObservableGauge('flowtel_l7_connections', { description: 'Connections the l7 processor is tracking.' })
    .addCallback((r) => r.observe(engine.sessionCount, attributes));
}
