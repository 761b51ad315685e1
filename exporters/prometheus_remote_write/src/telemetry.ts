// The contrib exporter's own metrics, under its names, plus a count of dropped points.
import type { Attributes, Counter, Meter } from '@opentelemetry/api';

const PREFIX = 'otelcol_exporter_prometheusremotewrite_';

export class RemoteWriteTelemetry {
  private readonly attributes: Attributes;
  private readonly failedTranslations: Counter;
  private readonly translatedTimeSeries: Counter;
  private readonly droppedDataPoints: Counter;
  private readonly sentBatches: Counter;
  private readonly writtenSamples: Counter;
  private readonly writtenHistograms: Counter;
  private readonly writtenExemplars: Counter;
  private readonly consumers;

  constructor(meter: Meter, exporterId: string) {
    this.attributes = { exporter: exporterId };
    const counter = (name: string, description: string, unit: string) =>
      meter.createCounter(PREFIX + name, { description, unit });
    this.failedTranslations = counter(
      'failed_translations',
      'Number of translation operations that failed to translate metrics from Otel to Prometheus',
      '1',
    );
    this.translatedTimeSeries = counter(
      'translated_time_series',
      'Number of Prometheus time series that were translated from OTel metrics',
      '1',
    );
    this.droppedDataPoints = counter(
      'dropped_data_points',
      'Number of OTel data points that Prometheus cannot take (delta temporality, unsupported scale or name) and were dropped',
      '{datapoint}',
    );
    this.sentBatches = counter(
      'sent_batches',
      'Number of remote write request batches sent to the remote write endpoint regardless of success or failure',
      '{batch}',
    );
    this.writtenSamples = counter(
      'written_samples',
      'Number of Prometheus Samples that were successfully written to the remote write endpoint',
      '{sample}',
    );
    this.writtenHistograms = counter(
      'written_histograms',
      'Number of Prometheus Histograms that were successfully written to the remote write endpoint',
      '{histogram}',
    );
    this.writtenExemplars = counter(
      'written_exemplars',
      'Number of Prometheus Exemplars that were successfully written to the remote write endpoint',
      '{exemplar}',
    );
    this.consumers = meter.createUpDownCounter(PREFIX + 'consumers', {
      description: 'Number of configured workers to use to fan out the outgoing requests',
      unit: '{consumer}',
    });
  }

  translated(series: number, failed: boolean, droppedPoints: number): void {
    this.translatedTimeSeries.add(series, this.attributes);
    if (failed) this.failedTranslations.add(1, this.attributes);
    if (droppedPoints > 0) this.droppedDataPoints.add(droppedPoints, this.attributes);
  }

  sent(ok: boolean, counts: { samples: number; histograms: number; exemplars: number }): void {
    this.sentBatches.add(1, this.attributes);
    if (!ok) return;
    this.writtenSamples.add(counts.samples, this.attributes);
    this.writtenHistograms.add(counts.histograms, this.attributes);
    this.writtenExemplars.add(counts.exemplars, this.attributes);
  }

  consumersStarted(n: number): void {
    this.consumers.add(n, this.attributes);
  }
}
