// MQTT on live traffic: mosquitto_sub and mosquitto_pub (QoS 1) against mosquitto.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import { startMosquitto } from '@flowtel/testkit';
import { SpanKind, runClient, skipUnlessLive, spansOf, startCapture } from './capture.ts';

test('mosquitto_pub and mosquitto_sub: connect, subscribe and publish on the topic, producer and consumer kinds', async (t) => {
  if (skipUnlessLive(t, ['mosquitto', 'mosquitto_pub', 'mosquitto_sub'])) return;
  const broker = await startMosquitto();
  t.after(() => broker.stop());
  const capture = await startCapture(t, [broker.port]);
  const topic = 'flowtel/live/orders';
  const address = ['-h', '127.0.0.1', '-p', String(broker.port)];

  const sub = spawn('mosquitto_sub', [...address, '-t', topic, '-q', '1', '-C', '1', '-i', 'live-sub'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let received = '';
  sub.stdout.on('data', (d) => (received += d));
  const subExited = new Promise((resolve) => sub.on('exit', resolve));
  t.after(() => sub.kill());
  // publish once the broker has the subscription: its SUBACK is in the capture
  await capture.waitForSpans('the subscription', (all) =>
    spansOf(all, 'mosquitto_sub', SpanKind.PRODUCER).find((s) => s.name.startsWith('SUBSCRIBE')),
  );
  const pub = await runClient('mosquitto_pub', [
    ...address,
    '-t',
    topic,
    '-m',
    'order-42',
    '-q',
    '1',
    '-i',
    'live-pub',
  ]);
  assert.equal(pub.code, 0, pub.stderr);
  await subExited;
  assert.equal(received.trim(), 'order-42');

  const spans = await capture.waitForSpans('the publish on both ends', (all) => {
    const published = spansOf(all, 'mosquitto_pub', SpanKind.PRODUCER).find((s) => s.name.startsWith('PUBLISH'));
    return published && all.some((s) => s.parentSpanId === published.spanId) ? all : undefined;
  });
  const publish = spansOf(spans, 'mosquitto_pub', SpanKind.PRODUCER).find((s) => s.name.startsWith('PUBLISH'))!;
  assert.equal(publish.name, `PUBLISH ${topic}`);
  assert.equal(publish.attributes['messaging.system'], 'mqtt');
  assert.equal(publish.attributes['messaging.destination.name'], topic);
  const brokerSide = spans.find((s) => s.parentSpanId === publish.spanId);
  assert.ok(brokerSide, "the broker's span for the publish is the child of mosquitto_pub's");
  assert.equal(brokerSide.service, 'mosquitto');
  assert.equal(brokerSide.kind, SpanKind.CONSUMER);
  assert.equal(brokerSide.attributes['messaging.destination.name'], topic);
  const subscribe = spansOf(spans, 'mosquitto_sub', SpanKind.PRODUCER).find((s) => s.name.startsWith('SUBSCRIBE'))!;
  assert.equal(subscribe.attributes['messaging.destination.name'], topic);
  // mosquitto reads a packet's first byte, then its length, then the rest: the CONNECT is still one
  for (const client of ['mosquitto_pub', 'mosquitto_sub']) {
    const connect = spansOf(spans, client, SpanKind.PRODUCER).find((s) => s.name === 'CONNECT');
    assert.ok(connect, `${client} connected`);
    const accepted = spans.find((s) => s.parentSpanId === connect.spanId);
    assert.equal(accepted?.name, 'CONNECT', "the broker's span of the CONNECT");
    assert.equal(accepted.attributes['messaging.client.id'], client === 'mosquitto_pub' ? 'live-pub' : 'live-sub');
  }
  assert.equal(await capture.collector.stop(), 0);
});
