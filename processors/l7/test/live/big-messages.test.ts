// Messages larger than what eBPF keeps of a syscall, live, for the protocols whose bodies the
// parser skips: an AMQP publish of a 70,000-byte body and its get (amqp-tools against
// rabbitmq-server), a NATS PUB of 64 KiB (nats-server), a memcached set of 64 KiB then get, and a
// DNS-over-TCP answer of 120 records (dig against dnsmasq). Each is reported from the head the
// capture kept, marked truncated, on both ends, and the connection's next message parses.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startDnsmasq, startMemcached, startNats, startRabbitmq } from '@flowtel/testkit';
import {
  AMQP_BODY,
  DNS_RECORDS,
  MEMCACHED_VALUE,
  NATS_PAYLOAD,
  amqpPublishAndGet,
  digBothOverTcp,
  memcachedBigValue,
  natsPublish,
  scripted,
} from './big-messages.ts';
import { CAPTURED, HEAD } from './big-requests.ts';
import { SpanKind, skipUnlessLive, spansOf, startCapture, type LiveSpan } from './capture.ts';

const RESPONSE_CAPTURED = 'flowtel.l7.response.captured_bytes';

/** A span read from a head: fewer bytes captured than the message had. */
function assertHead(span: LiveSpan | undefined, attribute: string, bigger: number, what: string): void {
  assert.ok(span, `${what}: found`);
  const captured = Number(span.attributes[attribute]);
  assert.ok(captured > 0 && captured < bigger, `${what}: read from its head (${attribute} = ${captured})`);
}

test('memcached: set of a 64 KiB value, then get it and a miss on the same connection, on both ends', async (t) => {
  if (skipUnlessLive(t, ['memcached'])) return;
  const server = await startMemcached();
  t.after(() => server.stop());
  const capture = await startCapture(t, [server.port]);

  await memcachedBigValue(server.port);

  const ends = [
    ['node', SpanKind.CLIENT],
    ['memcached', SpanKind.SERVER],
  ] as const;
  const ops = (side: LiveSpan[], op: string) => side.filter((s) => s.attributes['db.operation.name'] === op);
  const spans = await capture.waitForSpans('the set and both gets on both ends', (all) =>
    ends.every(([service, kind]) => {
      const side = spansOf(all, service, kind);
      return ops(side, 'set').length === 1 && ops(side, 'get').length === 2;
    })
      ? all
      : undefined,
  );
  for (const [service, kind] of ends) {
    const side = spansOf(spans, service, kind);
    const [set] = ops(side, 'set');
    assertHead(set, CAPTURED, MEMCACHED_VALUE, `${service}: set`);
    assert.equal(set.status.code ?? 0, 0, `${service}: set answered STORED`);
    const gets = ops(side, 'get');
    const hit = gets.find((s) => s.attributes[RESPONSE_CAPTURED] !== undefined);
    assertHead(hit, RESPONSE_CAPTURED, MEMCACHED_VALUE, `${service}: the get's VALUE reply`);
    assert.equal(hit!.attributes[CAPTURED], undefined, `${service}: the get itself was whole`);
    const miss = gets.find((s) => s !== hit)!;
    assert.equal(miss.attributes[CAPTURED], undefined, `${service}: the next command parses whole`);
    for (const get of gets) assert.equal(get.status.code ?? 0, 0);
  }
  // node writes the set in one send: the capture kept its first KiB
  assert.equal(ops(spansOf(spans, 'node', SpanKind.CLIENT), 'set')[0].attributes[CAPTURED], HEAD);
  assert.equal(await capture.collector.stop(), 0);
});

test('nats-server: a PUB of 64 KiB, then a small PUB and PING on the same connection; the subscriber gets both', async (t) => {
  if (skipUnlessLive(t, ['nats-server'])) return;
  const server = await startNats();
  t.after(() => server.stop());
  const capture = await startCapture(t, [server.port]);

  const subscriber = scripted(server.port, [
    ['CONNECT {"verbose":false}\r\nSUB big.subject 1\r\nSUB small.subject 2\r\nPING\r\n', 'PONG\r\n$'],
    ['', `MSG small\\.subject 2 5\\r\\nafter\\r\\n$`],
  ]);
  // publish once the broker has the subscriptions: the subscriber's PING is answered after them
  await capture.waitForSpans('the subscriptions', (all) =>
    all.some((s) => s.service === 'node' && s.name.startsWith('PING')),
  );
  await natsPublish(server.port);
  const received = await subscriber;
  assert.equal(received.code, 0, received.stderr.toString());
  const [, delivered] = JSON.parse(received.stdout.toString());
  const bigMsg = `MSG big.subject 1 ${NATS_PAYLOAD}\r\n${'n'.repeat(NATS_PAYLOAD)}\r\n`;
  // nats-server pings a client on its own 2 s after it connects (its first RTT measurement), so
  // on a slow run a PING may come between the messages; the rest is both messages, whole
  const extra = delivered - (bigMsg.length + 'MSG small.subject 2 5\r\nafter\r\n'.length);
  assert.ok(
    extra === 0 || extra === 'PING\r\n'.length,
    `both messages delivered, and at most a PING beside them: ${extra} bytes more`,
  );

  const pubs = (side: LiveSpan[], subject: string) =>
    side.filter((s) => s.attributes['messaging.destination.name'] === subject && s.name.startsWith('PUB'));
  const spans = await capture.waitForSpans('both PUBs on both ends, the big MSG delivered', (all) => {
    const ends = [spansOf(all, 'node', SpanKind.PRODUCER), spansOf(all, 'nats-server', SpanKind.CONSUMER)];
    return ends.every((side) => pubs(side, 'big.subject').length && pubs(side, 'small.subject').length) &&
      all.some((s) => s.service === 'nats-server' && s.name.startsWith('MSG big.subject'))
      ? all
      : undefined;
  });
  for (const [service, kind] of [
    ['node', SpanKind.PRODUCER],
    ['nats-server', SpanKind.CONSUMER],
  ] as const) {
    const side = spansOf(spans, service, kind);
    const [big] = pubs(side, 'big.subject');
    assertHead(big, CAPTURED, NATS_PAYLOAD, `${service}: the big PUB`);
    assert.equal(big.attributes['messaging.message.body.size'], NATS_PAYLOAD, `${service}: its size from the head`);
    const [small] = pubs(side, 'small.subject');
    assert.equal(small.attributes[CAPTURED], undefined, `${service}: the next PUB parses whole`);
    assert.equal(small.attributes['messaging.message.body.size'], 5);
  }
  assert.equal(pubs(spansOf(spans, 'node', SpanKind.PRODUCER), 'big.subject')[0].attributes[CAPTURED], HEAD);
  // the broker writes the delivery at once: it too is read from its head
  const delivery = spans.find((s) => s.service === 'nats-server' && s.name.startsWith('MSG big.subject'));
  assertHead(delivery, CAPTURED, NATS_PAYLOAD, 'nats-server: the big MSG to the subscriber');
  assert.equal(await capture.collector.stop(), 0);
});

test('rabbitmq-server: amqp-publish of a 70,000-byte body and amqp-get of it, on both ends, then the Close parses', async (t) => {
  if (skipUnlessLive(t, ['amqp-publish', 'amqp-get', 'amqp-declare-queue'])) return;
  const rabbitmq = await startRabbitmq();
  t.after(() => rabbitmq.stop());
  const capture = await startCapture(t, [rabbitmq.port]);

  await amqpPublishAndGet(rabbitmq.port);

  // a span is named after its request's method (and destination): its attributes hold the answer's
  const named = (side: LiveSpan[], method: string) =>
    side.find((s) => s.name === method || s.name.startsWith(`${method} `));
  const serverSide = (all: LiveSpan[]) => all.filter((s) => s.kind === SpanKind.CONSUMER);
  const spans = await capture.waitForSpans('publish, get and the closes on both ends', (all) => {
    const publisher = spansOf(all, 'amqp-publish', SpanKind.PRODUCER);
    const getter = spansOf(all, 'amqp-get', SpanKind.PRODUCER);
    const broker = serverSide(all);
    return named(publisher, 'Basic.Publish') &&
      named(publisher, 'Connection.Close') &&
      named(getter, 'Basic.Get') &&
      named(getter, 'Connection.Close') &&
      broker.filter((s) => s.name === 'Connection.Close').length >= 3 &&
      named(broker, 'Basic.Publish') &&
      named(broker, 'Basic.Get')
      ? all
      : undefined;
  });
  const publisher = spansOf(spans, 'amqp-publish', SpanKind.PRODUCER);
  const getter = spansOf(spans, 'amqp-get', SpanKind.PRODUCER);
  const broker = serverSide(spans);
  for (const [side, end] of [
    [publisher, 'amqp-publish'],
    [broker, 'the broker'],
  ] as const) {
    const publish = named(side, 'Basic.Publish');
    assertHead(publish, CAPTURED, AMQP_BODY, `${end}: Basic.Publish`);
    assert.equal(publish!.attributes['messaging.destination.name'], undefined, 'the default exchange');
    assert.equal(publish!.attributes['messaging.rabbitmq.destination.routing_key'], 'big');
  }
  for (const [side, end] of [
    [getter, 'amqp-get'],
    [broker, 'the broker'],
  ] as const) {
    const get = named(side, 'Basic.Get')!;
    assert.equal(get.attributes['messaging.destination.name'], 'big', `${end}: Basic.Get`);
    assertHead(get, RESPONSE_CAPTURED, AMQP_BODY, `${end}: its GetOk with the body`);
    assert.equal(get.status.code ?? 0, 0);
  }
  // after the big content, each client's Close is answered by CloseOk on both ends
  for (const side of [publisher, getter, broker]) {
    const close = named(side, 'Connection.Close')!;
    assert.equal(close.attributes[CAPTURED], undefined);
    assert.equal(close.status.code ?? 0, 0);
  }
  assert.equal(await capture.collector.stop(), 0);
});

test('dnsmasq: a DNS-over-TCP answer of 120 records, larger than the head, then the next query on the connection', async (t) => {
  if (skipUnlessLive(t, ['dnsmasq', 'dig'])) return;
  const dns = await startDnsmasq(DNS_RECORDS);
  t.after(() => dns.stop());
  const capture = await startCapture(t, [dns.port]);

  await digBothOverTcp(dns.port);

  const ends = [
    ['dig', SpanKind.CLIENT],
    ['dnsmasq', SpanKind.SERVER],
  ] as const;
  const asked = (side: LiveSpan[], name: string) => side.find((s) => s.attributes['dns.question.name'] === name);
  const spans = await capture.waitForSpans('both questions on both ends', (all) =>
    ends.every(
      ([service, kind]) =>
        asked(spansOf(all, service, kind), 'many.flowtel.test') &&
        asked(spansOf(all, service, kind), 'one.flowtel.test'),
    )
      ? all
      : undefined,
  );
  for (const [service, kind] of ends) {
    const side = spansOf(spans, service, kind);
    const big = asked(side, 'many.flowtel.test')!;
    assertHead(big, RESPONSE_CAPTURED, 120 * 16, `${service}: the 120-record answer`);
    assert.equal(big.attributes['network.transport'], 'tcp');
    assert.equal(big.status.code ?? 0, 0);
    const next = asked(side, 'one.flowtel.test')!;
    assert.equal(next.attributes[RESPONSE_CAPTURED], undefined, `${service}: the next answer parses whole`);
    assert.equal(next.status.code ?? 0, 0);
  }
  assert.equal(await capture.collector.stop(), 0);
});
