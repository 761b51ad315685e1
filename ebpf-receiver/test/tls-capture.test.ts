// TLS plaintext at the receiver: curl (libssl through libcurl) against nginx over HTTPS (libssl).
// Each end's SSL_write and SSL_read become DATA events marked tls on the connection's socket,
// with the very bytes each side wrote, and the ciphertext under them is not reported at all:
// both use descriptors, so every syscall of theirs on it happens inside an SSL call.
import assert from 'node:assert/strict';
import { existsSync, realpathSync } from 'node:fs';
import { test } from 'node:test';
import { pino } from 'pino';
import { Direction, SocketEventKind, SocketRole } from '@flowtel/pdata';
import { makeTestCerts, startNginx, testSettings, waitFor } from '@flowtel/testkit';
import { factory, type EbpfReceiver } from '../src/index.ts';
import { collectingReceiver, skipUnlessCapture } from './capture-support.ts';
import { runClient } from './servers.ts';

test('curl and nginx over HTTPS: plaintext on both ends, marked tls, and no ciphertext', async (t) => {
  if (skipUnlessCapture(t)) return;
  const pki = makeTestCerts();
  assert.ok(pki, 'openssl makes the certificates');
  const body = 'the plaintext body\n';
  const nginx = await startNginx({
    files: { 'plain.txt': body },
    tls: { certFile: pki.serverCertFile, keyFile: pki.serverKeyFile },
  });
  t.after(() => nginx.stop());
  const { receiver, events } = collectingReceiver({ filters: { ports: { allow: [nginx.port] } } });
  await receiver.start();
  t.after(() => receiver.shutdown());
  assert.equal(receiver.unavailable, undefined);

  const curl = await runClient('curl', [
    '-sS',
    '--http1.1',
    '--cacert',
    pki.caFile,
    `https://127.0.0.1:${nginx.port}/plain.txt`,
  ]);
  assert.equal(curl.code, 0, curl.stderr);
  assert.equal(curl.stdout.toString(), body);
  const fromCurl = () => events.filter((e) => e.pid === curl.pid);
  await waitFor('curl to close its connection', async () => fromCurl().some((e) => e.kind === SocketEventKind.CLOSE));
  await waitFor('nginx to read the request and write the response', async () =>
    events.some((e) => e.pid !== curl.pid && e.tls && e.direction === Direction.EGRESS),
  );
  await receiver.shutdown();

  const data = events.filter((e) => e.kind === SocketEventKind.DATA);
  assert.ok(data.length >= 4, `two plaintext events on each end, got ${data.length}`);
  for (const e of data) assert.equal(e.tls, true, `every data event is plaintext (${e.comm} ${e.byteCount} bytes)`);
  const text = (role: number, direction: number) =>
    data
      .filter((e) => e.role === role && e.direction === direction)
      .map((e) => Buffer.from(e.payload).toString('latin1'))
      .join('');
  const request = text(SocketRole.CLIENT, Direction.EGRESS);
  assert.match(request, /^GET \/plain\.txt HTTP\/1\.1\r\nHost: 127\.0\.0\.1:\d+\r\n/);
  assert.equal(text(SocketRole.SERVER, Direction.INGRESS), request, 'nginx read what curl wrote');
  const response = text(SocketRole.SERVER, Direction.EGRESS);
  assert.match(response, /^HTTP\/1\.1 200 OK\r\n[\s\S]*\r\n\r\nthe plaintext body\n$/);
  assert.equal(text(SocketRole.CLIENT, Direction.INGRESS), response, 'curl read what nginx wrote');
  // one connection: the plaintext events of each end carry its socket's tuple
  const clientPorts = new Set(data.map((e) => (e.role === SocketRole.CLIENT ? e.localPort : e.remotePort)));
  assert.equal(clientPorts.size, 1);
  assert.equal(receiver.stats().tlsUnbound, 0);
});

test('the files attached are logged; a tls.paths entry that is missing or is no OpenSSL is warned about', async (t) => {
  if (skipUnlessCapture(t)) return;
  const lines: string[] = [];
  const settings = {
    ...testSettings('ebpf', 'receiver'),
    logger: pino({ level: 'info' }, { write: (l: string) => lines.push(l) }),
  };
  const libssl = ['/usr/lib/x86_64-linux-gnu/libssl.so.3', '/lib/x86_64-linux-gnu/libssl.so.3'].find((p) =>
    existsSync(p),
  );
  const config = factory.configSchema.parse({
    filters: { ports: { allow: [1] } },
    tls: { paths: ['/nonexistent/libssl.so.3', '/usr/bin/true', ...(libssl ? [libssl] : [])] },
  });
  const receiver = factory.createReceiver(settings, config, {
    logs: { consume: async () => undefined },
  }) as EbpfReceiver;
  await receiver.start();
  t.after(() => receiver.shutdown());
  assert.equal(receiver.unavailable, undefined);
  const messages = lines.map((l) => JSON.parse(l) as { level: number; msg: string; tlsTargets?: string[] });
  const attached = messages.find((m) => m.tlsTargets)?.tlsTargets ?? [];
  // node (this process's executable) links OpenSSL statically
  assert.ok(attached.includes(realpathSync(process.execPath)), `node among ${attached.join(', ')}`);
  if (libssl) assert.ok(attached.includes(realpathSync(libssl)), `libssl among ${attached.join(', ')}`);
  const warnings = messages.filter((m) => m.level === 40).map((m) => m.msg);
  assert.equal(warnings.length, 2, warnings.join('\n'));
  assert.match(warnings[0], /tls.paths: \/nonexistent\/libssl.so.3 is not attached/);
  assert.match(warnings[1], /tls.paths: \/usr\/bin\/true is not attached: .*not OpenSSL/);
});
