// The fan-out rule of otelcol's fanoutconsumer on flowtel's data: who shares, who gets a copy,
// and that pass-through requests keep their bytes on every branch.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  SocketEventBatch,
  attr,
  decodeTracesPassThrough,
  encodeTraces,
  isReadOnly,
  newResource,
  newScope,
  newSpan,
  passThroughBytes,
  type Traces,
} from '@flowtel/pdata';
import type { BatchInput } from '../src/index.ts';
import { fanOut, fanOutMutates } from '../src/fanout.ts';

const decoded = (): Traces => ({
  resourceSpans: [
    {
      resource: newResource([attr('service.name', 'svc')]),
      schemaUrl: '',
      scopeSpans: [{ scope: newScope('t'), schemaUrl: '', spans: [newSpan({ name: 'a' })] }],
    },
  ],
});
const request = encodeTraces(decoded());
const passThrough = (): BatchInput => ({ signal: 'traces', data: decodeTracesPassThrough(request), items: 1 });
const spanName = (b: BatchInput) => (b.data as Traces).resourceSpans[0].scopeSpans[0].spans[0].name;

test('read-only consumers share one batch, marked read-only; a look by one keeps the bytes for the others', () => {
  const input = passThrough();
  const [a, b] = fanOut(input, [false, false]);
  assert.equal(a, input);
  assert.equal(b, input);
  assert.equal(isReadOnly(input.data), true);
  assert.equal(spanName(a), 'a', 'one reader decodes it');
  assert.equal(passThroughBytes(b.data), request, 'the other still sends the client bytes');
});

test('a consumer that changes data gets a copy of the request entry beside readers: same bytes, its own model', () => {
  const input = passThrough();
  const [reader, writer] = fanOut(input, [false, true]);
  assert.equal(reader, input);
  assert.notEqual(writer.data, input.data);
  assert.equal(passThroughBytes(writer.data), request, 'the copy is the same bytes, not a decode');
  assert.equal(passThroughBytes(reader.data), request);
  (writer.data as Traces).resourceSpans[0].scopeSpans[0].spans[0].name = 'changed';
  assert.equal(spanName(reader), 'a', "the writer's change stays in its copy");
  assert.equal(isReadOnly(input.data), false, 'a single reader is not marked');
});

test('writers only: all but the last get copies, the last the original; shared data is copied for every writer', () => {
  const input: BatchInput = { signal: 'traces', data: decoded(), items: 1 };
  const [first, last] = fanOut(input, [true, true]);
  assert.equal(last, input);
  assert.notEqual(first.data, input.data);
  (first.data as Traces).resourceSpans[0].scopeSpans[0].spans[0].name = 'first';
  assert.equal(spanName(last), 'a', 'decoded data is deep-copied');
  assert.equal(fanOutMutates([true, true]), true);
  assert.equal(
    fanOutMutates([true, false]),
    false,
    'with a reader among them, the writers get copies: the set does not change its input',
  );

  const shared = passThrough();
  fanOut(shared, [false, false]);
  const [only] = fanOut(shared, [true]);
  assert.notEqual(
    only.data,
    shared.data,
    'read-only data reaching a writer is copied even when it is the only consumer',
  );
});

test('socket events are shared by everyone', () => {
  const input: BatchInput = { signal: 'socket', data: new SocketEventBatch('t'), items: 0 };
  assert.deepEqual(
    fanOut(input, [true, false, true]).map((b) => b === input),
    [true, true, true],
  );
});
