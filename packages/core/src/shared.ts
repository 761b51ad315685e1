// State that components share, held by the host (one table per running collector, so a reload
// or a second collector in the same process never sees another's state). Two needs:
//
// * one instance for several components (otelcol's internal/sharedcomponent): the l7 engine
//   that every pipeline naming one l7 processor feeds, the SmartEncoding tagger of a dictionary
//   directory. The first user starts it, the last user's release shuts it down.
// * state one component offers others (the SmartEncoding dictionary an exporter reads ids
//   against). The host keeps it until every exporter has stopped, so an exporter flushing its
//   queue at shutdown still finds what its records refer to after the offering processor stopped.

/** Names a kind of shared state and the type it holds; components on both sides use the same key. */
export interface SharedKey<T> {
  readonly name: string;
  /** never set: carries T so that `lookup(key, id)` is typed */
  readonly type?: T;
}

export const sharedKey = <T>(name: string): SharedKey<T> => ({ name });

/** What a shared instance does when its first user starts and after its last user stops. */
export interface SharedLifecycle {
  start(): Promise<void> | void;
  shutdown(): Promise<void> | void;
}

/**
 * One instance used by several components. Each user calls `acquire` once when it starts and
 * `release` once when it stops: the first acquire starts the instance (later ones wait for that
 * start), the last release shuts it down and takes it out of the host's table, so a user that
 * comes after that gets a new instance.
 */
export class SharedInstance<T extends SharedLifecycle> {
  readonly value: T;
  private users = 0;
  private starting?: Promise<void>;
  private readonly remove: () => void;

  constructor(value: T, remove: () => void) {
    this.value = value;
    this.remove = remove;
  }

  async acquire(): Promise<void> {
    this.users++;
    try {
      // a start that throws at once is a failed start like one that rejects
      this.starting ??= (async () => this.value.start())();
      await this.starting;
    } catch (err) {
      // a failed start is not a user: the next acquire tries again
      this.users--;
      this.starting = undefined;
      if (this.users === 0) this.remove();
      throw err;
    }
  }

  /** Returns true when this was the last user and the instance has shut down. */
  async release(): Promise<boolean> {
    if (this.users === 0 || --this.users > 0) return false;
    this.starting = undefined;
    this.remove();
    await this.value.shutdown();
    return true;
  }
}

export class SharedState {
  private readonly instances = new Map<string, SharedInstance<SharedLifecycle>>();
  private readonly offered = new Map<string, unknown>();

  /** The instance of `key` for `id`, made by `create` when no user holds one. */
  instance<T extends SharedLifecycle>(key: SharedKey<T>, id: string, create: () => T): SharedInstance<T> {
    const k = entryKey(key, id);
    let s = this.instances.get(k) as SharedInstance<T> | undefined;
    if (!s) {
      const made: SharedInstance<T> = new SharedInstance(create(), () => {
        if (this.instances.get(k) === made) this.instances.delete(k);
      });
      this.instances.set(k, made);
      s = made;
    }
    return s;
  }

  /** Offers `value` under `key` and `id` to other components until the host stops them all. */
  offer<T>(key: SharedKey<T>, id: string, value: T): void {
    this.offered.set(entryKey(key, id), value);
  }

  /** What a component offered under `key` and `id`, if one did. */
  lookup<T>(key: SharedKey<T>, id: string): T | undefined {
    return this.offered.get(entryKey(key, id)) as T | undefined;
  }

  /** Forgets what was offered: the host calls it once every component has stopped. */
  clear(): void {
    this.offered.clear();
  }
}

const entryKey = (key: SharedKey<unknown>, id: string) => `${key.name}\u0000${id}`;
