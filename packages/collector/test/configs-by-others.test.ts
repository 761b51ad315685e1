// Configs written by others (testdata/configs/README.md names each source), through the code
// `flowtel validate` runs. Every one in valid/ passes; every one in invalid/ is refused with the
// problem its `# expect: <line>: <text>` header names, located at that line of that file.
// A folder is one config given as several --config files, merged in file-name order; a
// `# Run with: <flags>` header gives the command-line flags its deployment passes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '@flowtel/core';
import { validate } from '../src/main.ts';

const root = join(import.meta.dirname, '..', 'testdata', 'configs');

// What the deployments these configs come from put in the environment (Kubernetes downward
// API for the helm chart and operator, the demo's .env), so references expand as they do there.
Object.assign(process.env, {
  MY_POD_IP: '10.42.0.17',
  OTEL_K8S_NODE_NAME: 'node-1',
  OTEL_K8S_NODE_IP: '10.0.0.4',
  OTEL_K8S_NAMESPACE: 'observability',
  OTEL_K8S_POD_NAME: 'otel-collector-0',
  OTEL_K8S_POD_IP: '10.42.0.17',
  OTEL_COLLECTOR_HOST: 'otel-collector',
  OTEL_COLLECTOR_PORT_GRPC: '4317',
  OTEL_COLLECTOR_PORT_HTTP: '4318',
  OTEL_PORT: '4318',
  METRICS_PORT: '8888',
  EXPORTER_ENDPOINT: 'http://backend:4318',
});

interface Case {
  name: string;
  files: string[];
  header: string;
}

function cases(kind: 'valid' | 'invalid'): Case[] {
  const dir = join(root, kind);
  return readdirSync(dir)
    .filter((n) => /\.ya?ml$/.test(n) || statSync(join(dir, n)).isDirectory())
    .sort()
    .map((name) => {
      const path = join(dir, name);
      const files = statSync(path).isDirectory()
        ? readdirSync(path)
            .filter((f) => /\.ya?ml$/.test(f))
            .sort()
            .map((f) => join(path, f))
        : [path];
      return { name, files, header: files.map((f) => readFileSync(f, 'utf8')).join('\n') };
    });
}

function flags(c: Case): string[] {
  const run = /^# Run with: (.*)$/m.exec(c.header);
  return run
    ? run[1]
        .split(/\s+/)
        .filter((f) => f.startsWith('--feature-gates='))
        .map((f) => f.slice('--feature-gates='.length))
    : [];
}

const check = (c: Case) => validate({ config: c.files, set: [], featureGates: flags(c), plugin: [] });

test('at least 40 configs written by others validate, and the invalid set is not empty', () => {
  assert.ok(cases('valid').length >= 40, `${cases('valid').length} valid configs`);
  assert.ok(cases('invalid').length >= 10, `${cases('invalid').length} invalid configs`);
});

for (const c of cases('valid')) {
  test(`valid/${c.name} validates`, async () => {
    try {
      await check(c);
    } catch (err) {
      assert.fail(err instanceof ConfigError ? err.message : String(err));
    }
  });
}

for (const c of cases('invalid')) {
  test(`invalid/${c.name} is refused at the line and key it expects`, async () => {
    const expect = /^# expect: (?:(\S+\.ya?ml):)?(\d+): (.*)$/m.exec(c.header);
    assert.ok(expect, `${c.name} has no "# expect: <line>: <text>" header`);
    const [, inFile, line, text] = expect;
    const file = inFile ? c.files.find((f) => f.endsWith(inFile))! : c.files[0];
    const err = await check(c).then(
      () => assert.fail('accepted'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof ConfigError, String(err));
    const located = err.problems
      .filter((p) => p.position?.file === file && p.position.line === Number(line))
      .map(String);
    assert.ok(
      located.some((p) => p.includes(text)),
      `expected "${file}:${line}:...${text}" in:\n${err.message}`,
    );
  });
}
