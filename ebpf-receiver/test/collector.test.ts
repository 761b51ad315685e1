// The receiver inside the real collector (loaded with --plugin until the collector builds it
// in): captured traffic becomes spans through the l7 processor, and a host where capture cannot
// start runs every other component with one warning.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  FLOWTEL_BIN,
  REPO_ROOT,
  freePort,
  startCollector,
  waitFor,
  waitForHttp,
  waitForOutput,
} from '@flowtel/testkit';
import { skipUnlessCapture } from './capture-support.ts';
import { runClient, startNodeHttp } from './servers.ts';

const PLUGIN = ['--plugin', '@flowtel/ebpf-receiver'];

interface ExportedSpan {
  name: string;
  kind: number;
  traceId: string;
  service: string;
}

function exportedSpans(path: string): ExportedSpan[] {
  if (!existsSync(path)) return [];
  const spans: ExportedSpan[] = [];
  for (const line of readFileSync(path, 'utf8').split('\n').filter(Boolean)) {
    for (const rs of JSON.parse(line).resourceSpans) {
      const service = rs.resource.attributes.find((a: { key: string }) => a.key === 'service.name')?.value.stringValue;
      for (const ss of rs.scopeSpans)
        for (const s of ss.spans) spans.push({ name: s.name, kind: s.kind, traceId: s.traceId, service });
    }
  }
  return spans;
}

test('ebpf -> l7 -> file: a curl request to a Node server becomes a client and a server span of one trace', async (t) => {
  if (skipUnlessCapture(t)) return;
  const node = await startNodeHttp('traced');
  t.after(() => node.stop());
  const out = join(mkdtempSync(join(tmpdir(), 'flowtel-ebpf-e2e-')), 'spans.json');
  const collector = startCollector(
    `receivers:
  ebpf:
    filters:
      ports:
        allow: [${node.port}]
processors:
  l7:
exporters:
  file:
    path: ${out}
service:
  pipelines:
    traces:
      receivers: [ebpf]
      processors: [l7]
      exporters: [file]
`,
    PLUGIN,
  );
  t.after(() => collector.stop());
  await waitForOutput(collector, 'Everything is ready');

  const run = await runClient('curl', ['-sS', `http://127.0.0.1:${node.port}/traced`]);
  assert.equal(run.stdout.toString(), 'traced');
  const spans = await waitFor('a client and a server span', async () => {
    const found = exportedSpans(out).filter((s) => s.name === 'GET /traced' || s.name === 'GET');
    return found.length >= 2 ? found : undefined;
  });
  const client = spans.find((s) => s.kind === 3);
  const server = spans.find((s) => s.kind === 2);
  assert.equal(client?.service, 'curl');
  assert.equal(server?.service, 'node');
  assert.equal(client.traceId, server.traceId);
  assert.equal(await collector.stop(), 0);
});

test('not root: the collector runs every other component and warns once about capture', async (t) => {
  if (skipUnlessCapture(t)) return;
  const dir = mkdtempSync(join(tmpdir(), 'flowtel-ebpf-nobody-'));
  chmodSync(dir, 0o755);
  const health = await freePort();
  writeFileSync(
    join(dir, 'config.yaml'),
    `receivers:
  ebpf:
processors:
  l7:
exporters:
  debug:
extensions:
  health_check:
    endpoint: 127.0.0.1:${health}
service:
  extensions: [health_check]
  pipelines:
    logs:
      receivers: [ebpf]
      processors: [l7]
      exporters: [debug]
`,
  );
  const child = spawn(
    'setpriv',
    [
      '--reuid=nobody',
      '--regid=nogroup',
      '--clear-groups',
      '--inh-caps=-all',
      process.execPath,
      FLOWTEL_BIN,
      '--config',
      join(dir, 'config.yaml'),
      ...PLUGIN,
    ],
    { cwd: REPO_ROOT, env: { ...process.env, HOME: dir }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const exited = new Promise((resolve) => child.on('exit', resolve));
  t.after(() => child.kill('SIGTERM'));

  await waitForHttp(`http://127.0.0.1:${health}/`);
  const warnings = output.split('\n').filter((l) => l.includes('"level":40'));
  assert.equal(warnings.length, 1, output);
  assert.match(warnings[0], /eBPF capture cannot start.*not running as root/);
  child.kill('SIGTERM');
  assert.equal(await exited, 0, output);
});
