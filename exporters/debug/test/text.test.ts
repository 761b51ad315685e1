import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Direction, L4Protocol, SocketEventBatch, SocketEventKind, SocketRole, valueAsString } from '@flowtel/pdata';
import {
  logsDetailed,
  logsNormal,
  metricsDetailed,
  metricsNormal,
  socketDetailed,
  socketNormal,
  tracesDetailed,
  tracesNormal,
} from '../src/index.ts';
import { goTimestamp, goV, severityName } from '../src/text/go-format.ts';
import { allMetricTypes, oneLog, twoSpans } from './fixtures.ts';

test('detailed traces follow otelcol’s otlptext layout', () => {
  assert.equal(
    tracesDetailed(twoSpans()),
    `ResourceSpans #0
Resource SchemaURL: https://opentelemetry.io/schemas/1.4.0
Resource attributes:
     -> service.name: Str(checkout)
ScopeSpans #0
ScopeSpans SchemaURL: 
InstrumentationScope telemetrygen 1.2
Span #0
    Trace ID       : 0102030405060708090a0b0c0d0e0f10
    Parent ID      : 
    ID             : 1112131415161718
    Name           : okey-dokey
    Kind           : Server
    TraceState     : ot=th:0
    Start time     : 2020-02-11 20:26:12.000000321 +0000 UTC
    End time       : 2020-02-11 20:26:13.000000789 +0000 UTC
    Status code    : Error
    Status message : boom
    DroppedAttributesCount: 1
    DroppedEventsCount: 0
    DroppedLinksCount: 0
Attributes:
     -> net.peer.ip: Str(1.2.3.4)
     -> retries: Int(3)
Events:
SpanEvent #0
     -> Name: retry
     -> Timestamp: 2020-02-11 20:26:13.000000789 +0000 UTC
     -> DroppedAttributesCount: 0
     -> Attributes::
          -> attempt: Int(2)
Span #1
    Trace ID       : 0102030405060708090a0b0c0d0e0f10
    Parent ID      : 1112131415161718
    ID             : 0101010101010101
    Name           : lets-go
    Kind           : Client
    Start time     : 2020-02-11 20:26:12.000000321 +0000 UTC
    End time       : 2020-02-11 20:26:12.000000321 +0000 UTC
    Status code    : Unset
    Status message : 
    DroppedAttributesCount: 0
    DroppedEventsCount: 0
    DroppedLinksCount: 0
Links:
SpanLink #0
     -> Trace ID: 0102030405060708090a0b0c0d0e0f10
     -> ID: 1112131415161718
     -> TraceState: 
     -> DroppedAttributesCount: 4
`,
  );
});

test('detailed logs: Go value rendering, zero time, empty ids', () => {
  assert.equal(
    logsDetailed(oneLog()),
    `ResourceLog #0
Resource SchemaURL: 
Resource attributes:
     -> host.name: Str(web-1)
ScopeLogs #0
ScopeLogs SchemaURL: 
InstrumentationScope app 
LogRecord #0
ObservedTimestamp: 1970-01-01 00:00:00 +0000 UTC
Timestamp: 2020-02-11 20:26:13.000000789 +0000 UTC
SeverityText: Info
SeverityNumber: Info(9)
Body: Map({"a":1,"html":"\\u003cb\\u003e","z":"last"})
Attributes:
     -> app: Str(server)
     -> instance_num: Int(1)
     -> ratio: Double(0.5)
Trace ID: 0102030405060708090a0b0c0d0e0f10
Span ID: 
Flags: 0
`,
  );
});

test('detailed metrics: every data point type', () => {
  const text = metricsDetailed(allMetricTypes());
  const expected = [
    'ResourceMetrics #0',
    'Resource SchemaURL: ',
    'Resource attributes:',
    '     -> resource-attr: Str(resource-attr-val-1)',
    'ScopeMetrics #0',
    'ScopeMetrics SchemaURL: ',
    'InstrumentationScope  ',
    'Metric #0',
    'Descriptor:',
    '     -> Name: gauge-int',
    '     -> Description: ',
    '     -> Unit: 1',
    '     -> DataType: Gauge',
    'NumberDataPoints #0',
    'Data point attributes:',
    '     -> label-1: Str(label-value-1)',
    'StartTimestamp: 2020-02-11 20:26:12.000000321 +0000 UTC',
    'Timestamp: 2020-02-11 20:26:13.000000789 +0000 UTC',
    'Value: 123',
    'Metric #1',
    'Descriptor:',
    '     -> Name: sum-double',
    '     -> Description: a sum',
    '     -> Unit: s',
    '     -> DataType: Sum',
    '     -> IsMonotonic: true',
    '     -> AggregationTemporality: Cumulative',
    'NumberDataPoints #0',
    'StartTimestamp: 2020-02-11 20:26:12.000000321 +0000 UTC',
    'Timestamp: 2020-02-11 20:26:13.000000789 +0000 UTC',
    'Value: 1.230000',
    'Metric #2',
    'Descriptor:',
    '     -> Name: histogram',
    '     -> Description: ',
    '     -> Unit: 1',
    '     -> DataType: Histogram',
    '     -> AggregationTemporality: Cumulative',
    'HistogramDataPoints #0',
    'Data point attributes:',
    '     -> label-2: Str(label-value-2)',
    'StartTimestamp: 2020-02-11 20:26:12.000000321 +0000 UTC',
    'Timestamp: 2020-02-11 20:26:13.000000789 +0000 UTC',
    'Count: 1',
    'Sum: 15.000000',
    'Min: 15.000000',
    'Max: 15.000000',
    'ExplicitBounds #0: 1.000000',
    'Buckets #0, Count: 0',
    'Buckets #1, Count: 1',
    'Exemplars:',
    'Exemplar #0',
    '     -> Trace ID: 0102030405060708090a0b0c0d0e0f10',
    '     -> Span ID: 1112131415161718',
    '     -> Timestamp: 2020-02-11 20:26:13.000000789 +0000 UTC',
    '     -> Value: 15.000000',
    '     -> FilteredAttributes:',
    '          -> exemplar-attachment: Str(x)',
    'Metric #3',
    'Descriptor:',
    '     -> Name: exponential-histogram',
    '     -> Description: ',
    '     -> Unit: 1',
    '     -> DataType: ExponentialHistogram',
    '     -> AggregationTemporality: Delta',
    'ExponentialHistogramDataPoints #0',
    'StartTimestamp: 2020-02-11 20:26:12.000000321 +0000 UTC',
    'Timestamp: 2020-02-11 20:26:13.000000789 +0000 UTC',
    'Count: 5',
    'Sum: 0.150000',
    'Bucket [-1.414214, -1.000000), Count: 1',
    'Bucket [-1.000000, -0.707107), Count: 1',
    'Bucket [0, 0], Count: 1',
    'Bucket (1.414214, 2.000000], Count: 1',
    'Bucket (2.000000, 2.828427], Count: 1',
    'Metric #4',
    'Descriptor:',
    '     -> Name: summary',
    '     -> Description: ',
    '     -> Unit: 1',
    '     -> DataType: Summary',
    'SummaryDataPoints #0',
    'StartTimestamp: 2020-02-11 20:26:12.000000321 +0000 UTC',
    'Timestamp: 2020-02-11 20:26:13.000000789 +0000 UTC',
    'Count: 1',
    'Sum: 15.000000',
    'QuantileValue #0: Quantile 0.010000, Value 15.000000',
  ];
  assert.deepEqual(text.split('\n'), [...expected, '']);
});

test('normal verbosity: one line per span, log record and data point', () => {
  assert.equal(
    tracesNormal(twoSpans()),
    'ResourceTraces #0 [https://opentelemetry.io/schemas/1.4.0] service.name=checkout\n' +
      'ScopeTraces #0 telemetrygen@1.2\n' +
      'okey-dokey 0102030405060708090a0b0c0d0e0f10 1112131415161718 net.peer.ip=1.2.3.4 retries=3\n' +
      'lets-go 0102030405060708090a0b0c0d0e0f10 0101010101010101\n',
  );
  assert.equal(
    logsNormal(oneLog()),
    'ResourceLog #0 host.name=web-1\nScopeLog #0 app\n{"a":1,"html":"\\u003cb\\u003e","z":"last"} app=server instance_num=1 ratio=0.5\n',
  );
  assert.deepEqual(metricsNormal(allMetricTypes()).split('\n'), [
    'ResourceMetrics #0 resource-attr=resource-attr-val-1',
    'ScopeMetrics #0',
    'gauge-int{label-1=label-value-1} 123',
    'sum-double{} 1.23',
    'histogram{label-2=label-value-2} count=1 sum=15 min=15 max=15 le1=0 1',
    'exponential-histogram{} count=5 sum=0.15',
    'summary{} count=1 sum=15.000000 q0.01=15',
    '',
  ]);
});

test('socket events: one line per event, and a field list with a hex dump in detail', () => {
  const payload = Buffer.from('GET /index.html HTTP/1.1\r\nHost: example\r\n\r\n');
  const sent = {
    kind: SocketEventKind.DATA,
    timestampNs: 123456789n,
    pid: 4242,
    tid: 4243,
    comm: 'curl',
    fd: 5,
    socketId: 77n,
    l4Protocol: L4Protocol.TCP,
    role: SocketRole.CLIENT,
    direction: Direction.EGRESS,
    localAddr: '10.0.0.1',
    localPort: 50000,
    remoteAddr: '10.0.0.2',
    remotePort: 80,
    byteCount: payload.length + 100,
    payload,
  };
  const received = {
    ...sent,
    timestampNs: 123456999n,
    direction: Direction.INGRESS,
    localAddr: '::1',
    remoteAddr: '::1',
    byteCount: 0,
    payload: new Uint8Array(0),
  };
  const batch = SocketEventBatch.from('ebpf', [sent, received]);
  assert.equal(
    socketNormal(batch),
    'curl pid=4242 tid=4243 fd=5 client egress TCP 10.0.0.1:50000 -> 10.0.0.2:80 data bytes=143\n' +
      'curl pid=4242 tid=4243 fd=5 client ingress TCP [::1]:80 -> [::1]:50000 data bytes=0\n',
  );
  const detailed = socketDetailed(batch).split('\n');
  assert.equal(detailed[0], 'SocketEvents source=ebpf');
  assert.ok(detailed.includes('    Comm           : curl'));
  assert.ok(detailed.includes('    Remote         : 10.0.0.2:80'));
  assert.ok(detailed.includes('Payload (43 of 143 bytes captured):'));
  assert.ok(detailed.includes('00000000  47 45 54 20 2f 69 6e 64  65 78 2e 68 74 6d 6c 20  |GET /index.html |'));
  assert.ok(detailed.includes('00000020  65 78 61 6d 70 6c 65 0d  0a 0d 0a' + ' '.repeat(15) + '  |example....|'));
  assert.ok(detailed.includes('SocketEvent #1'));
});

test('Go number, time and severity formatting', () => {
  assert.equal(goTimestamp(0n), '1970-01-01 00:00:00 +0000 UTC');
  assert.equal(goTimestamp(1_500_000_000n), '1970-01-01 00:00:01.5 +0000 UTC');
  assert.equal(goV(1.5), '1.5');
  assert.equal(goV(123456), '123456');
  assert.equal(goV(1e6), '1e+06');
  assert.equal(goV(0.00001), '1e-05');
  assert.equal(goV(Infinity), '+Inf');
  assert.equal(severityName(0), 'Unspecified');
  assert.equal(severityName(10), 'Info2');
  assert.equal(severityName(24), 'Fatal4');
  assert.equal(valueAsString({ doubleValue: 1e-7 }), '1e-7');
  assert.equal(valueAsString({ bytesValue: Uint8Array.from([1, 2, 3]) }), 'AQID');
  assert.equal(valueAsString({ arrayValue: { values: [{ intValue: 1n }, { stringValue: 'x' }, {}] } }), '[1,"x",null]');
});
