import type { Factory, Kind } from './component.ts';

/** The component types a collector knows, by kind, with their older spellings. */
export class Registry {
  private readonly byKind = new Map<Kind, Map<string, Factory>>();

  add(factory: Factory): this {
    let types = this.byKind.get(factory.kind);
    if (!types) this.byKind.set(factory.kind, (types = new Map()));
    for (const name of [factory.type, ...(factory.aliases ?? [])]) {
      const existing = types.get(name);
      if (existing && existing !== factory) throw new Error(`${factory.kind} type "${name}" is registered twice`);
      types.set(name, factory);
    }
    return this;
  }

  get<K extends Kind>(kind: K, type: string): Extract<Factory, { kind: K }> | undefined {
    return this.byKind.get(kind)?.get(type) as Extract<Factory, { kind: K }> | undefined;
  }

  /** Every factory of a kind once, by its current type name. */
  list<K extends Kind>(kind: K): Extract<Factory, { kind: K }>[] {
    const unique = new Set(this.byKind.get(kind)?.values() ?? []);
    return ([...unique] as Extract<Factory, { kind: K }>[]).sort((a, b) => a.type.localeCompare(b.type));
  }

  /** Every accepted spelling of a kind, for "valid values" in errors. */
  names(kind: Kind): string[] {
    return [...(this.byKind.get(kind)?.keys() ?? [])].sort();
  }
}
