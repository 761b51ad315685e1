// Components from outside the repo: any npm package or local folder whose module exports
// `factories` (an array) or `factory`, loaded with `--plugin <package|path>` (repeatable) or
// the FLOWTEL_PLUGINS environment variable (comma-separated).
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { isAbsolute, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Factory, Registry } from '@flowtel/core';

const KINDS = new Set(['receiver', 'processor', 'exporter', 'connector', 'extension']);

function isFactory(value: unknown): value is Factory {
  const f = value as Partial<Factory> | null;
  return !!f && typeof f.type === 'string' && KINDS.has(f.kind as string) && typeof f.configSchema === 'object';
}

/** A folder's entry point as its package.json names it (exports ".", then main). */
function folderEntry(dir: string): string {
  const manifest = join(dir, 'package.json');
  if (!existsSync(manifest)) return join(dir, 'index.js');
  const pkg = JSON.parse(readFileSync(manifest, 'utf8')) as { exports?: unknown; main?: string };
  const dot =
    typeof pkg.exports === 'string' ? pkg.exports : (pkg.exports as Record<string, unknown> | undefined)?.['.'];
  const entry =
    typeof dot === 'string'
      ? dot
      : ((dot as { import?: string; default?: string } | undefined)?.import ??
        (dot as { default?: string } | undefined)?.default);
  return join(dir, entry ?? pkg.main ?? 'index.js');
}

function locate(spec: string, cwd: string): string {
  const asPath = isAbsolute(spec) ? spec : resolve(cwd, spec);
  if (existsSync(asPath)) return statSync(asPath).isDirectory() ? folderEntry(asPath) : asPath;
  return createRequire(pathToFileURL(resolve(cwd, 'noop.js'))).resolve(spec);
}

export async function loadPlugins(specs: string[], registry: Registry, cwd = process.cwd()): Promise<string[]> {
  const loaded: string[] = [];
  for (const spec of specs) {
    let mod: Record<string, unknown>;
    try {
      mod = await import(pathToFileURL(locate(spec, cwd)).href);
    } catch (err) {
      throw new Error(`plugin "${spec}" could not be loaded: ${(err as Error).message}`);
    }
    const found = [
      ...(Array.isArray(mod.factories) ? mod.factories : []),
      ...(mod.factory ? [mod.factory] : []),
      ...(mod.default &&
      typeof mod.default === 'object' &&
      Array.isArray((mod.default as { factories?: unknown }).factories)
        ? (mod.default as { factories: unknown[] }).factories
        : []),
    ];
    const factories = found.filter(isFactory);
    if (factories.length === 0)
      throw new Error(`plugin "${spec}" exports no component factories (expected \`factories\` or \`factory\`)`);
    for (const f of factories) {
      // a plugin may name a built-in package (as tests do): its factory is then the one the
      // built-in table imports, the same object, which `add` accepts once it is loaded
      for (const name of [f.type, ...(f.aliases ?? [])]) await registry.loadType(f.kind, name);
      registry.add(f);
    }
    loaded.push(`${spec}: ${factories.map((f) => `${f.kind} ${f.type}`).join(', ')}`);
  }
  return loaded;
}
