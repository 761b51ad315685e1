// Components registered by name load their factory only when a config names them; validation
// still knows every name.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, Registry, loadAndResolve, z, type Factory, type Kind } from '../src/index.ts';

const dir = mkdtempSync(join(tmpdir(), 'flowtel-registry-'));

const noop = { start: async () => {}, shutdown: async () => {} };
const receiver = (type: string, aliases?: string[]): Factory => ({
  kind: 'receiver',
  type,
  aliases,
  stability: { traces: 'stable' },
  configSchema: z.object({}).strict(),
  createReceiver: () => noop,
});
const exporter = (type: string): Factory => ({
  kind: 'exporter',
  type,
  stability: { traces: 'stable' },
  configSchema: z.object({}).strict(),
  createExporter: () => ({ ...noop, consume: async () => {} }),
});

/** A registry of lazy entries that records which ones were loaded. */
function lazyRegistry(loaded: string[]): Registry {
  const lazy = (kind: Kind, f: Factory) => ({
    kind,
    type: f.type,
    aliases: f.aliases,
    load: async () => (loaded.push(f.type), f),
  });
  return new Registry()
    .addLazy(lazy('receiver', receiver('src', ['source'])))
    .addLazy(lazy('receiver', receiver('unused')))
    .addLazy(lazy('exporter', exporter('dst')))
    .addLazy(lazy('exporter', exporter('other')));
}

function config(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

test('a config loads only the factories it names, by type or alias, once each', async () => {
  const loaded: string[] = [];
  const registry = lazyRegistry(loaded);
  const path = config(
    'named.yaml',
    'receivers: {source/a: {}, src: {}}\nexporters: {dst: {}}\nservice: {pipelines: {traces: {receivers: [src, source/a], exporters: [dst]}}}\n',
  );
  const resolved = await loadAndResolve({ configUris: [path], sets: [], registry });
  assert.deepEqual(loaded.sort(), ['dst', 'src']);
  assert.deepEqual(resolved.service.pipelines[0].receivers, ['src', 'source/a']);
  assert.deepEqual(
    registry.list('receiver').map((f) => f.type),
    ['src'],
  );
  await loadAndResolve({ configUris: [path], sets: [], registry });
  assert.deepEqual(loaded.sort(), ['dst', 'src'], 'a second load imports nothing again');
  await registry.loadAll();
  assert.deepEqual(loaded.sort(), ['dst', 'other', 'src', 'unused']);
});

test("an unknown type gets otelcol's error listing every name, loaded or not", async () => {
  const loaded: string[] = [];
  const path = config(
    'unknown.yaml',
    'receivers: {nope: {}}\nexporters: {dst: {}}\nservice: {pipelines: {traces: {receivers: [nope], exporters: [dst]}}}\n',
  );
  await assert.rejects(
    loadAndResolve({ configUris: [path], sets: [], registry: lazyRegistry(loaded) }),
    (err: unknown) =>
      err instanceof ConfigError &&
      err.message.includes('unknown type: "nope" for id: "nope" (valid values: [source src unused])'),
  );
  assert.deepEqual(loaded, ['dst']);
});

test('a factory whose names differ from its registration, or whose import fails, is a clear error', async () => {
  const registry = new Registry()
    .addLazy({ kind: 'receiver', type: 'src', load: async () => receiver('src', ['source']) })
    .addLazy({
      kind: 'exporter',
      type: 'dst',
      load: async () => {
        throw new Error('Cannot find module @x/dst');
      },
    });
  await assert.rejects(registry.loadNamed({ receivers: { src: {} } }), {
    message: 'component registered as "receiver src" loaded a factory of "receiver src source"',
  });
  await assert.rejects(registry.loadNamed({ exporters: { 'dst/x': {} } }), {
    message: 'exporter "dst" could not be loaded: Cannot find module @x/dst',
  });
  assert.throws(() => registry.get('exporter', 'dst'), /not loaded yet/);
});

test('a name registered twice is refused, lazily or not', () => {
  const registry = new Registry().addLazy({
    kind: 'receiver',
    type: 'src',
    aliases: ['source'],
    load: async () => receiver('src'),
  });
  assert.throws(() => registry.add(receiver('source')), /receiver type "source" is registered twice/);
  assert.throws(
    () => registry.addLazy({ kind: 'receiver', type: 'src', load: async () => receiver('src') }),
    /receiver type "src" is registered twice/,
  );
  assert.doesNotThrow(() => registry.add(exporter('src')), 'kinds have their own names');
});
