// `flowtel validate` on configs with bad OTTL: each problem at its file, line and key path.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { runCli } from '@flowtel/testkit';

test('flowtel validate names the file, line and key of a statement or condition that does not compile', async () => {
  const file = join(mkdtempSync(join(tmpdir(), 'ottl-validate-')), 'config.yaml');
  writeFileSync(
    file,
    [
      'receivers:',
      '  otlp:',
      '    protocols:',
      '      grpc:',
      '        endpoint: 127.0.0.1:0',
      'processors:',
      '  transform:',
      '    trace_statements:',
      '      - set(span.name, "ok")',
      '      - set(span.nam, "typo")',
      '    log_statements:',
      '      - context: log',
      '        statements:',
      '          - set(attributes["x"], Substring(body, "0", 2))',
      '  filter:',
      '    traces:',
      '      span:',
      '        - IsMatch(name, "(unclosed")',
      'exporters:',
      '  debug:',
      'service:',
      '  pipelines:',
      '    traces:',
      '      receivers: [otlp]',
      '      processors: [transform, filter]',
      '      exporters: [debug]',
      '',
    ].join('\n'),
  );
  const r = await runCli(['validate', '--config', file]);
  assert.notEqual(r.code, 0);
  const out = r.stdout + r.stderr;
  assert.match(
    out,
    new RegExp(`${file}:10:\\d+: processors::transform::trace_statements::1: .*"nam".*not a valid path`),
  );
  assert.match(
    out,
    new RegExp(
      `${file}:14:\\d+: processors::transform::log_statements::0::statements::0: .*Substring's start must be int64, got string`,
    ),
  );
  assert.match(out, new RegExp(`${file}:18:\\d+: processors::filter::traces::span::0: .*error parsing regexp`));
});
