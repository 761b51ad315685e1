// DNS on live traffic: dig against dnsmasq, over UDP (dnsmasq answers from an unconnected
// socket, which capture cannot place as client or server) and over TCP.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startDnsmasq } from '@flowtel/testkit';
import { SpanKind, runClient, skipUnlessLive, spansOf, startCapture } from './capture.ts';

test('dig and dnsmasq over UDP and TCP: question name and transport on both ends, linked, no error', async (t) => {
  if (skipUnlessLive(t, ['dnsmasq', 'dig'])) return;
  const dns = await startDnsmasq({ 'svc.flowtel.test': '10.1.2.3', 'tcp.flowtel.test': '10.4.5.6' });
  t.after(() => dns.stop());
  const capture = await startCapture(t, [dns.port]);

  const dig = (...args: string[]) =>
    runClient('dig', ['@127.0.0.1', '-p', String(dns.port), '+tries=1', '+time=2', ...args]);
  const udp = await dig('svc.flowtel.test', 'A');
  assert.match(udp.stdout.toString(), /10\.1\.2\.3/);
  const tcp = await dig('+tcp', 'tcp.flowtel.test', 'A');
  assert.match(tcp.stdout.toString(), /10\.4\.5\.6/);

  const names = ['svc.flowtel.test', 'tcp.flowtel.test'];
  const spans = await capture.waitForSpans('client and server spans for both questions', (all) => {
    const asked = (service: string, kind: number) =>
      names.every((n) => spansOf(all, service, kind).some((s) => s.attributes['dns.question.name'] === n));
    return asked('dig', SpanKind.CLIENT) && asked('dnsmasq', SpanKind.SERVER) ? all : undefined;
  });
  for (const [name, transport] of [
    [names[0], 'udp'],
    [names[1], 'tcp'],
  ]) {
    const client = spansOf(spans, 'dig', SpanKind.CLIENT).find((s) => s.attributes['dns.question.name'] === name)!;
    const server = spansOf(spans, 'dnsmasq', SpanKind.SERVER).find((s) => s.attributes['dns.question.name'] === name)!;
    for (const span of [client, server]) {
      assert.equal(span.attributes['network.transport'], transport, `${name} went over ${transport}`);
      assert.equal(span.name, `A ${name}`);
      assert.equal(span.status.code ?? 0, 0, `${span.service} ${name}: ${JSON.stringify(span.status)}`);
    }
    assert.equal(server.parentSpanId, client.spanId, `dnsmasq's span for ${name} is the child of dig's`);
    assert.equal(server.traceId, client.traceId);
  }
  assert.equal(await capture.collector.stop(), 0);
});
