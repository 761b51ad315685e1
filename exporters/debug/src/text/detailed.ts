// verbosity: detailed, laid out as otelcol's otlptext marshalers write it.
import type {
  Exemplar,
  ExponentialHistogramDataPoint,
  HistogramDataPoint,
  Logs,
  Metric,
  Metrics,
  NumberDataPoint,
  Profiles,
  ProfilesDictionary,
  ProfileSample,
  SummaryDataPoint,
  Traces,
} from '@flowtel/pdata';
import { valueAsString } from '@flowtel/pdata';
import { TextBuffer } from './buffer.ts';
import {
  goF,
  goId,
  goTimestamp,
  severityName,
  spanKindName,
  statusCodeName,
  temporalityName,
  valueToString,
} from './go-format.ts';

export function tracesDetailed(traces: Traces): string {
  const b = new TextBuffer();
  traces.resourceSpans.forEach((rs, i) => {
    b.entry(`ResourceSpans #${i}`);
    b.entry(`Resource SchemaURL: ${rs.schemaUrl}`);
    b.resource(rs.resource);
    rs.scopeSpans.forEach((ss, j) => {
      b.entry(`ScopeSpans #${j}`);
      b.entry(`ScopeSpans SchemaURL: ${ss.schemaUrl}`);
      b.scope(ss.scope);
      ss.spans.forEach((span, k) => {
        b.entry(`Span #${k}`);
        b.field('Trace ID', goId(span.traceId));
        b.field('Parent ID', goId(span.parentSpanId));
        b.field('ID', goId(span.spanId));
        b.field('Name', span.name);
        b.field('Kind', spanKindName(span.kind));
        if (span.traceState) b.field('TraceState', span.traceState);
        b.field('Start time', goTimestamp(span.startTimeUnixNano));
        b.field('End time', goTimestamp(span.endTimeUnixNano));
        b.field('Status code', statusCodeName(span.status.code));
        b.field('Status message', span.status.message);
        b.field('DroppedAttributesCount', span.droppedAttributesCount);
        b.field('DroppedEventsCount', span.droppedEventsCount);
        b.field('DroppedLinksCount', span.droppedLinksCount);
        b.attributes('Attributes', span.attributes);
        if (span.events.length > 0) b.entry('Events:');
        span.events.forEach((e, n) => {
          b.entry(`SpanEvent #${n}`);
          b.entry(`     -> Name: ${e.name}`);
          b.entry(`     -> Timestamp: ${goTimestamp(e.timeUnixNano)}`);
          b.entry(`     -> DroppedAttributesCount: ${e.droppedAttributesCount}`);
          b.attributes('     -> Attributes:', e.attributes);
        });
        if (span.links.length > 0) b.entry('Links:');
        span.links.forEach((l, n) => {
          b.entry(`SpanLink #${n}`);
          b.entry(`     -> Trace ID: ${goId(l.traceId)}`);
          b.entry(`     -> ID: ${goId(l.spanId)}`);
          b.entry(`     -> TraceState: ${l.traceState}`);
          b.entry(`     -> DroppedAttributesCount: ${l.droppedAttributesCount}`);
          b.attributes('     -> Attributes:', l.attributes);
        });
      });
    });
  });
  return b.toString();
}

export function logsDetailed(logs: Logs): string {
  const b = new TextBuffer();
  logs.resourceLogs.forEach((rl, i) => {
    b.entry(`ResourceLog #${i}`);
    b.entry(`Resource SchemaURL: ${rl.schemaUrl}`);
    b.resource(rl.resource);
    rl.scopeLogs.forEach((sl, j) => {
      b.entry(`ScopeLogs #${j}`);
      b.entry(`ScopeLogs SchemaURL: ${sl.schemaUrl}`);
      b.scope(sl.scope);
      sl.logRecords.forEach((lr, k) => {
        b.entry(`LogRecord #${k}`);
        b.entry(`ObservedTimestamp: ${goTimestamp(lr.observedTimeUnixNano)}`);
        b.entry(`Timestamp: ${goTimestamp(lr.timeUnixNano)}`);
        b.entry(`SeverityText: ${lr.severityText}`);
        b.entry(`SeverityNumber: ${severityName(lr.severityNumber)}(${lr.severityNumber})`);
        if (lr.eventName) b.entry(`EventName: ${lr.eventName}`);
        b.entry(`Body: ${valueToString(lr.body)}`);
        b.attributes('Attributes', lr.attributes);
        b.entry(`Trace ID: ${goId(lr.traceId)}`);
        b.entry(`Span ID: ${goId(lr.spanId)}`);
        b.entry(`Flags: ${lr.flags}`);
      });
    });
  });
  return b.toString();
}

/** Go's %d of a slice: "[1 2 3]". */
const goInts = (values: readonly (number | bigint)[]): string => `[${values.join(' ')}]`;

export function profilesDetailed(profiles: Profiles): string {
  const b = new TextBuffer();
  const d = profiles.dictionary;
  d.mappingTable.forEach((m, i) => {
    b.entry(`Mapping #${i}`);
    b.entry(`    Memory start: ${m.memoryStart}`);
    b.entry(`    Memory limit: ${m.memoryLimit}`);
    b.entry(`    File offset: ${m.fileOffset}`);
    b.entry(`    File name: ${m.filenameStrindex}`);
    b.entry(`    Attributes: ${goInts(m.attributeIndices)}`);
  });
  d.locationTable.forEach((l, i) => {
    b.entry(`Location #${i}`);
    b.entry(`    Mapping index: ${l.mappingIndex}`);
    b.entry(`    Address: ${l.address}`);
    l.lines.forEach((line, j) => {
      b.entry(`    Line #${j}`);
      b.entry(`        Function index: ${line.functionIndex}`);
      b.entry(`        Line: ${line.line}`);
      b.entry(`        Column: ${line.column}`);
    });
    b.entry(`    Attributes: ${goInts(l.attributeIndices)}`);
  });
  d.functionTable.forEach((f, i) => {
    b.entry(`Function #${i}`);
    b.entry(`    Name: ${f.nameStrindex}`);
    b.entry(`    System name: ${f.systemNameStrindex}`);
    b.entry(`    Filename: ${f.filenameStrindex}`);
    b.entry(`    Start line: ${f.startLine}`);
  });
  // otelcol puts every entry under the same three keys of one map, so the last entry is what shows
  const lastAttribute = d.attributeTable.at(-1);
  if (lastAttribute)
    b.attributes('Attribute table', [
      { key: 'Key', value: { intValue: BigInt(lastAttribute.keyStrindex) } },
      { key: 'Value', value: { stringValue: valueAsString(lastAttribute.value) } },
      { key: 'unit', value: { intValue: BigInt(lastAttribute.unitStrindex) } },
    ]);
  const lastLink = d.linkTable.at(-1);
  if (lastLink)
    b.attributes('Link table', [
      { key: 'Trace ID', value: { stringValue: goId(lastLink.traceId) } },
      { key: 'Span ID', value: { stringValue: goId(lastLink.spanId) } },
    ]);
  if (d.stringTable.length > 0) {
    b.entry('String table:');
    for (const s of d.stringTable) b.entry(`    ${s}`);
  }
  profiles.resourceProfiles.forEach((rp, i) => {
    b.entry(`ResourceProfiles #${i}`);
    b.entry(`Resource SchemaURL: ${rp.schemaUrl}`);
    b.resource(rp.resource);
    rp.scopeProfiles.forEach((sp, j) => {
      b.entry(`ScopeProfiles #${j}`);
      b.entry(`ScopeProfiles SchemaURL: ${sp.schemaUrl}`);
      b.scope(sp.scope);
      sp.profiles.forEach((p, k) => {
        b.entry(`Profile #${k}`);
        b.field('Profile ID', goId(p.profileId));
        b.field('Start time', goTimestamp(p.timeUnixNano));
        b.field('DurationNano', String(p.durationNano));
        b.field('Dropped attributes count', p.droppedAttributesCount);
        p.samples.forEach((s, n) => profileSample(b, d, s, n));
      });
    });
  });
  return b.toString();
}

function profileSample(b: TextBuffer, d: ProfilesDictionary, s: ProfileSample, n: number): void {
  b.entry(`    Sample #${n}`);
  b.entry(`        Values: ${goInts(s.values)}`);
  if (s.attributeIndices.length === 0) return;
  b.entry('        Attributes:');
  for (const ai of s.attributeIndices) {
    const a = d.attributeTable[ai];
    if (a === undefined) {
      b.entry(`             -> [Missing Dictionary AttributeTable Item #${ai}]`);
      continue;
    }
    const key = d.stringTable[a.keyStrindex] ?? `[Missing Dictionary Key String Item #${a.keyStrindex}]`;
    b.entry(`             -> ${key}: ${valueToString(a.value)}`);
  }
}

export function metricsDetailed(metrics: Metrics): string {
  const b = new TextBuffer();
  metrics.resourceMetrics.forEach((rm, i) => {
    b.entry(`ResourceMetrics #${i}`);
    b.entry(`Resource SchemaURL: ${rm.schemaUrl}`);
    b.resource(rm.resource);
    rm.scopeMetrics.forEach((sm, j) => {
      b.entry(`ScopeMetrics #${j}`);
      b.entry(`ScopeMetrics SchemaURL: ${sm.schemaUrl}`);
      b.scope(sm.scope);
      sm.metrics.forEach((m, k) => {
        b.entry(`Metric #${k}`);
        b.entry('Descriptor:');
        b.entry(`     -> Name: ${m.name}`);
        b.entry(`     -> Description: ${m.description}`);
        b.entry(`     -> Unit: ${m.unit}`);
        b.entry(`     -> DataType: ${metricType(m)}`);
        dataPoints(b, m);
      });
    });
  });
  return b.toString();
}

export function metricType(m: Metric): string {
  if (m.gauge) return 'Gauge';
  if (m.sum) return 'Sum';
  if (m.histogram) return 'Histogram';
  if (m.exponentialHistogram) return 'ExponentialHistogram';
  if (m.summary) return 'Summary';
  return 'Empty';
}

function dataPoints(b: TextBuffer, m: Metric): void {
  if (m.gauge) numberPoints(b, m.gauge.dataPoints);
  else if (m.sum) {
    b.entry(`     -> IsMonotonic: ${m.sum.isMonotonic}`);
    b.entry(`     -> AggregationTemporality: ${temporalityName(m.sum.aggregationTemporality)}`);
    numberPoints(b, m.sum.dataPoints);
  } else if (m.histogram) {
    b.entry(`     -> AggregationTemporality: ${temporalityName(m.histogram.aggregationTemporality)}`);
    m.histogram.dataPoints.forEach((p, i) => histogramPoint(b, p, i));
  } else if (m.exponentialHistogram) {
    b.entry(`     -> AggregationTemporality: ${temporalityName(m.exponentialHistogram.aggregationTemporality)}`);
    m.exponentialHistogram.dataPoints.forEach((p, i) => exponentialPoint(b, p, i));
  } else if (m.summary) {
    m.summary.dataPoints.forEach((p, i) => summaryPoint(b, p, i));
  }
}

function pointHeader(
  b: TextBuffer,
  kind: string,
  i: number,
  p: { attributes: NumberDataPoint['attributes']; startTimeUnixNano: bigint; timeUnixNano: bigint },
): void {
  b.entry(`${kind} #${i}`);
  b.attributes('Data point attributes', p.attributes);
  b.entry(`StartTimestamp: ${goTimestamp(p.startTimeUnixNano)}`);
  b.entry(`Timestamp: ${goTimestamp(p.timeUnixNano)}`);
}

function numberPoints(b: TextBuffer, points: NumberDataPoint[]): void {
  points.forEach((p, i) => {
    pointHeader(b, 'NumberDataPoints', i, p);
    if (p.asInt !== undefined) b.entry(`Value: ${p.asInt}`);
    else if (p.asDouble !== undefined) b.entry(`Value: ${goF(p.asDouble)}`);
    exemplars(b, p.exemplars);
  });
}

function sumMinMax(b: TextBuffer, p: { sum?: number; min?: number; max?: number }): void {
  if (p.sum !== undefined) b.entry(`Sum: ${goF(p.sum)}`);
  if (p.min !== undefined) b.entry(`Min: ${goF(p.min)}`);
  if (p.max !== undefined) b.entry(`Max: ${goF(p.max)}`);
}

function histogramPoint(b: TextBuffer, p: HistogramDataPoint, i: number): void {
  pointHeader(b, 'HistogramDataPoints', i, p);
  b.entry(`Count: ${p.count}`);
  sumMinMax(b, p);
  p.explicitBounds.forEach((bound, n) => b.entry(`ExplicitBounds #${n}: ${goF(bound)}`));
  p.bucketCounts.forEach((count, n) => b.entry(`Buckets #${n}, Count: ${count}`));
  exemplars(b, p.exemplars);
}

function exponentialPoint(b: TextBuffer, p: ExponentialHistogramDataPoint, i: number): void {
  pointHeader(b, 'ExponentialHistogramDataPoints', i, p);
  b.entry(`Count: ${p.count}`);
  sumMinMax(b, p);
  const factor = Math.LN2 * 2 ** -p.scale;
  const negative = p.negative.bucketCounts;
  for (let pos = negative.length - 1; pos >= 0; pos--) {
    const index = p.negative.offset + pos;
    b.entry(
      `Bucket [${goF(-Math.exp((index + 1) * factor))}, ${goF(-Math.exp(index * factor))}), Count: ${negative[pos]}`,
    );
  }
  if (p.zeroCount !== 0n) b.entry(`Bucket [0, 0], Count: ${p.zeroCount}`);
  p.positive.bucketCounts.forEach((count, pos) => {
    const index = p.positive.offset + pos;
    b.entry(`Bucket (${goF(Math.exp(index * factor))}, ${goF(Math.exp((index + 1) * factor))}], Count: ${count}`);
  });
  exemplars(b, p.exemplars);
}

function summaryPoint(b: TextBuffer, p: SummaryDataPoint, i: number): void {
  pointHeader(b, 'SummaryDataPoints', i, p);
  b.entry(`Count: ${p.count}`);
  b.entry(`Sum: ${goF(p.sum)}`);
  p.quantileValues.forEach((q, n) =>
    b.entry(`QuantileValue #${n}: Quantile ${goF(q.quantile)}, Value ${goF(q.value)}`),
  );
}

function exemplars(b: TextBuffer, list: Exemplar[]): void {
  if (list.length === 0) return;
  b.entry('Exemplars:');
  list.forEach((e, i) => {
    b.entry(`Exemplar #${i}`);
    b.entry(`     -> Trace ID: ${goId(e.traceId)}`);
    b.entry(`     -> Span ID: ${goId(e.spanId)}`);
    b.entry(`     -> Timestamp: ${goTimestamp(e.timeUnixNano)}`);
    if (e.asInt !== undefined) b.entry(`     -> Value: ${e.asInt}`);
    else if (e.asDouble !== undefined) b.entry(`     -> Value: ${goF(e.asDouble)}`);
    b.attributes('     -> FilteredAttributes', e.filteredAttributes);
  });
}
