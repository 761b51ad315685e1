// One lifecycle test over every built-in component, as otelcol runs over its own: create from
// its defaults (or the least config it requires), start, shut down, shut down again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Component, Consumer, CreateSettings, Factory, PipelineSignal } from '@flowtel/core';
import { testHost, testSettings } from '@flowtel/testkit';
import { builtinRegistry, loadBuiltinFactories } from '../src/components.ts';
import { dir, requiredConfig } from './support/required-config.ts';

const builtinFactories = await loadBuiltinFactories();

type Meter = CreateSettings['meter'];

/** Instrument names each component created, for the check against its declared `metrics`. */
const instruments = new Map<string, Set<string>>();

/** The test meter, recording the name of every instrument a component creates. */
function recordingMeter(meter: Meter, names: Set<string>): Meter {
  return new Proxy(meter, {
    get(target, key, receiver) {
      const value = Reflect.get(target, key, receiver) as unknown;
      if (typeof key !== 'string' || !key.startsWith('create') || typeof value !== 'function') return value;
      return (name: string, ...rest: unknown[]) => {
        names.add(name);
        return (value as (...args: unknown[]) => unknown).call(target, name, ...rest);
      };
    },
  });
}

const sink: Consumer = { consume: async () => {}, pipelines: () => sink };

function create(factory: Factory, signal: PipelineSignal): Component {
  const config = factory.configSchema.parse(requiredConfig(factory.kind, factory.type) ?? {});
  const settings = testSettings(factory.type, factory.kind, dir);
  const key = `${factory.kind}/${factory.type}`;
  if (!instruments.has(key)) instruments.set(key, new Set());
  settings.meter = recordingMeter(settings.meter, instruments.get(key)!);
  // every instrument a component has, not just the basic level's
  settings.metricsLevel = 'detailed';
  switch (factory.kind) {
    case 'receiver':
      return factory.createReceiver(settings, config, { [signal]: { consume: async () => {} } });
    case 'processor':
      return factory.createProcessor(settings, config, signal, signal);
    case 'exporter':
      return factory.createExporter(settings, config, [signal]);
    case 'connector':
      // a consumer that reaches pipelines by id, as the graph gives connectors (routing uses it)
      return factory.createConnector(settings, config, { [signal]: sink });
    case 'extension':
      return factory.createExtension(settings, config);
  }
}

const signalsOf = (f: Factory): PipelineSignal[] =>
  f.kind === 'extension'
    ? ['traces']
    : f.kind === 'connector'
      ? [...new Set(Object.keys(f.stability).map((k) => k.split('->')[0] as PipelineSignal))]
      : (Object.keys(f.stability) as PipelineSignal[]);

for (const factory of builtinFactories) {
  for (const signal of signalsOf(factory)) {
    test(`${factory.kind} ${factory.type} (${signal}): create, start, shutdown, shutdown again`, async (t) => {
      if (factory.type === 'ebpf' && process.getuid?.() !== 0) return t.skip('capture needs root');
      const component = create(factory, signal);
      // the factories too: a load balancer builds otlp_grpc exporters through its host
      await component.start(testHost({}, builtinFactories));
      await component.shutdown();
      await component.shutdown();
    });
  }
  test(`${factory.kind} ${factory.type}: shutdown before start is safe`, async () => {
    const component = create(factory, signalsOf(factory)[0]);
    await component.shutdown();
  });
}

test('every built-in type has a unique name, a description and a stability', () => {
  const names = new Set<string>();
  for (const f of builtinFactories) {
    const key = `${f.kind}/${f.type}`;
    assert.ok(!names.has(key), `${key} registered twice`);
    names.add(key);
    assert.ok(f.description, `${key} has a description`);
    assert.ok(typeof f.stability === 'string' || Object.keys(f.stability).length > 0, `${key} declares its stability`);
  }
});

test("every line of the built-in table loads a factory of the line's kind, type and aliases", async () => {
  // loadAll refuses a factory whose names differ from the line a config is matched by
  await assert.doesNotReject(builtinRegistry().loadAll());
});

/** The metrics every component of a kind has, made by core's helpers (otelcol's obsreport). */
const HOST_METRICS =
  /^otelcol_(exporter_(queue_|sent_|send_failed_|enqueue_failed_)|receiver_(accepted|refused|failed)_|processor_(incoming|outgoing)_items)/;

test('the instruments each component created while it ran are the metrics its factory declares', () => {
  const created: Record<string, string[]> = {};
  const declared: Record<string, string[]> = {};
  for (const f of builtinFactories) {
    if (f.type === 'ebpf' && process.getuid?.() !== 0) continue;
    const key = `${f.kind}/${f.type}`;
    created[key] = [...(instruments.get(key) ?? [])].filter((name) => !HOST_METRICS.test(name)).sort();
    declared[key] = [...(f.metrics ?? [])].sort();
  }
  assert.deepEqual(created, declared);
});
