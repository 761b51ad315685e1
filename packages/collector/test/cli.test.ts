// The `flowtel` command as a user runs it, in a child process.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { runCli } from '@flowtel/testkit';

const dir = mkdtempSync(join(tmpdir(), 'flowtel-cli-'));
const PLUGIN = '@flowtel/plugin-example';

test('--version and --help', async () => {
  const version = await runCli(['--version']);
  assert.equal(version.code, 0);
  assert.match(version.stdout, /^\d+\.\d+\.\d+\n$/);
  const help = await runCli(['--help']);
  assert.equal(help.code, 0);
  for (const word of ['--config', '--set', '--feature-gates', '--plugin', 'validate', 'components'])
    assert.ok(help.stdout.includes(word), word);
});

test("components lists plugin components with their stability, in otelcol's YAML layout", async () => {
  const { code, stdout } = await runCli(['components', '--plugin', PLUGIN]);
  assert.equal(code, 0);
  const doc = parse(stdout);
  assert.equal(doc.buildinfo.command, 'flowtel');
  assert.deepEqual(
    doc.receivers.find((r: { name: string }) => r.name === 'example_counter'),
    {
      name: 'example_counter',
      stability: { logs: 'Development', traces: 'Development' },
    },
  );
  assert.ok(doc.processors.some((p: { name: string }) => p.name === 'example_stamp'));
  assert.ok(doc.connectors.some((c: { name: string }) => c.name === 'forward'));
});

test('validate: exit 1 with every located problem on stderr for a bad config', async () => {
  const cyclic = join(dir, 'cyclic.yaml');
  writeFileSync(
    cyclic,
    'receivers: {example_counter: {}}\nprocessors: {example_stamp: {}}\nconnectors: {forward: {}}\nservice:\n  pipelines:\n    traces/a: {receivers: [example_counter], exporters: [forward]}\n    traces/b: {receivers: [forward], processors: [example_stamp], exporters: [forward]}\n',
  );
  const loop = await runCli(['validate', '--config', cyclic, '--plugin', PLUGIN]);
  assert.equal(loop.code, 1);
  assert.match(loop.stderr, /service::pipelines: cycle detected: traces\/b -> forward -> traces\/b/);
  const bad = join(dir, 'bad.yaml');
  writeFileSync(
    bad,
    'receivers:\n  example_counter:\n    intervall: 1s\nservice:\n  pipelines:\n    traces:\n      receivers: [example_counter]\n      exporters: [nope]\n',
  );
  const ok = await runCli(['validate', '--config', bad, '--plugin', PLUGIN]);
  assert.equal(ok.code, 1);
  assert.match(
    ok.stderr,
    new RegExp(
      `${bad}:3:5: receivers::example_counter::intervall: has invalid keys: intervall \\(valid keys: interval, count, service_name\\)`,
    ),
  );
  assert.match(
    ok.stderr,
    new RegExp(
      `${bad}:8:19: service::pipelines::traces::exporters::0: references exporter "nope" which is not configured`,
    ),
  );
  const missingPlugin = await runCli(['validate', '--config', cyclic]);
  assert.equal(missingPlugin.code, 1);
  assert.match(missingPlugin.stderr, /unknown type: "example_counter" for id: "example_counter" \(valid values: \[/);
});

test('--set overrides a value after every --config, and a bad --feature-gates entry is only a note', async () => {
  const path = join(dir, 'set.yaml');
  writeFileSync(
    path,
    'receivers: {example_counter: {count: 1}}\nconnectors: {forward: {}}\nservice:\n  pipelines:\n    traces/a: {receivers: [example_counter], exporters: [forward]}\n    traces/b: {receivers: [forward], exporters: [forward]}\n',
  );
  const r = await runCli([
    'validate',
    '--config',
    path,
    '--plugin',
    PLUGIN,
    '--set',
    'receivers::example_counter::count=zero',
    '--feature-gates',
    '+made.up',
  ]);
  assert.equal(r.code, 1);
  assert.match(
    r.stderr,
    /--set receivers::example_counter::count:1:1: receivers::example_counter::count: expected number, got string/,
  );
});

test('a plugin that is a built-in package is the built-in component, not a second registration', async () => {
  const { code, stderr } = await runCli(['components', '--plugin', '@flowtel/processor-batch']);
  assert.equal(code, 0, stderr);
});

test('a plugin can be a local folder, named by its path', async () => {
  const { code, stdout, stderr } = await runCli(['components', '--plugin', './examples/plugin-example']);
  assert.equal(code, 0, stderr);
  assert.match(stdout, /name: example_counter/);
});

test('a plugin that cannot be loaded or exports no factories is a clear error', async () => {
  const empty = join(dir, 'empty-plugin.mjs');
  writeFileSync(empty, 'export const nothing = 1;\n');
  const r1 = await runCli(['components', '--plugin', empty]);
  assert.equal(r1.code, 1);
  assert.match(r1.stderr, /exports no component factories/);
  const r2 = await runCli(['components', '--plugin', 'no-such-flowtel-plugin']);
  assert.equal(r2.code, 1);
  assert.match(r2.stderr, /plugin "no-such-flowtel-plugin" could not be loaded/);
});
