// otelcol's component metrics, under its names, so dashboards written for otelcol work as is.
import type { Attributes, Counter, Meter } from '@opentelemetry/api';
import { Ack, type Batch, type Signal } from '../consumer.ts';

/** otelcol's attribute for how a handoff between components ended: success, failure or refused */
const OUTCOME = 'otelcol.component.outcome';

const ITEM: Record<Signal, string> = {
  traces: 'spans',
  metrics: 'metric_points',
  logs: 'log_records',
  profiles: 'profile_samples',
  socket: 'socket_events',
};

/** otelcol's units, which follow no one rule ({sample} is singular in its metadata.yaml) */
const UNIT: Record<Signal, string> = {
  traces: '{spans}',
  metrics: '{datapoints}',
  logs: '{records}',
  profiles: '{sample}',
  socket: '{socket_events}',
};

export const itemName = (signal: Signal): string => ITEM[signal];

/** A counter per signal, created on first use: `otelcol_<prefix>_<item>`. */
class PerSignalCounter {
  private readonly counters = new Map<Signal, Counter>();
  private readonly meter: Meter;
  private readonly prefix: string;
  private readonly description: string;
  constructor(meter: Meter, prefix: string, description: string) {
    this.meter = meter;
    this.prefix = prefix;
    this.description = description;
  }

  add(signal: Signal, n: number, attributes: Attributes): void {
    if (n <= 0) return;
    let c = this.counters.get(signal);
    if (!c) {
      const item = ITEM[signal];
      c = this.meter.createCounter(`otelcol_${this.prefix}_${item}`, {
        description: this.description.replace('%s', item.replace('_', ' ')),
        unit: UNIT[signal],
      });
      this.counters.set(signal, c);
    }
    c.add(n, attributes);
  }
}

export class ReceiverObs {
  private readonly accepted: PerSignalCounter;
  private readonly refused: PerSignalCounter;
  private readonly id: string;
  constructor(meter: Meter, id: string) {
    this.id = id;
    this.accepted = new PerSignalCounter(
      meter,
      'receiver_accepted',
      'Number of %s successfully pushed into the pipeline.',
    );
    this.refused = new PerSignalCounter(
      meter,
      'receiver_refused',
      'Number of %s that could not be pushed into the pipeline.',
    );
  }
  record(signal: Signal, items: number, transport: string | undefined, ok: boolean): void {
    const attributes = { receiver: this.id, transport: transport ?? '' };
    (ok ? this.accepted : this.refused).add(signal, items, attributes);
  }
}

export class ProcessorObs {
  private readonly incoming;
  private readonly outgoing;
  private readonly attributes: Attributes;
  constructor(meter: Meter, id: string, pipelineId: string) {
    this.attributes = { processor: id, otel_signal: '', pipeline: pipelineId };
    this.incoming = meter.createCounter('otelcol_processor_incoming_items', {
      description: 'Number of items passed to the processor.',
      unit: '{items}',
    });
    this.outgoing = meter.createCounter('otelcol_processor_outgoing_items', {
      description: 'Number of items emitted from the processor.',
      unit: '{items}',
    });
  }
  in(signal: Signal, n: number): void {
    this.incoming.add(n, { ...this.attributes, otel_signal: signal });
  }
  /**
   * The batch with an Ack that counts its items as outgoing once it settles downstream, with
   * otelcol's `otelcol.component.outcome`: `refused` when the next component refused them.
   * That count is where a failure after a processor acknowledged the data shows.
   */
  out(batch: Batch): Batch {
    const { signal, items, ack } = batch;
    const counted = new Ack((err) => {
      this.outgoing.add(items, { ...this.attributes, otel_signal: signal, [OUTCOME]: err ? 'refused' : 'success' });
      ack.settle(err);
    });
    return { ...batch, ack: counted } as Batch;
  }
}

export class ExporterObs {
  private readonly sent: PerSignalCounter;
  private readonly sendFailed: PerSignalCounter;
  private readonly enqueueFailed: PerSignalCounter;
  readonly attributes: Attributes;
  private readonly meter: Meter;
  constructor(meter: Meter, id: string) {
    this.meter = meter;
    this.attributes = { exporter: id };
    this.sent = new PerSignalCounter(meter, 'exporter_sent', 'Number of %s successfully sent to destination.');
    this.sendFailed = new PerSignalCounter(
      meter,
      'exporter_send_failed',
      'Number of %s in failed attempts to send to destination.',
    );
    this.enqueueFailed = new PerSignalCounter(
      meter,
      'exporter_enqueue_failed',
      'Number of %s failed to be added to the sending queue.',
    );
  }
  recordSent(signal: Signal, n: number, ok: boolean): void {
    (ok ? this.sent : this.sendFailed).add(signal, n, this.attributes);
  }
  recordEnqueueFailed(signal: Signal, n: number): void {
    this.enqueueFailed.add(signal, n, this.attributes);
  }
  observeQueue(dataType: string, size: () => number, capacity: number): void {
    const attributes = { ...this.attributes, data_type: dataType };
    this.meter
      .createObservableGauge('otelcol_exporter_queue_size', {
        description: 'Current size of the retry queue (in batches).',
        unit: '{batches}',
      })
      .addCallback((r) => r.observe(size(), attributes));
    this.meter
      .createObservableGauge('otelcol_exporter_queue_capacity', {
        description: 'Fixed capacity of the retry queue (in batches).',
        unit: '{batches}',
      })
      .addCallback((r) => r.observe(capacity, attributes));
  }
}
