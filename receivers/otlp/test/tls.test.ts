// configtls's server keys on both otlp servers, against clients written by others: curl,
// grpc-js and Node's TLS client, with certificates made by openssl.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { copyFileSync, readFileSync } from 'node:fs';
import { connect, type ConnectionOptions, type SecureVersion } from 'node:tls';
import { credentials } from '@grpc/grpc-js';
import { encodeTraces } from '@flowtel/pdata';
import { makeTestCerts, waitFor, type TestCerts } from '@flowtel/testkit';
import { factory } from '../src/index.ts';
import { grpcExport, sampleTraces, startReceiver } from './helpers.ts';

function certsOrSkip(t: TestContext): TestCerts | undefined {
  const certs = makeTestCerts();
  if (!certs) {
    if (process.env.CI === 'true') throw new Error('openssl is missing');
    t.skip('openssl is not installed');
  }
  return certs;
}

/** A TLS handshake with Node's client: the protocol and the server certificate's fingerprint, or the error. */
function handshake(
  port: number,
  options: ConnectionOptions,
): Promise<{ protocol?: string | null; fingerprint?: string; error?: string }> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port, servername: 'localhost', ...options }, () => {
      const result = { protocol: socket.getProtocol(), fingerprint: socket.getPeerCertificate().fingerprint256 };
      socket.end();
      resolve(result);
    });
    socket.on('error', (err) => resolve({ error: err.message }));
  });
}

/** curl's exit code for a POST of one span with the given extra arguments. */
function curl(url: string, caFile: string, ...args: string[]): Promise<number> {
  return new Promise((resolve) => {
    const child = execFile(
      'curl',
      ['-s', '-o', '/dev/null', '--cacert', caFile, '-H', 'content-type: application/json', '-d', '{}', ...args, url],
      () => resolve(child.exitCode ?? -1),
    );
  });
}

const fingerprint = (file: string) => new X509Certificate(readFileSync(file)).fingerprint256;

test('tls min_version and max_version: clients outside the range fail the handshake on both servers', async (t) => {
  const certs = certsOrSkip(t);
  if (!certs) return;
  const tls = { cert_file: certs.serverCertFile, key_file: certs.serverKeyFile };
  const ca = readFileSync(certs.caFile);
  const r = await startReceiver(
    { grpc: { tls: { ...tls, max_version: '1.2' } }, http: { tls: { ...tls, min_version: '1.3' } } },
    { scheme: 'https' },
  );
  try {
    // HTTP at min_version 1.3: curl capped at TLS 1.2 cannot connect (35: SSL connect error), 1.3 is answered
    assert.equal(await curl(r.url('/v1/traces'), certs.caFile, '--tls-max', '1.2'), 35);
    assert.equal(await curl(r.url('/v1/traces'), certs.caFile, '--tlsv1.3', '--fail'), 0);
    assert.equal((await handshake(r.httpPort, { ca })).protocol, 'TLSv1.3');
    // gRPC at max_version 1.2: a TLS 1.3-only client fails; grpc-js negotiates 1.2 and exports
    const only13 = await handshake(r.grpcPort, { ca, minVersion: 'TLSv1.3' as SecureVersion, ALPNProtocols: ['h2'] });
    assert.ok(only13.error, 'a TLS 1.3-only client must not connect');
    assert.equal((await handshake(r.grpcPort, { ca, ALPNProtocols: ['h2'] })).protocol, 'TLSv1.2');
    const sent = await grpcExport(r.grpcPort, 'traces', encodeTraces(sampleTraces(1)), {
      credentials: credentials.createSsl(ca),
      channelOptions: { 'grpc.ssl_target_name_override': 'localhost' },
    });
    assert.equal(sent.error, undefined);
  } finally {
    await r.stop();
  }
});

test('tls curve_preferences: a client offering none of the curves fails the handshake', async (t) => {
  const certs = certsOrSkip(t);
  if (!certs) return;
  const tls = { cert_file: certs.serverCertFile, key_file: certs.serverKeyFile, curve_preferences: ['P384'] };
  const ca = readFileSync(certs.caFile);
  const r = await startReceiver({ grpc: { tls }, http: { tls } }, { scheme: 'https' });
  try {
    for (const port of [r.httpPort, r.grpcPort]) {
      const alpn = port === r.grpcPort ? { ALPNProtocols: ['h2'] } : {};
      assert.ok((await handshake(port, { ca, ecdhCurve: 'X25519', ...alpn })).error, `X25519 only, port ${port}`);
      assert.ok((await handshake(port, { ca, ecdhCurve: 'P-384', ...alpn })).protocol, `P-384, port ${port}`);
    }
    assert.notEqual(await curl(r.url('/v1/traces'), certs.caFile, '--curves', 'X25519'), 0);
    assert.equal(await curl(r.url('/v1/traces'), certs.caFile, '--curves', 'P-384', '--fail'), 0);
  } finally {
    await r.stop();
  }
});

test('tls reload_interval: both servers present the certificate written over the files, without a restart', async (t) => {
  const first = certsOrSkip(t);
  const second = makeTestCerts();
  if (!first || !second) return;
  // the receiver reads from files of its own, which the test overwrites as a rotation would
  const certFile = `${first.dir}/live.pem`;
  const keyFile = `${first.dir}/live.key`;
  copyFileSync(first.serverCertFile, certFile);
  copyFileSync(first.serverKeyFile, keyFile);
  const tls = { cert_file: certFile, key_file: keyFile, reload_interval: '100ms' };
  const r = await startReceiver({ grpc: { tls }, http: { tls } }, { scheme: 'https' });
  const cas = [readFileSync(first.caFile), readFileSync(second.caFile)];
  try {
    for (const port of [r.httpPort, r.grpcPort])
      assert.equal((await handshake(port, { ca: cas })).fingerprint, fingerprint(first.serverCertFile));
    copyFileSync(second.serverKeyFile, keyFile);
    copyFileSync(second.serverCertFile, certFile);
    for (const port of [r.httpPort, r.grpcPort])
      await waitFor(
        `port ${port} to present the new certificate`,
        async () => (await handshake(port, { ca: cas })).fingerprint === fingerprint(second.serverCertFile),
      );
    // clients that trust only the new CA are served
    const sent = await grpcExport(r.grpcPort, 'traces', encodeTraces(sampleTraces(1)), {
      credentials: credentials.createSsl(readFileSync(second.caFile)),
      channelOptions: { 'grpc.ssl_target_name_override': 'localhost' },
    });
    assert.equal(sent.error, undefined);
    assert.equal(await curl(r.url('/v1/traces'), second.caFile, '--fail'), 0);
  } finally {
    await r.stop();
  }
});

test('tls config: otelcol version names, its min above max message, and what flowtel refuses with the reason', () => {
  const parse = (tls: Record<string, unknown>) =>
    factory.configSchema.safeParse({ protocols: { grpc: { endpoint: '127.0.0.1:0', tls } } });
  const ok = parse({ cert_file: 'c', key_file: 'k', min_version: '1.1', max_version: '1.3', reload_interval: '5m' });
  assert.ok(ok.success);
  const message = (tls: Record<string, unknown>) => {
    const result = parse(tls);
    assert.ok(!result.success, JSON.stringify(tls));
    return result.error.issues.map((i) => i.message).join('; ');
  };
  assert.match(message({ min_version: '1.3', max_version: '1.2' }), /min_version cannot be greater than max_version/);
  assert.match(message({ min_version: '1.4' }), /1\.0.*1\.3|Invalid enum value/);
  assert.match(message({ cipher_suites: ['TLS_AES_128_GCM_SHA256'] }), /cipher_suites is not in flowtel yet/);
  assert.match(message({ client_ca_file_reload: true }), /set reload_interval/);
  assert.match(message({ curve_preferences: ['P224'] }), /Invalid enum value/);
});
