// The dictionary: per kind, small integer ids for tag sets, stable across restarts (saved as
// JSON in a directory) and versioned (the version grows by one with every entry added or
// changed, and each entry remembers the version that last set it, so a store can take deltas).
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  TAG_KINDS,
  type TagAttributes,
  type TagEntries,
  type TagEntry,
  type TagKind,
} from '@flowtel/core/smartencoding';
import { sameTagValue } from './value.ts';

export type { TagEntry };

interface SavedDictionary {
  format: 1;
  version: number;
  entries: TagEntry[];
}

export const DICTIONARY_FILE = 'dictionary.json';

export class DictionaryFullError extends Error {}

export class TagDictionary implements TagEntries {
  private currentVersion = 0;
  private readonly byKey = new Map<TagKind, Map<string, TagEntry>>();
  private readonly byId = new Map<TagKind, TagEntry[]>();
  private readonly maxEntriesPerKind: number;
  private dirty = false;
  /** where it is saved; none keeps it in memory only */
  readonly file?: string;

  constructor(options: { directory?: string; maxEntriesPerKind?: number } = {}) {
    this.maxEntriesPerKind = options.maxEntriesPerKind ?? 1_000_000;
    for (const kind of TAG_KINDS) {
      this.byKey.set(kind, new Map());
      this.byId.set(kind, []);
    }
    if (options.directory) {
      mkdirSync(options.directory, { recursive: true });
      this.file = join(options.directory, DICTIONARY_FILE);
      if (existsSync(this.file)) this.restore(this.file);
    }
  }

  get version(): number {
    return this.currentVersion;
  }

  /** True when entries changed since the last save. */
  get unsaved(): boolean {
    return this.dirty;
  }

  /**
   * The id of the entry with this key, adding it or updating its name and attributes.
   * Throws DictionaryFullError when the kind has no room left.
   */
  intern(kind: TagKind, key: string, name: string, attributes: TagAttributes): number {
    const keyed = this.byKey.get(kind)!;
    const existing = keyed.get(key);
    if (existing) {
      if (existing.name !== name || !sameAttributes(existing.attributes, attributes)) {
        existing.name = name;
        existing.attributes = attributes;
        existing.version = this.bump();
      }
      return existing.id;
    }
    const ids = this.byId.get(kind)!;
    if (ids.length >= this.maxEntriesPerKind)
      throw new DictionaryFullError(`the ${kind} dictionary is full (${this.maxEntriesPerKind} entries)`);
    const entry: TagEntry = { kind, id: ids.length + 1, key, name, attributes, version: this.bump() };
    ids.push(entry);
    keyed.set(key, entry);
    return entry.id;
  }

  get(kind: TagKind, id: number): TagEntry | undefined {
    return this.byId.get(kind)![id - 1];
  }

  findByKey(kind: TagKind, key: string): TagEntry | undefined {
    return this.byKey.get(kind)!.get(key);
  }

  size(kind: TagKind): number {
    return this.byId.get(kind)!.length;
  }

  *entries(): IterableIterator<TagEntry> {
    for (const kind of TAG_KINDS) yield* this.byId.get(kind)!;
  }

  /** The entries added or changed after `version`: what a store that has `version` lacks. */
  changedSince(version: number): TagEntry[] {
    return [...this.entries()].filter((e) => e.version > version);
  }

  /** Writes the dictionary if it changed: a new file renamed over the old, never half a file. */
  save(): void {
    if (!this.file || !this.dirty) return;
    const saved: SavedDictionary = { format: 1, version: this.currentVersion, entries: [...this.entries()] };
    const temp = `${this.file}.${process.pid}.tmp`;
    writeFileSync(temp, JSON.stringify(saved));
    renameSync(temp, this.file);
    this.dirty = false;
  }

  private bump(): number {
    this.dirty = true;
    return ++this.currentVersion;
  }

  private restore(file: string): void {
    let saved: SavedDictionary;
    try {
      saved = JSON.parse(readFileSync(file, 'utf8')) as SavedDictionary;
    } catch (err) {
      throw new Error(
        `cannot read the SmartEncoding dictionary ${file}: ${(err as Error).message} (move it away to start a new dictionary)`,
        { cause: err },
      );
    }
    if (saved.format !== 1 || !Array.isArray(saved.entries))
      throw new Error(`${file} is not a SmartEncoding dictionary (format ${String(saved.format)})`);
    for (const e of saved.entries) {
      const ids = this.byId.get(e.kind);
      if (!ids || e.id !== ids.length + 1)
        throw new Error(`${file}: entry ${e.kind}/${e.id} is out of order; the file is damaged`);
      ids.push(e);
      this.byKey.get(e.kind)!.set(e.key, e);
    }
    this.currentVersion = saved.version;
  }
}

function sameAttributes(a: TagAttributes, b: TagAttributes): boolean {
  return a.length === b.length && a.every(([k, v], i) => b[i][0] === k && sameTagValue(v, b[i][1]));
}
