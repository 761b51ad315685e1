import type { Factory, Kind } from './component.ts';

/** The config's sections of components and the kind each holds. */
export const SECTIONS = {
  receivers: 'receiver',
  processors: 'processor',
  exporters: 'exporter',
  connectors: 'connector',
  extensions: 'extension',
} as const;

/**
 * A component known by name whose factory (and the package behind it) is imported only when a
 * config names it: a collector then holds in memory and starts only what it runs.
 */
export interface LazyFactory {
  kind: Kind;
  type: string;
  /** the factory's older spellings, as it declares them */
  aliases?: string[];
  load: () => Promise<Factory>;
}

/** The component types a collector knows, by kind, with their older spellings. */
export class Registry {
  private readonly byKind = new Map<Kind, Map<string, Factory>>();
  private readonly lazyByKind = new Map<Kind, Map<string, LazyFactory>>();
  private readonly loading = new Map<LazyFactory, Promise<void>>();

  add(factory: Factory): this {
    for (const name of [factory.type, ...(factory.aliases ?? [])]) {
      const existing = this.byKind.get(factory.kind)?.get(name) ?? this.lazyByKind.get(factory.kind)?.get(name);
      if (existing && existing !== factory) throw new Error(`${factory.kind} type "${name}" is registered twice`);
    }
    return this.put(factory);
  }

  /** Registers a component by name; `load` runs the first time a config names it. */
  addLazy(entry: LazyFactory): this {
    let types = this.lazyByKind.get(entry.kind);
    if (!types) this.lazyByKind.set(entry.kind, (types = new Map()));
    for (const name of [entry.type, ...(entry.aliases ?? [])]) {
      if (types.has(name) || this.byKind.get(entry.kind)?.has(name))
        throw new Error(`${entry.kind} type "${name}" is registered twice`);
      types.set(name, entry);
    }
    return this;
  }

  /** Imports the factories of every component type a config tree names (unknown ones are left to validation). */
  async loadNamed(tree: Record<string, unknown>): Promise<void> {
    const wanted = new Set<LazyFactory>();
    for (const [section, kind] of Object.entries(SECTIONS)) {
      const ids = tree[section];
      if (typeof ids !== 'object' || ids === null || Array.isArray(ids)) continue;
      for (const id of Object.keys(ids)) {
        const entry = this.lazyByKind.get(kind)?.get(id.split('/', 1)[0].trim());
        if (entry) wanted.add(entry);
      }
    }
    await Promise.all([...wanted].map((e) => this.load(e)));
    // the components whose configs those nest (a load balancer's otlp_grpc exporter)
    const embedded = [...wanted].flatMap((e) => this.get(e.kind, e.type)?.embeds ?? []);
    await Promise.all(embedded.map((e) => this.loadType(e.kind, e.type)));
  }

  /** Imports the factory registered lazily as `kind` `type`, if one is. */
  async loadType(kind: Kind, type: string): Promise<void> {
    const entry = this.lazyByKind.get(kind)?.get(type);
    if (entry) await this.load(entry);
  }

  /** Imports every factory still unloaded (to list stabilities, or to test them all). */
  async loadAll(): Promise<void> {
    const all = new Set([...this.lazyByKind.values()].flatMap((types) => [...types.values()]));
    await Promise.all([...all].map((e) => this.load(e)));
  }

  get<K extends Kind>(kind: K, type: string): Extract<Factory, { kind: K }> | undefined {
    const factory = this.byKind.get(kind)?.get(type);
    if (!factory && this.lazyByKind.get(kind)?.has(type))
      throw new Error(`${kind} type "${type}" is not loaded yet: call loadNamed or loadAll first`);
    return factory as Extract<Factory, { kind: K }> | undefined;
  }

  /** Every factory of a kind once, by its current type name. */
  list<K extends Kind>(kind: K): Extract<Factory, { kind: K }>[] {
    const unique = new Set(this.byKind.get(kind)?.values() ?? []);
    return ([...unique] as Extract<Factory, { kind: K }>[]).sort((a, b) => a.type.localeCompare(b.type));
  }

  /** Every accepted spelling of a kind, loaded or not, for "valid values" in errors. */
  names(kind: Kind): string[] {
    return [
      ...new Set([...(this.byKind.get(kind)?.keys() ?? []), ...(this.lazyByKind.get(kind)?.keys() ?? [])]),
    ].sort();
  }

  private put(factory: Factory): this {
    let types = this.byKind.get(factory.kind);
    if (!types) this.byKind.set(factory.kind, (types = new Map()));
    for (const name of [factory.type, ...(factory.aliases ?? [])]) types.set(name, factory);
    return this;
  }

  private load(entry: LazyFactory): Promise<void> {
    let done = this.loading.get(entry);
    if (!done) {
      done = entry.load().then(
        (factory) => {
          // the names a config was matched by must be the factory's own
          const declared = [entry.kind, entry.type, ...(entry.aliases ?? [])].join(' ');
          const actual = [factory.kind, factory.type, ...(factory.aliases ?? [])].join(' ');
          if (declared !== actual)
            throw new Error(`component registered as "${declared}" loaded a factory of "${actual}"`);
          this.put(factory);
        },
        (err: unknown) => {
          throw new Error(`${entry.kind} "${entry.type}" could not be loaded: ${(err as Error).message}`);
        },
      );
      this.loading.set(entry, done);
    }
    return done;
  }
}
