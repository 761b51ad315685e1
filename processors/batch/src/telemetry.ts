// The batch processor's own metrics, under otelcol's names.
import type { Attributes, Counter, Histogram, Meter } from '@opentelemetry/api';
import type { Trigger } from './batcher.ts';

const SEND_SIZE_BUCKETS = [
  10, 25, 50, 75, 100, 250, 500, 750, 1000, 2000, 3000, 4000, 5000, 6000, 7000, 8000, 9000, 10000, 20000, 30000, 50000,
  100000,
];

export class BatchObs {
  private readonly sizeTrigger: Counter;
  private readonly timeoutTrigger: Counter;
  private readonly sendSize: Histogram;
  private readonly attributes: Attributes;

  constructor(meter: Meter, id: string, cardinality: () => number) {
    this.attributes = { processor: id };
    this.sizeTrigger = meter.createCounter('otelcol_processor_batch_batch_size_trigger_send', {
      description: 'Number of times the batch was sent due to a size trigger',
      unit: '{times}',
    });
    this.timeoutTrigger = meter.createCounter('otelcol_processor_batch_timeout_trigger_send', {
      description: 'Number of times the batch was sent due to a timeout trigger',
      unit: '{times}',
    });
    this.sendSize = meter.createHistogram('otelcol_processor_batch_batch_send_size', {
      description: 'Number of units in the batch',
      unit: '{units}',
      advice: { explicitBucketBoundaries: SEND_SIZE_BUCKETS },
    });
    meter
      .createObservableUpDownCounter('otelcol_processor_batch_metadata_cardinality', {
        description: 'Number of distinct metadata value combinations being processed',
        unit: '{combinations}',
      })
      .addCallback((r) => r.observe(cardinality(), this.attributes));
  }

  sent(items: number, trigger: Trigger): void {
    this.sendSize.record(items, this.attributes);
    if (trigger === 'size') this.sizeTrigger.add(1, this.attributes);
    else if (trigger === 'timeout') this.timeoutTrigger.add(1, this.attributes);
  }
}
