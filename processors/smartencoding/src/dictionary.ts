// The dictionary: per kind, an id for each tag set, derived from its identity (tagId: the same
// on every collector, so several of them can write one store), kept across restarts (saved as
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
  tagId,
} from '@flowtel/core/smartencoding';
import { sameTagValue } from './value.ts';

export type { TagEntry };

/** Format 2: ids are tagId's, written as decimal text; format 1 (numbered ids) is read and renumbered. */
interface SavedDictionary {
  format: 1 | 2;
  version: number;
  entries: Array<Omit<TagEntry, 'id' | 'time'> & { id: string | number; time?: number }>;
}

export const DICTIONARY_FILE = 'dictionary.json';

/** A tag set that cannot have an id: its resource passes unencoded (and is counted). */
export class NoIdError extends Error {}
export class DictionaryFullError extends NoIdError {}
/** Two identities of one kind whose ids collide (odds about n^2 / 2^64): the newer goes unencoded. */
export class IdCollisionError extends NoIdError {}

export class TagDictionary implements TagEntries {
  private currentVersion = 0;
  private readonly byKey = new Map<TagKind, Map<string, TagEntry>>();
  private readonly byId = new Map<TagKind, Map<bigint, TagEntry>>();
  private readonly maxEntriesPerKind: number;
  private dirty = false;
  /** where it is saved; none keeps it in memory only */
  readonly file?: string;

  constructor(options: { directory?: string; maxEntriesPerKind?: number } = {}) {
    this.maxEntriesPerKind = options.maxEntriesPerKind ?? 1_000_000;
    for (const kind of TAG_KINDS) {
      this.byKey.set(kind, new Map());
      this.byId.set(kind, new Map());
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
   * Throws DictionaryFullError when the kind has no room left, IdCollisionError when another
   * key of the kind has this key's id.
   */
  intern(kind: TagKind, key: string, name: string, attributes: TagAttributes): bigint {
    const keyed = this.byKey.get(kind)!;
    const existing = keyed.get(key);
    if (existing) {
      if (existing.name !== name || !sameAttributes(existing.attributes, attributes)) {
        existing.name = name;
        existing.attributes = attributes;
        existing.version = this.bump();
        existing.time = Date.now();
      }
      return existing.id;
    }
    const ids = this.byId.get(kind)!;
    if (ids.size >= this.maxEntriesPerKind)
      throw new DictionaryFullError(`the ${kind} dictionary is full (${this.maxEntriesPerKind} entries)`);
    const id = tagId(kind, key);
    const other = ids.get(id);
    if (other) throw new IdCollisionError(`${kind} ${JSON.stringify(key)} has the id of ${JSON.stringify(other.key)}`);
    const entry: TagEntry = { kind, id, key, name, attributes, version: this.bump(), time: Date.now() };
    ids.set(id, entry);
    keyed.set(key, entry);
    return entry.id;
  }

  get(kind: TagKind, id: bigint): TagEntry | undefined {
    return this.byId.get(kind)!.get(id);
  }

  findByKey(kind: TagKind, key: string): TagEntry | undefined {
    return this.byKey.get(kind)!.get(key);
  }

  size(kind: TagKind): number {
    return this.byId.get(kind)!.size;
  }

  *entries(): IterableIterator<TagEntry> {
    for (const kind of TAG_KINDS) yield* this.byId.get(kind)!.values();
  }

  /** The entries added or changed after `version`: what a store that has `version` lacks. */
  changedSince(version: number): TagEntry[] {
    return [...this.entries()].filter((e) => e.version > version);
  }

  /** Writes the dictionary if it changed: a new file renamed over the old, never half a file. */
  save(): void {
    if (!this.file || !this.dirty) return;
    const entries = [...this.entries()].map((e) => ({ ...e, id: e.id.toString() }));
    const saved: SavedDictionary = { format: 2, version: this.currentVersion, entries };
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
    if ((saved.format !== 1 && saved.format !== 2) || !Array.isArray(saved.entries))
      throw new Error(`${file} is not a SmartEncoding dictionary (format ${String(saved.format)})`);
    for (const e of saved.entries) {
      const ids = this.byId.get(e.kind);
      const id = tagId(e.kind, e.key);
      // format 1 numbered its entries 1, 2, 3: they get their tagId now (rows stored before keep
      // the old numbers, which the store's dictionary table still holds)
      if (!ids || (saved.format === 2 && e.id !== id.toString()))
        throw new Error(`${file}: entry ${e.kind}/${e.id} does not match its key; the file is damaged`);
      const entry: TagEntry = { ...e, id, time: e.time ?? 0 };
      ids.set(id, entry);
      this.byKey.get(e.kind)!.set(e.key, entry);
    }
    this.currentVersion = saved.version;
    if (saved.format === 1) this.dirty = true;
  }
}

function sameAttributes(a: TagAttributes, b: TagAttributes): boolean {
  return a.length === b.length && a.every(([k, v], i) => b[i][0] === k && sameTagValue(v, b[i][1]));
}
