// HttpTransport against proxies: Go's http.ProxyFromEnvironment rules (golang.org/x/net/http/httpproxy,
// whose documented cases the first tests take), then real traffic through a CONNECT and forward
// proxy written in the test, TLS end to end with an openssl-made certificate.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer as createHttpServer, type IncomingMessage, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { networkInterfaces } from 'node:os';
import type { TLSSocket } from 'node:tls';
import { makeTestCerts, startTestProxy } from '@flowtel/testkit';
import { EnvironmentProxies, HttpTransport, parseProxyUrl } from '../src/index.ts';

const proxied = (env: NodeJS.ProcessEnv, url: string) => new EnvironmentProxies(env).proxyFor(new URL(url))?.href;

test('HTTP_PROXY and HTTPS_PROXY: each for its own scheme, upper case before lower, http:// when no scheme', () => {
  assert.equal(
    proxied({ HTTP_PROXY: 'cache.corp.example.com:1234' }, 'http://a.example/'),
    'http://cache.corp.example.com:1234/',
  );
  assert.equal(
    proxied({ HTTP_PROXY: 'cache.corp.example.com' }, 'http://a.example/'),
    'http://cache.corp.example.com/',
  );
  assert.equal(
    proxied({ HTTP_PROXY: 'https://cache.corp.example.com' }, 'http://a.example/'),
    'https://cache.corp.example.com/',
  );
  assert.equal(proxied({ HTTP_PROXY: 'http://127.0.0.1:8080' }, 'http://a.example/'), 'http://127.0.0.1:8080/');
  // https targets read HTTPS_PROXY only, never HTTP_PROXY
  assert.equal(proxied({ HTTP_PROXY: 'http://p:1' }, 'https://a.example/'), undefined);
  assert.equal(proxied({ HTTPS_PROXY: 'http://s:1' }, 'http://a.example/'), undefined);
  assert.equal(proxied({ HTTPS_PROXY: 'http://s:1', HTTP_PROXY: 'http://p:1' }, 'https://a.example/'), 'http://s:1/');
  assert.equal(proxied({ https_proxy: 'http://lower:1' }, 'https://a.example/'), 'http://lower:1/');
  assert.equal(
    proxied({ HTTPS_PROXY: 'http://upper:1', https_proxy: 'http://lower:1' }, 'https://a.example/'),
    'http://upper:1/',
  );
  assert.equal(proxied({}, 'https://a.example/'), undefined);
  assert.throws(() => new EnvironmentProxies({ HTTPS_PROXY: 'socks5://127.0.0.1:1080' }), /HTTPS_PROXY: .*SOCKS5/);
  assert.throws(() => parseProxyUrl('ftp://p:1'), /scheme must be http or https/);
});

test('localhost and loopback addresses never go through the environment proxy', () => {
  const env = { HTTP_PROXY: 'http://p:1', HTTPS_PROXY: 'http://p:1' };
  for (const url of ['http://localhost:4318/', 'https://127.0.0.1/', 'http://127.1.2.3:80/', 'https://[::1]:443/'])
    assert.equal(proxied(env, url), undefined, url);
  assert.equal(proxied(env, 'http://localhost.example/'), 'http://p:1/');
});

test("NO_PROXY: domains with their subdomains, leading dots and '*.', IPs, CIDRs, ports, and '*'", () => {
  const env = (NO_PROXY: string) => ({ HTTP_PROXY: 'http://p:1', HTTPS_PROXY: 'http://p:1', NO_PROXY });
  const cases: Array<[string, string, boolean]> = [
    // [NO_PROXY, target, goes through the proxy]
    ['foobar.com, .barbaz.net', 'http://foobar.com/', false],
    ['foobar.com, .barbaz.net', 'http://www.foobar.com/', false],
    ['foobar.com, .barbaz.net', 'http://foofoobar.com/', true],
    ['foobar.com, .barbaz.net', 'http://barbaz.net/', true],
    ['foobar.com, .barbaz.net', 'http://www.barbaz.net/', false],
    ['*.example.com', 'http://example.com/', true],
    ['*.example.com', 'http://a.example.com/', false],
    ['FooBar.com', 'http://foobar.com/', false],
    ['foobar.com:8080', 'http://foobar.com:8080/', false],
    ['foobar.com:8080', 'http://foobar.com/', true],
    ['foobar.com:443', 'https://foobar.com/', false],
    ['10.0.0.1', 'http://10.0.0.1/', false],
    ['10.0.0.1', 'http://10.0.0.2/', true],
    ['10.0.0.1:8080', 'http://10.0.0.1:8080/', false],
    ['10.0.0.1:8080', 'http://10.0.0.1:80/', true],
    ['192.168.0.0/16', 'http://192.168.4.5/', false],
    ['192.168.0.0/16', 'http://192.169.0.1/', true],
    ['2001:db8::/32', 'http://[2001:db8::52:0:1]/', false],
    ['[2001:db8::1]:80', 'http://[2001:db8::1]/', false],
    ['[2001:db8::1]:80', 'http://[2001:db8::1]:8080/', true],
    ['*', 'https://anything.example/', false],
    ['', 'https://anything.example/', true],
  ];
  for (const [noProxy, target, viaProxy] of cases)
    assert.equal(proxied(env(noProxy), target) !== undefined, viaProxy, `NO_PROXY=${noProxy} ${target}`);
  assert.equal(proxied({ HTTP_PROXY: 'http://p:1', no_proxy: 'a.example' }, 'http://a.example/'), undefined);
});

const certs = makeTestCerts(['backend.flowtel.test']);

async function listen(server: Server): Promise<number> {
  await new Promise<void>((r) => server.listen(0, '0.0.0.0', r));
  return (server.address() as AddressInfo).port;
}

function get(transport: HttpTransport, url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = transport.request(new URL(url), { method: 'GET' }, (res: IncomingMessage) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('https through HTTPS_PROXY: a CONNECT tunnel with TLS end to end, the certificate checked for the target name, connections kept', async () => {
  assert.ok(certs, 'openssl is needed to make the test certificate');
  const seen: Array<{ host?: string; servername: string | false | null }> = [];
  const backend = createHttpsServer(
    { cert: readFileSync(certs.serverCertFile), key: readFileSync(certs.serverKeyFile) },
    (req, res) => {
      seen.push({ host: req.headers.host, servername: (req.socket as TLSSocket).servername });
      res.end(`secure ${req.url}`);
    },
  );
  const port = await listen(backend);
  const proxy = await startTestProxy();
  const transport = new HttpTransport({
    env: { HTTPS_PROXY: proxy.url },
    pool: { keepAlive: true },
    tls: { ca: readFileSync(certs.caFile) },
  });
  try {
    const url = `https://backend.flowtel.test:${port}/v1/traces`;
    assert.deepEqual(await get(transport, url), { status: 200, body: 'secure /v1/traces' });
    assert.deepEqual(await get(transport, url), { status: 200, body: 'secure /v1/traces' });
    assert.deepEqual(proxy.tunnels, [`backend.flowtel.test:${port}`], 'one tunnel, kept alive for the second request');
    assert.deepEqual(proxy.forwarded, [], 'nothing in clear through the proxy');
    assert.deepEqual(seen[0], { host: `backend.flowtel.test:${port}`, servername: 'backend.flowtel.test' });

    // the same tunnel to a server whose certificate is not trusted: TLS fails, not the proxy
    const untrusting = new HttpTransport({ env: { HTTPS_PROXY: proxy.url } });
    await assert.rejects(get(untrusting, url), /certificate/);
    untrusting.destroy();
  } finally {
    transport.destroy();
    await proxy.stop();
    backend.close();
  }
});

test('http through HTTP_PROXY: the absolute URL sent to the proxy; proxy_url with credentials: Proxy-Authorization, and no exception for loopback', async () => {
  const hosts: Array<string | undefined> = [];
  const backend = createHttpServer((req, res) => {
    hosts.push(req.headers.host);
    res.end(`plain ${req.url}`);
  });
  const port = await listen(backend);
  const proxy = await startTestProxy();
  const fromEnv = new HttpTransport({ env: { HTTP_PROXY: proxy.url } });
  const fixed = new HttpTransport({
    proxyUrl: proxy.url.replace('http://', 'http://flow%40tel:s3cret@'),
    env: { NO_PROXY: '*' },
  });
  try {
    assert.deepEqual(await get(fromEnv, `http://backend.flowtel.test:${port}/api/v2/spans?x=1`), {
      status: 200,
      body: 'plain /api/v2/spans?x=1',
    });
    assert.deepEqual(proxy.forwarded, [`http://backend.flowtel.test:${port}/api/v2/spans?x=1`]);
    assert.deepEqual(hosts, [`backend.flowtel.test:${port}`]);
    assert.deepEqual(proxy.authorizations, [undefined]);

    // proxy_url is Go's http.ProxyURL: every request, loopback too, and NO_PROXY is not read
    assert.equal((await get(fixed, `http://127.0.0.1:${port}/write`)).status, 200);
    assert.deepEqual(proxy.forwarded.at(-1), `http://127.0.0.1:${port}/write`);
    assert.equal(proxy.authorizations.at(-1), `Basic ${Buffer.from('flow@tel:s3cret').toString('base64')}`);
  } finally {
    fromEnv.destroy();
    fixed.destroy();
    await proxy.stop();
    backend.close();
  }
});

test('NO_PROXY bypasses the proxy: a matched name is resolved here (and fails), a matched IP is reached directly', async () => {
  const backend = createHttpServer((req, res) => res.end('direct'));
  const port = await listen(backend);
  const proxy = await startTestProxy();
  // an address of this machine that is not loopback (loopback is never proxied anyway)
  const lan = Object.values(networkInterfaces())
    .flat()
    .find((a) => a && a.family === 'IPv4' && !a.internal)?.address;
  const bypassing = new HttpTransport({
    env: { HTTP_PROXY: proxy.url, NO_PROXY: `.flowtel.test,${lan ?? '192.0.2.1'}` },
  });
  const proxying = new HttpTransport({ env: { HTTP_PROXY: proxy.url } });
  try {
    await assert.rejects(get(bypassing, `http://backend.flowtel.test:${port}/`), /ENOTFOUND|EAI_AGAIN/);
    assert.deepEqual(proxy.forwarded, [], 'the proxy never saw it');
    if (lan) {
      assert.deepEqual(await get(bypassing, `http://${lan}:${port}/`), { status: 200, body: 'direct' });
      assert.deepEqual(proxy.forwarded, []);
      assert.deepEqual(await get(proxying, `http://${lan}:${port}/`), { status: 200, body: 'direct' });
      assert.deepEqual(proxy.forwarded, [`http://${lan}:${port}/`], 'without NO_PROXY the same address is proxied');
    }
  } finally {
    bypassing.destroy();
    proxying.destroy();
    await proxy.stop();
    backend.close();
  }
});

test('a proxy that refuses the CONNECT: the error names the proxy and its answer', async () => {
  const refusing = createHttpServer();
  refusing.on('connect', (_req, socket) => socket.end('HTTP/1.1 407 Proxy Authentication Required\r\n\r\n'));
  const port = await listen(refusing);
  const transport = new HttpTransport({ proxyUrl: `http://127.0.0.1:${port}` });
  try {
    await assert.rejects(
      get(transport, 'https://backend.flowtel.test:443/'),
      /proxy 127\.0\.0\.1:\d+ refused CONNECT backend\.flowtel\.test:443: 407/,
    );
  } finally {
    transport.destroy();
    refusing.close();
  }
});
