// Each component's README against what its factory declares: the status table (type, aliases,
// stability per signal), the config table (every key exists in the schema, every top-level key
// of the schema is in the table, a default written as one literal is the schema's default) and
// the metrics it emits. The factory is the one place these live; the README must agree.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseDuration, z, type Factory } from '@flowtel/core';
import { loadBuiltinFactories } from '../src/components.ts';
import { requiredConfig } from './support/required-config.ts';

const builtinFactories = await loadBuiltinFactories();

const root = join(dirname(fileURLToPath(import.meta.url)), '../../..');
const GROUPS = ['receivers', 'processors', 'exporters', 'connectors', 'extensions'];

/** The README of the workspace package whose index exports `factory` (or of the folder of a second type it exports). */
async function readmeOf(factory: Factory): Promise<string> {
  const dirs = [
    ...GROUPS.flatMap((g) =>
      existsSync(join(root, g)) ? readdirSync(join(root, g)).map((n) => join(root, g, n)) : [],
    ),
    join(root, 'ebpf-receiver'),
  ];
  for (const dir of dirs) {
    if (!existsSync(join(dir, 'package.json'))) continue;
    const { name } = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name: string };
    const mod = (await import(name)) as Record<string, unknown>;
    if (mod.factory === factory) return readFileSync(join(dir, 'README.md'), 'utf8');
    // a second receiver type in the same package (ebpf-receiver's profiling) has its README in its folder
    if (Object.values(mod).includes(factory)) return readFileSync(join(dir, 'src', factory.type, 'README.md'), 'utf8');
  }
  throw new Error(`no workspace package exports the ${factory.kind} factory ${factory.type}`);
}

/** The rows of the first table whose header's first cell is `first`, as cells. */
function table(readme: string, first: string): string[][] | undefined {
  const lines = readme.split('\n');
  const start = lines.findIndex((l, i) => cells(l)[0]?.toLowerCase() === first && /^\|\s*-/.test(lines[i + 1] ?? ''));
  if (start < 0) return undefined;
  const rows: string[][] = [];
  for (let i = start + 2; i < lines.length && lines[i].startsWith('|'); i++) rows.push(cells(lines[i]));
  return rows;
}

function cells(line: string): string[] {
  if (!line.startsWith('|')) return [];
  return line
    .replace(/^\|/, '')
    .replace(/\|\s*$/, '')
    .split(/(?<!\\)\|/)
    .map((c) => c.trim());
}

const ticked = (cell: string) => [...cell.matchAll(/`([^`]+)`/g)].map((m) => m[1]);

function stabilityText(f: Factory): string {
  if (typeof f.stability === 'string') return f.stability;
  return Object.entries(f.stability)
    .map(([signal, level]) => `${signal}: ${level}`)
    .join(', ');
}

type AnyZod = z.ZodTypeAny;

/** The schema at `path`, through defaults, refinements, unions and records; undefined when no key is there. */
function schemaAt(schema: AnyZod, path: string[]): AnyZod | undefined {
  const s = unwrap(schema);
  if (path.length === 0) return s;
  const [key, ...rest] = path;
  if (s instanceof z.ZodObject) {
    const child = (s.shape as Record<string, AnyZod>)[key];
    if (child) return schemaAt(child, rest);
    return s._def.catchall instanceof z.ZodNever ? undefined : schemaAt(s._def.catchall as AnyZod, rest);
  }
  if (s instanceof z.ZodRecord) return schemaAt(s._def.valueType as AnyZod, rest);
  if (s instanceof z.ZodUnion || s instanceof z.ZodDiscriminatedUnion) {
    for (const option of s._def.options as AnyZod[]) {
      const found = schemaAt(option, path);
      if (found) return found;
    }
    return undefined;
  }
  if (s instanceof z.ZodIntersection)
    return schemaAt(s._def.left as AnyZod, path) ?? schemaAt(s._def.right as AnyZod, path);
  return undefined;
}

function unwrap(s: AnyZod): AnyZod {
  for (;;) {
    if (s instanceof z.ZodEffects) s = s._def.schema as AnyZod;
    else if (s instanceof z.ZodDefault || s instanceof z.ZodOptional || s instanceof z.ZodNullable)
      s = s._def.innerType as AnyZod;
    else if (s instanceof z.ZodLazy) s = s._def.getter() as AnyZod;
    else if (s instanceof z.ZodPipeline) s = s._def.in as AnyZod;
    else if (s instanceof z.ZodCatch) s = s._def.innerType as AnyZod;
    else return s;
  }
}

/** The top-level keys of a config schema (its object shape, or every union option's). */
function topLevelKeys(schema: AnyZod): string[] {
  const s = unwrap(schema);
  if (s instanceof z.ZodObject) return Object.keys(s.shape as object);
  if (s instanceof z.ZodUnion || s instanceof z.ZodDiscriminatedUnion)
    return [...new Set((s._def.options as AnyZod[]).flatMap(topLevelKeys))];
  if (s instanceof z.ZodIntersection)
    return [...topLevelKeys(s._def.left as AnyZod), ...topLevelKeys(s._def.right as AnyZod)];
  return [];
}

/**
 * The key paths a config-table cell names: `a.b.c`, then siblings of `c` written bare
 * (`a.b.c` / `d` / `e`, or `a.b.c`, `d`), with `name(_suffix)` meaning both spellings.
 */
function keyPaths(cell: string): string[][] {
  const names = ticked(cell).flatMap((t) => {
    const m = /^([^()]+)\(([^()]+)\)$/.exec(t);
    return m ? [m[1], m[1] + m[2]] : [t];
  });
  const [first, ...rest] = names.map((n) => n.replace(/^\./, '').split('.'));
  if (!first) return [];
  const parent = first.slice(0, -1);
  return [first, ...rest.map((p) => (p.length === 1 ? [...parent, ...p] : p))];
}

/** The value at `path` of the parsed defaults. */
function valueAt(value: unknown, path: string[]): unknown {
  return path.reduce<unknown>(
    (v, k) => (v && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined),
    value,
  );
}

/** Whether a README literal states the parsed default. */
function sameDefault(literal: string, value: unknown): boolean {
  // a default of a key whose parent is absent by default, or one computed from other keys
  if (value === undefined || /[<>]/.test(literal)) return true;
  if (typeof value === 'number' && /^0[0-7]+$/.test(literal)) return parseInt(literal, 8) === value; // a file mode
  if (typeof value === 'number' && /^-?\d+(\.\d+)?$/.test(literal)) return Number(literal) === value;
  const bytes = /^(\d+)([kmg])(i?)b$/i.exec(literal); // a byte size: 1kb, 16KiB, 1MiB
  if (typeof value === 'number' && bytes)
    return Number(bytes[1]) * (bytes[3] ? 1024 : 1000) ** ('kmg'.indexOf(bytes[2].toLowerCase()) + 1) === value;
  if (typeof value === 'number' && /^\d/.test(literal)) {
    try {
      return parseDuration(literal) === value;
    } catch {
      return false;
    }
  }
  if (typeof value === 'boolean') return literal === String(value);
  if (typeof value === 'string') return [value, JSON.stringify(value), `'${value}'`].includes(literal);
  if (Array.isArray(value)) return literal.replace(/["'\s]/g, '') === JSON.stringify(value).replace(/["\s]/g, '');
  // an object's default in the README is `{}` or some of its keys (`enabled: false`)
  if (value && typeof value === 'object') return true;
  return false;
}

// Components otelcol removed (`deprecated`: logging, memory_ballast) are shims in the collector
// package, documented in the root README's "Using it as otelcol", not packages with a README.
for (const factory of builtinFactories.filter((f) => !f.deprecated)) {
  const name = `${factory.kind} ${factory.type}`;

  test(`${name}: the README's status table is the factory's type, aliases and stability`, async () => {
    const rows = table(await readmeOf(factory), 'status');
    assert.ok(rows, 'a table headed | status | |');
    const row = (key: string) => rows.find((r) => r[0] === key)?.[1];
    assert.equal(row('type'), `\`${factory.type}\``);
    assert.equal(row('aliases'), factory.aliases?.length ? factory.aliases.map((a) => `\`${a}\``).join(', ') : 'none');
    assert.equal(row('stability'), stabilityText(factory));
  });

  test(`${name}: the README's config table names keys of the schema, every top-level key, and its defaults`, async () => {
    const readme = await readmeOf(factory);
    const rows = table(readme, 'key');
    const topLevel = topLevelKeys(factory.configSchema);
    if (!rows) {
      assert.deepEqual(topLevel, [], 'a component with config keys has a table headed | key | default | ... |');
      return;
    }
    const unknown = rows.flatMap((r) =>
      keyPaths(r[0])
        .filter((p) => !schemaAt(factory.configSchema, p))
        .map((p) => p.join('.')),
    );
    assert.deepEqual(unknown, [], 'keys in the README that the schema does not have');
    const listed = new Set(rows.flatMap((r) => keyPaths(r[0]).map((p) => p[0])));
    assert.deepEqual(
      topLevel.filter((k) => !listed.has(k)),
      [],
      'top-level keys of the schema missing from the README table',
    );
    const parsed = factory.configSchema.safeParse(requiredConfig(factory.kind, factory.type) ?? {});
    if (!parsed.success) return;
    const wrong = rows.flatMap((r) => {
      const paths = keyPaths(r[0]);
      // a default cell that is one literal, maybe followed by prose: `8192`, `200ms` (why)
      const m = /^`([^`]+)`(?:\s*\(.*\))?$/.exec(r[1] ?? '');
      if (paths.length !== 1 || !m || requiredConfig(factory.kind, factory.type)?.[paths[0][0]] !== undefined)
        return [];
      const value = valueAt(parsed.data, paths[0]);
      return sameDefault(m[1], value) ? [] : [`${paths[0].join('.')}: README ${m[1]}, schema ${JSON.stringify(value)}`];
    });
    assert.deepEqual(wrong, [], 'defaults in the README that are not the schema defaults');
  });

  test(`${name}: the README lists the metrics the factory declares, and no other of its own`, async () => {
    const readme = await readmeOf(factory);
    const type = factory.type.replaceAll('_', '');
    // otelcol's newer names have dots (otelcol_processor_filter_spans.filtered)
    const own = new RegExp(`\\b((?:flowtel|otelcol_${factory.kind})_${type}_[a-z0-9_]+(?:\\.[a-z0-9_]+)*)`, 'g');
    const mentioned = new Set([...readme.matchAll(own)].map((m) => m[1].replace(/_total$/, '')));
    // metrics a shared package emits for several components (flowtel_socket_events_*) carry no type
    for (const name of factory.metrics ?? []) if (new RegExp(`\\b${name}\\b`).test(readme)) mentioned.add(name);
    assert.deepEqual([...mentioned].sort(), [...(factory.metrics ?? [])].sort());
  });
}
