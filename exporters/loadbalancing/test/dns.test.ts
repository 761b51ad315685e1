// The dns resolver against a real name server: dnsmasq answers for gateway.test from a hosts
// file the test rewrites (SIGHUP makes it read the file again). Everything runs in a network
// namespace of its own, whose /etc/resolv.conf (`ip netns exec` mounts /etc/netns/<name>/...)
// names that dnsmasq: two flowtel backends on 127.0.0.2 and 127.0.0.3, the balancer resolving
// the name every 300 ms, and curl posting OTLP/JSON to it. A backend dropped from DNS gets no
// new trace.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CONDITION_TIMEOUT_MS,
  createNetns,
  FLOWTEL_BIN,
  netnsUnavailable,
  spawnCollector,
  tracesRequestJson,
  waitFor,
  waitForOutput,
  type Netns,
  type RunningCollector,
} from '@flowtel/testkit';
import { HashRing } from '../src/index.ts';

const skip = netnsUnavailable() ?? (existsSync('/usr/sbin/dnsmasq') ? undefined : 'dnsmasq is not installed');
const BACKEND_PORT = 4317;
const LB_PORT = 4318;

function tracesIn(path: string): Set<string> {
  const out = new Set<string>();
  if (!existsSync(path)) return out;
  for (const line of readFileSync(path, 'utf8').split('\n').filter(Boolean))
    for (const rs of JSON.parse(line).resourceSpans ?? [])
      for (const ss of rs.scopeSpans) for (const s of ss.spans) out.add(s.traceId);
  return out;
}

function inNetns(ns: Netns, config: string, dir: string, name: string): RunningCollector {
  const path = join(dir, `${name}.yaml`);
  writeFileSync(path, config);
  return spawnCollector('ip', ['netns', 'exec', ns.name, process.execPath, FLOWTEL_BIN, '--config', path], process.env);
}

/** Posts traces `from`..`to`-1 (one trace each, id = the number) to the balancer with curl, inside the namespace. */
async function postTraces(ns: Netns, dir: string, from: number, to: number): Promise<void> {
  const files: string[] = [];
  for (let r = from; r < to; r++) {
    const f = join(dir, `req${r}.json`);
    writeFileSync(f, tracesRequestJson(r, 2));
    files.push(f);
  }
  const script = files
    .map(
      (f) =>
        `curl -sf -o /dev/null -X POST -H 'content-type: application/json' --data-binary @${f} http://127.0.0.1:${LB_PORT}/v1/traces || exit 1`,
    )
    .join('\n');
  const r = await ns.exec('sh', ['-c', script]);
  assert.equal(r.code, 0, `curl failed: ${r.stderr}`);
}

test('dns resolver: backends follow the name; one dropped from DNS gets no new keys', { skip }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'flowtel-lb-dns-'));
  chmodSync(dir, 0o755);
  const ns = createNetns();
  const started: RunningCollector[] = [];
  t.after(async () => {
    await Promise.all(started.map((c) => c.stop()));
    ns.remove();
  });
  mkdirSync(`/etc/netns/${ns.name}`, { recursive: true });
  writeFileSync(`/etc/netns/${ns.name}/resolv.conf`, 'nameserver 127.0.0.1\noptions timeout:1 attempts:1\n');
  const hosts = join(dir, 'dns-hosts');
  writeFileSync(hosts, '127.0.0.2 gateway.test\n127.0.0.3 gateway.test\n');
  chmodSync(hosts, 0o644);
  const dnsmasq = spawn(
    'ip',
    // prettier-ignore
    ['netns', 'exec', ns.name, 'dnsmasq', '--keep-in-foreground', '--no-resolv', '--no-hosts', `--addn-hosts=${hosts}`,
      '--listen-address=127.0.0.1', '--bind-interfaces', '--port=53', '--user=root', `--pid-file=${join(dir, 'dnsmasq.pid')}`],
    { stdio: 'ignore' },
  );
  t.after(() => dnsmasq.kill());

  const files = ['127.0.0.2', '127.0.0.3'].map((ip) => join(dir, `${ip}.jsonl`));
  for (const [i, ip] of ['127.0.0.2', '127.0.0.3'].entries())
    started.push(
      inNetns(
        ns,
        `receivers:
  otlp: {protocols: {grpc: {endpoint: ${ip}:${BACKEND_PORT}}}}
exporters:
  file: {path: ${files[i]}}
service:
  telemetry: {metrics: {level: none}}
  pipelines:
    traces: {receivers: [otlp], exporters: [file]}
`,
        dir,
        `backend${i}`,
      ),
    );
  const lb = inNetns(
    ns,
    `receivers:
  otlp: {protocols: {http: {endpoint: 127.0.0.1:${LB_PORT}}}}
exporters:
  load_balancing:
    protocol: {otlp: {tls: {insecure: true}, retry_on_failure: {initial_interval: 100ms, max_interval: 1s}}}
    resolver:
      dns: {hostname: gateway.test, port: ${BACKEND_PORT}, interval: 300ms}
service:
  telemetry: {metrics: {level: none}}
  pipelines:
    traces: {receivers: [otlp], exporters: [load_balancing]}
`,
    dir,
    'balancer',
  );
  started.push(lb);
  await Promise.all(started.map((c) => waitForOutput(c, 'Everything is ready')));
  await waitFor('the balancer to resolve both backends', async () =>
    lb.output().includes('"backends":["127.0.0.2:4317","127.0.0.3:4317"]'),
  );

  const both = new HashRing(['127.0.0.2:4317', '127.0.0.3:4317']);
  const id = (r: number) => r.toString(16).padStart(32, '0');
  await postTraces(ns, dir, 1, 41);
  await waitFor(
    '40 traces on the backends',
    async () => tracesIn(files[0]).size + tracesIn(files[1]).size === 40,
    CONDITION_TIMEOUT_MS,
  );
  for (let r = 1; r < 41; r++) {
    const at = both.endpointFor(Buffer.from(id(r), 'hex'))!.startsWith('127.0.0.2') ? 0 : 1;
    assert.ok(tracesIn(files[at]).has(id(r)), `trace ${r} on the ring's backend`);
  }
  assert.ok(tracesIn(files[0]).size > 0 && tracesIn(files[1]).size > 0, 'both backends got traces');

  // 127.0.0.3 leaves DNS: dnsmasq reads its hosts file again on SIGHUP
  writeFileSync(hosts, '127.0.0.2 gateway.test\n');
  dnsmasq.kill('SIGHUP');
  await waitFor('the balancer to drop 127.0.0.3', async () => lb.output().includes('"backends":["127.0.0.2:4317"]'));
  const before = tracesIn(files[1]).size;
  await postTraces(ns, dir, 41, 81);
  await waitFor(
    '40 more traces on 127.0.0.2',
    async () => tracesIn(files[0]).size + before === 80,
    CONDITION_TIMEOUT_MS,
  );
  assert.equal(tracesIn(files[1]).size, before, 'the backend dropped from DNS got nothing new');
});
