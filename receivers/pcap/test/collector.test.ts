// The collector as a user runs it: a capture replayed through the l7 parser into a file, and
// with exit_on_eof the process ends by itself once the spans are exported.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { startCollector } from '@flowtel/testkit';

const FIXTURE = join(import.meta.dirname, 'fixtures', 'http-lo.pcapng');

test('flowtel replays a capture into spans and exits by itself after they were exported', async () => {
  const out = join(mkdtempSync(join(tmpdir(), 'pcap-collector-')), 'spans.json');
  const collector = startCollector(`
receivers:
  pcap:
    file: ${FIXTURE}
    exit_on_eof: true
processors:
  l7: {}
exporters:
  file:
    path: ${out}
service:
  telemetry:
    metrics:
      level: none
  pipelines:
    traces:
      receivers: [pcap]
      processors: [l7]
      exporters: [file]
`);
  const timeout = setTimeout(() => collector.process.kill('SIGKILL'), 60_000);
  const code = await collector.exited;
  clearTimeout(timeout);
  assert.equal(code, 0, collector.output());
  assert.match(collector.output(), /exit_on_eof: asking the collector to shut down/);
  const spans = readFileSync(out, 'utf8')
    .split('\n')
    .filter(Boolean)
    .flatMap((line) =>
      JSON.parse(line).resourceSpans.flatMap((rs: { scopeSpans: { spans: unknown[] }[] }) =>
        rs.scopeSpans.flatMap((ss) => ss.spans),
      ),
    );
  assert.ok(spans.length >= 1, 'the POST became spans');
  assert.match(JSON.stringify(spans), /\/upload/);
});
