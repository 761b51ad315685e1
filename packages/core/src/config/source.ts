// Reading config sources into one tree, with otelcol's semantics: each --config is a file
// (`path` or `file:path`), an environment variable (`env:NAME`) or inline YAML
// (`yaml:key::sub: value`); maps deep-merge in order, later wins, lists replace; `--set`
// applies last. Every key remembers where it was written, so errors can point at it.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { LineCounter, isAlias, isMap, isScalar, isSeq, parseDocument, type Node as YamlNode } from 'yaml';
import { ConfigError, ConfigProblem, KEY_SEPARATOR, type Position } from './errors.ts';
import { expandValue } from './expand.ts';

export type ConfigTree = Record<string, unknown>;

const isPlainMap = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

export interface LoadedConfig {
  tree: ConfigTree;
  /** key path joined with `::` → where that key was last written */
  positions: Map<string, Position>;
  /** key path joined with `::` → the text a `${...}` gave, where it was read as a number or boolean */
  originals: Map<string, string>;
  /** directory of the first file source, for relative paths */
  baseDir: string;
}

export function emptyLoadedConfig(baseDir = process.cwd()): LoadedConfig {
  return { tree: {}, positions: new Map(), originals: new Map(), baseDir };
}

function readSource(uri: string, cwd: string): { name: string; text: string; dir?: string } {
  if (uri.startsWith('env:')) {
    const name = uri.slice(4);
    const text = process.env[name];
    if (text === undefined)
      throw new ConfigError([new ConfigProblem([], `config source ${uri}: environment variable ${name} is not set`)]);
    return { name: uri, text };
  }
  if (uri.startsWith('yaml:')) {
    // otelcol's inline form: `yaml:a::b: value` means a: {b: value}
    const body = uri.slice(5);
    const colon = body.indexOf(': ');
    const keys = (colon >= 0 ? body.slice(0, colon) : body).split(KEY_SEPARATOR);
    const value = colon >= 0 ? body.slice(colon + 2) : '';
    const text = keys.map((k, i) => `${'  '.repeat(i)}${k}:`).join('\n') + ` ${value}\n`;
    return { name: uri, text };
  }
  const path = resolve(cwd, uri.startsWith('file:') ? uri.slice(5) : uri);
  try {
    return { name: path, text: readFileSync(path, 'utf8'), dir: resolve(path, '..') };
  } catch (err) {
    throw new ConfigError([
      new ConfigProblem([], `cannot read config file ${path}: ${(err as NodeJS.ErrnoException).code ?? err}`),
    ]);
  }
}

/** Parses one YAML text into a plain tree, expanding `${...}` and recording key positions. */
export function parseYamlSource(name: string, text: string, dir: string): LoadedConfig {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false });
  const problems: ConfigProblem[] = [];
  const at = (offset: number): Position => {
    const { line, col } = lineCounter.linePos(offset);
    return { file: name, line, column: col };
  };
  for (const e of doc.errors)
    problems.push(new ConfigProblem([], `invalid YAML: ${e.message.split('\n')[0]}`, at(e.pos[0])));
  if (problems.length) throw new ConfigError(problems);

  const positions = new Map<string, Position>();
  const originals = new Map<string, string>();
  // Anchors, aliases and merge keys (`<<: *base`, `<<: [*a, *b]`) as Go's yaml.v3 reads them
  // for otelcol: explicit keys win over merged ones, an earlier merge source over a later one.
  const inProgress = new Set<unknown>();
  const convert = (node: unknown, path: string[]): unknown => {
    if (isAlias(node)) {
      const target = node.resolve(doc);
      if (target === undefined || inProgress.has(target)) {
        problems.push(
          new ConfigProblem(
            path,
            `alias *${node.source} ${target === undefined ? 'has no anchor' : 'refers to a map or list that contains it'}`,
            node.range ? at(node.range[0]) : undefined,
          ),
        );
        return null;
      }
      return convert(target, path);
    }
    if (isMap(node)) {
      inProgress.add(node);
      const out: Record<string, unknown> = {};
      const merged: unknown[] = [];
      for (const pair of node.items) {
        const keyNode = pair.key as YamlNode | null;
        const key = String(isScalar(keyNode) ? keyNode.value : keyNode);
        if (key === '<<' && isScalar(keyNode) && keyNode.type === 'PLAIN') {
          const sources = isSeq(pair.value) ? pair.value.items : [pair.value];
          for (const source of sources) merged.push([convert(source, path), source]);
          continue;
        }
        const childPath = [...path, key];
        if (keyNode?.range) positions.set(childPath.join(KEY_SEPARATOR), at(keyNode.range[0]));
        out[key] = convert(pair.value, childPath);
      }
      for (const [value, source] of merged as [unknown, YamlNode | null][]) {
        if (!isPlainMap(value)) {
          problems.push(
            new ConfigProblem(
              path,
              'a merge key (<<) takes a map or a list of maps',
              source?.range ? at(source.range[0]) : undefined,
            ),
          );
          continue;
        }
        for (const [k, v] of Object.entries(value)) if (!(k in out)) out[k] = v;
      }
      inProgress.delete(node);
      return out;
    }
    if (isSeq(node)) {
      inProgress.add(node);
      const out = node.items.map((item, i) => {
        const range = (item as YamlNode | null)?.range;
        if (range) positions.set([...path, String(i)].join(KEY_SEPARATOR), at(range[0]));
        return convert(item, [...path, String(i)]);
      });
      inProgress.delete(node);
      return out;
    }
    if (isScalar(node)) {
      if (typeof node.value !== 'string') return node.value;
      try {
        const { value, original } = expandValue(node.value, dir);
        if (original !== undefined) originals.set(path.join(KEY_SEPARATOR), original);
        return value;
      } catch (err) {
        problems.push(new ConfigProblem(path, (err as Error).message, node.range ? at(node.range[0]) : undefined));
        return node.value;
      }
    }
    return node == null ? null : (node as { toJSON(): unknown }).toJSON();
  };
  const root = convert(doc.contents, []);
  if (problems.length) throw new ConfigError(problems);
  if (root !== null && (typeof root !== 'object' || Array.isArray(root))) {
    throw new ConfigError([
      new ConfigProblem(
        [],
        'the config must be a YAML map of receivers, processors, exporters, connectors, extensions and service',
        { file: name, line: 1, column: 1 },
      ),
    ]);
  }
  return { tree: (root ?? {}) as ConfigTree, positions, originals, baseDir: dir };
}

function mergeInto(target: Record<string, unknown>, source: Record<string, unknown>): void {
  for (const [k, v] of Object.entries(source)) {
    const current = target[k];
    if (isPlainMap(current) && isPlainMap(v)) mergeInto(current, v);
    else target[k] = v;
  }
}

/** Loads and merges the sources in order, then applies `--set key::path=value` overrides. */
export function loadConfig(uris: string[], sets: string[] = [], cwd = process.cwd()): LoadedConfig {
  const merged = emptyLoadedConfig(cwd);
  let first = true;
  for (const uri of uris) {
    const { name, text, dir } = readSource(uri, cwd);
    const part = parseYamlSource(name, text, dir ?? cwd);
    mergeInto(merged.tree, part.tree);
    for (const [k, pos] of part.positions) {
      merged.positions.set(k, pos);
      merged.originals.delete(k);
    }
    for (const [k, text] of part.originals) merged.originals.set(k, text);
    if (first && dir) merged.baseDir = dir;
    first = false;
  }
  for (const set of sets) applySet(merged, set);
  return merged;
}

function applySet(config: LoadedConfig, set: string): void {
  const eq = set.indexOf('=');
  if (eq <= 0) throw new ConfigError([new ConfigProblem([], `--set ${set}: expected key=value`)]);
  const keyText = set.slice(0, eq);
  const keys = keyText.includes(KEY_SEPARATOR) ? keyText.split(KEY_SEPARATOR) : keyText.split('.');
  const part = parseYamlSource(`--set ${keyText}`, `value: ${set.slice(eq + 1)}\n`, config.baseDir);
  let node: Record<string, unknown> = config.tree;
  for (const k of keys.slice(0, -1)) {
    if (!isPlainMap(node[k])) node[k] = {};
    node = node[k] as Record<string, unknown>;
  }
  node[keys[keys.length - 1]] = part.tree.value;
  const original = part.originals.get('value');
  if (original !== undefined) config.originals.set(keys.join(KEY_SEPARATOR), original);
  config.positions.set(keys.join(KEY_SEPARATOR), { file: `--set ${keyText}`, line: 1, column: 1 });
}
