import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ConfigError,
  Registry,
  duration,
  idProblem,
  loadConfig,
  parseDuration,
  resolveConfig,
  z,
} from '../src/index.ts';

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
  const { tree, originals } = loadConfig([path]);
  assert.deepEqual(tree, {
    a: 'collector.local:4317',
    port: 4317,
    // otelcol's confmap reads a whole reference as YAML whether or not it is quoted, and keeps
    // the text for string fields (below)
    quoted: 4317,
    fallback: 'localhost',
    token: 's3cret',
    literal: '$HOME and $collector.local',
    bare: '$HOME',
    empty: 'xy',
  });
  assert.deepEqual(Object.fromEntries(originals), { port: '4317', quoted: '4317' });
});

test('several configs merge in order: maps deep-merge, later wins, lists replace; --set applies last', () => {
  const a = file(
    'a.yaml',
    'receivers:\n  otlp:\n    protocols:\n      grpc: {endpoint: "a:1"}\n      http: {endpoint: "a:2"}\nlist: [1, 2, 3]\n',
  );
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
  assert.throws(
    () => loadConfig([path]),
    (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.match(err.message, new RegExp(`${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+:\\d+: invalid YAML`));
      return true;
    },
  );
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

// A receiver and an exporter with the value types otelcol configs mix up, to see what reaches them.
function typesRegistry(): Registry {
  const schema = z
    .object({
      endpoint: z.string().optional(),
      password: z.string().optional(),
      port: z.number().optional(),
      insecure: z.boolean().optional(),
      timeout: duration().optional(),
      headers: z.record(z.string()).default({}),
    })
    .strict();
  return new Registry()
    .add({
      kind: 'receiver',
      type: 'src',
      stability: { traces: 'stable' },
      configSchema: schema,
      createReceiver: () => ({ start: async () => {}, shutdown: async () => {} }),
    })
    .add({
      kind: 'exporter',
      type: 'dst',
      stability: { traces: 'stable' },
      configSchema: schema,
      createExporter: () => ({ start: async () => {}, shutdown: async () => {}, consume: async () => {} }),
    });
}

test("YAML anchors, aliases and merge keys resolve as Go's yaml.v3 resolves them for otelcol", () => {
  const path = file(
    'anchors.yaml',
    [
      'receivers:',
      '  src: &common',
      '    endpoint: 0.0.0.0:4317',
      '    headers: {a: "1"}',
      'exporters:',
      '  dst/one:',
      '    <<: *common',
      '    endpoint: backend:4317', // an explicit key wins over the merged one
      '  dst/two:',
      '    <<: [*common, {password: p, endpoint: never}]', // an earlier source wins over a later one
      '  dst/three: *common',
      'service:',
      '  pipelines:',
      '    traces: &pipeline {receivers: [src], exporters: [dst/one, dst/two, dst/three]}',
      '    traces/copy: *pipeline',
    ].join('\n'),
  );
  const resolved = resolveConfig(loadConfig([path]), typesRegistry());
  assert.deepEqual(resolved.exporters.get('dst/one')!.config, { endpoint: 'backend:4317', headers: { a: '1' } });
  assert.deepEqual(resolved.exporters.get('dst/two')!.config, {
    endpoint: '0.0.0.0:4317',
    headers: { a: '1' },
    password: 'p',
  });
  assert.deepEqual(resolved.exporters.get('dst/three')!.config, { endpoint: '0.0.0.0:4317', headers: { a: '1' } });
  assert.deepEqual(
    resolved.service.pipelines.map((p) => [p.id, p.exporters.length]),
    [
      ['traces', 3],
      ['traces/copy', 3],
    ],
  );
  // a key that came through a merge is located where it was written
  const bad = file(
    'anchors-bad.yaml',
    'receivers:\n  src: &c\n    endpiont: x\nexporters:\n  dst:\n    <<: *c\nservice: {pipelines: {traces: {receivers: [src], exporters: [dst]}}}\n',
  );
  assert.throws(
    () => resolveConfig(loadConfig([bad]), typesRegistry()),
    (e: ConfigError) =>
      e.problems.some(
        (p) =>
          String(p) ===
          `${bad}:3:5: exporters::dst::endpiont: has invalid keys: endpiont (valid keys: endpoint, password, port, insecure, timeout, headers)`,
      ),
  );
});

test("otelcol's weak typing: a ${env:...} read as a number or boolean stays its text where a string is expected", () => {
  Object.assign(process.env, {
    FLOWTEL_T_PASS: '123456',
    FLOWTEL_T_ZERO: '0123',
    FLOWTEL_T_TRUE: 'true',
    FLOWTEL_T_DUR: '5s',
    FLOWTEL_T_NS: '2000000000',
  });
  const path = file(
    'weak.yaml',
    [
      'receivers:',
      '  src:',
      '    password: ${env:FLOWTEL_T_PASS}', // a number, but the field is a string
      '    endpoint: "${env:FLOWTEL_T_ZERO}"', // quoted: otelcol reads it the same way
      '    port: ${env:FLOWTEL_T_PASS}', // a number where a number is expected
      '    insecure: ${env:FLOWTEL_T_TRUE}', // "true" from the environment is a boolean
      '    timeout: ${env:FLOWTEL_T_DUR}',
      '    headers: {x-tenant: "${env:FLOWTEL_T_PASS}"}',
      'exporters:',
      '  dst:',
      '    timeout: ${env:FLOWTEL_T_NS}', // a number of nanoseconds, as Go reads a Duration from an int
      'service: {pipelines: {traces: {receivers: [src], exporters: [dst]}}}',
    ].join('\n'),
  );
  const resolved = resolveConfig(loadConfig([path]), typesRegistry());
  assert.deepEqual(resolved.receivers.get('src')!.config, {
    password: '123456',
    endpoint: '0123',
    port: 123456,
    insecure: true,
    timeout: 5000,
    headers: { 'x-tenant': '123456' },
  });
  assert.deepEqual(resolved.exporters.get('dst')!.config, { timeout: 2000, headers: {} });
  // a literal number where a string is expected is refused, as otelcol refuses it
  const literal = file(
    'weak-literal.yaml',
    'receivers:\n  src:\n    password: 123456\nexporters: {dst: {}}\nservice: {pipelines: {traces: {receivers: [src], exporters: [dst]}}}\n',
  );
  assert.throws(
    () => resolveConfig(loadConfig([literal]), typesRegistry()),
    /weak-literal.yaml:3:5: receivers::src::password: expected string, got number/,
  );
});

test("component and pipeline ids follow otelcol's rules and messages", () => {
  assert.equal(idProblem('otlp'), undefined);
  assert.equal(idProblem('otlp_grpc/to-backend.eu'), undefined);
  assert.equal(idProblem('otlp/ünïcode'), undefined);
  assert.equal(idProblem('otlp-in'), 'in "otlp-in" id: invalid character(s) in type "otlp-in"');
  assert.equal(idProblem('1otlp'), 'in "1otlp" id: invalid character(s) in type "1otlp"');
  assert.equal(idProblem('otlp/a b'), 'in "a b" id: invalid character(s) in name "a b"');
  assert.equal(idProblem('otlp/a$'), 'in "a$" id: invalid character(s) in name "a$"');
  assert.equal(idProblem('otlp/'), 'in "otlp/" id: the part after / should not be empty');
  assert.equal(idProblem('/x'), 'in "/x" id: the part before / should not be empty');
  assert.equal(
    idProblem(`a${'b'.repeat(63)}`),
    `in "a${'b'.repeat(63)}" id: invalid character(s) in type "a${'b'.repeat(63)}"`,
  );
});

test("keys match case-sensitively, as otelcol's confmap has since v0.71.0; map keys (headers) keep their case", () => {
  const path = file(
    'case.yaml',
    [
      'receivers:',
      '  src:',
      '    Endpoint: localhost:4317',
      'exporters:',
      '  dst:',
      '    headers: {X-Scope-OrgID: tenant-1, authorization: Bearer x}',
      'Service:',
      '  pipelines: {traces: {receivers: [src], exporters: [dst]}}',
    ].join('\n'),
  );
  assert.throws(
    () => resolveConfig(loadConfig([path]), typesRegistry()),
    (e: ConfigError) => {
      const lines = e.problems.map(String);
      assert.ok(
        lines.includes(
          `${path}:3:5: receivers::src::Endpoint: has invalid keys: Endpoint (valid keys: endpoint, password, port, insecure, timeout, headers); keys are case-sensitive, as in otelcol: write "endpoint"`,
        ),
        lines.join('\n'),
      );
      assert.ok(
        lines.some(
          (l) => l.startsWith(`${path}:7:1: Service: has invalid keys: Service (`) && l.endsWith('write "service"'),
        ),
        lines.join('\n'),
      );
      return true;
    },
  );
  // a key that matches no valid key in any case gets no hint
  const typo = file('typo.yaml', 'receivers:\n  src:\n    endpiont: x\n');
  assert.throws(
    () => resolveConfig(loadConfig([typo]), typesRegistry()),
    (e: ConfigError) => e.problems.some((p) => p.message.includes('endpiont') && !p.message.includes('case-sensitive')),
  );
  const fixed = file(
    'case-ok.yaml',
    [
      'receivers:',
      '  src:',
      '    endpoint: localhost:4317',
      'exporters:',
      '  dst:',
      '    headers: {X-Scope-OrgID: tenant-1, authorization: Bearer x}',
      'service:',
      '  pipelines: {traces: {receivers: [src], exporters: [dst]}}',
    ].join('\n'),
  );
  const resolved = resolveConfig(loadConfig([fixed]), typesRegistry());
  assert.deepEqual(resolved.exporters.get('dst')!.config, {
    headers: { 'X-Scope-OrgID': 'tenant-1', authorization: 'Bearer x' },
  });
});
