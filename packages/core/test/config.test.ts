import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig, parseDuration } from '../src/index.ts';

const dir = mkdtempSync(join(tmpdir(), 'flowtel-config-'));
function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

test('values expand ${env:VAR}, ${VAR}, ${env:VAR:-default}, ${file:path} and $$, and leave bare $VAR alone', () => {
  process.env.FLOWTEL_T_HOST = 'collector.local';
  process.env.FLOWTEL_T_PORT = '4317';
  delete process.env.FLOWTEL_T_UNSET;
  file('token.txt', 's3cret\n');
  const path = file(
    'expand.yaml',
    [
      'a: ${env:FLOWTEL_T_HOST}:${FLOWTEL_T_PORT}',
      'port: ${env:FLOWTEL_T_PORT}',
      'quoted: "${env:FLOWTEL_T_PORT}"',
      'fallback: ${env:FLOWTEL_T_UNSET:-localhost}',
      'token: ${file:token.txt}',
      'literal: $$HOME and $$${env:FLOWTEL_T_HOST}',
      'bare: $HOME',
      'empty: x${env:FLOWTEL_T_UNSET}y',
    ].join('\n'),
  );
  const { tree } = loadConfig([path]);
  assert.deepEqual(tree, {
    a: 'collector.local:4317',
    port: 4317,
    quoted: '4317',
    fallback: 'localhost',
    token: 's3cret',
    literal: '$HOME and $collector.local',
    bare: '$HOME',
    empty: 'xy',
  });
});

test('several configs merge in order: maps deep-merge, later wins, lists replace; --set applies last', () => {
  const a = file('a.yaml', 'receivers:\n  otlp:\n    protocols:\n      grpc: {endpoint: "a:1"}\n      http: {endpoint: "a:2"}\nlist: [1, 2, 3]\n');
  const b = file('b.yaml', 'receivers:\n  otlp:\n    protocols:\n      grpc: {endpoint: "b:1"}\nlist: [9]\n');
  const loaded = loadConfig([a, b], ['receivers::otlp::protocols::http::endpoint=c:3', 'processors.batch.timeout=2s']);
  assert.deepEqual(loaded.tree, {
    receivers: { otlp: { protocols: { grpc: { endpoint: 'b:1' }, http: { endpoint: 'c:3' } } } },
    list: [9],
    processors: { batch: { timeout: '2s' } },
  });
  assert.equal(loaded.positions.get('receivers::otlp::protocols::grpc::endpoint')?.file, b);
  assert.equal(loaded.positions.get('receivers::otlp::protocols::grpc::endpoint')?.line, 4);
});

test('inline yaml: and env: config sources', () => {
  process.env.FLOWTEL_T_CONFIG = 'exporters:\n  debug: {}\n';
  const { tree } = loadConfig(['env:FLOWTEL_T_CONFIG', 'yaml:processors::batch::timeout: 1s']);
  assert.deepEqual(tree, { exporters: { debug: {} }, processors: { batch: { timeout: '1s' } } });
});

test('invalid YAML is reported with its file and line', () => {
  const path = file('bad.yaml', 'receivers:\n  otlp:\n    protocols: [grpc\n');
  assert.throws(() => loadConfig([path]), (err: unknown) => {
    assert.ok(err instanceof ConfigError);
    assert.match(err.message, new RegExp(`${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+:\\d+: invalid YAML`));
    return true;
  });
});

test('a missing file and an unsupported ${scheme:...} are clear errors', () => {
  assert.throws(() => loadConfig([join(dir, 'nope.yaml')]), /cannot read config file .*nope\.yaml: ENOENT/);
  const path = file('scheme.yaml', 'a: ${http:example}\n');
  assert.throws(() => loadConfig([path]), /scheme\.yaml:1:4: a: \$\{http:example\}: unsupported scheme "http"/);
});

test('Go durations parse to milliseconds', () => {
  assert.equal(parseDuration('200ms'), 200);
  assert.equal(parseDuration('1m30s'), 90_000);
  assert.equal(parseDuration('1.5h'), 5_400_000);
  assert.equal(parseDuration('10us'), 0.01);
  assert.equal(parseDuration('5'), undefined);
  assert.equal(parseDuration('5 s'), undefined);
});
