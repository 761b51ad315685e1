// One resource kept in step with the API server: list it, then watch from the list's
// resourceVersion; a watch that ends resumes from the last version seen; a version the server
// no longer has (410 Gone) or any failure starts over with a fresh list after a pause.
import type { KubeApi } from './api.ts';
import type { KubeList, ObjectMeta, WatchEvent } from './objects.ts';

export interface InformerOptions {
  /** e.g. /api/v1/pods, with a query string for selectors */
  path: string;
  /** longest pause between attempts after failures */
  maxBackoffMs: number;
  onError(err: Error): void;
}

const FIRST_BACKOFF_MS = 200;

export class Informer<T extends { metadata: ObjectMeta }> {
  private readonly api: KubeApi;
  private readonly options: InformerOptions;
  private readonly objects = new Map<string, T>();
  private readonly listeners: Array<(type: 'upsert' | 'delete', object: T) => void> = [];
  private readonly abort = new AbortController();
  private syncedOnce?: () => void;
  /** resolves after the first complete list */
  readonly synced: Promise<void>;
  /** watch streams opened, for tests and metrics */
  watches = 0;
  lists = 0;

  constructor(api: KubeApi, options: InformerOptions) {
    this.api = api;
    this.options = options;
    this.synced = new Promise((resolve) => (this.syncedOnce = resolve));
  }

  onChange(listener: (type: 'upsert' | 'delete', object: T) => void): void {
    this.listeners.push(listener);
  }

  get(uid: string): T | undefined {
    return this.objects.get(uid);
  }

  values(): IterableIterator<T> {
    return this.objects.values();
  }

  get size(): number {
    return this.objects.size;
  }

  start(): void {
    void this.run();
  }

  stop(): void {
    this.abort.abort();
  }

  private async run(): Promise<void> {
    let backoff = FIRST_BACKOFF_MS;
    while (!this.abort.signal.aborted) {
      try {
        let version = await this.list();
        backoff = FIRST_BACKOFF_MS;
        for (;;) {
          const began = Date.now();
          const next = await this.watch(version);
          if (next === undefined) break;
          version = next;
          // a server that ends watches at once must not be asked again in a tight loop
          if (Date.now() - began < 1000) await this.pause(FIRST_BACKOFF_MS);
          if (this.abort.signal.aborted) return;
        }
      } catch (err) {
        if (this.abort.signal.aborted) return;
        this.options.onError(err as Error);
        await this.pause(backoff);
        backoff = Math.min(backoff * 2, this.options.maxBackoffMs);
      }
    }
  }

  private async list(): Promise<string> {
    const list = await this.api.get<KubeList<T>>(this.options.path, this.abort.signal);
    this.lists++;
    if (!Array.isArray(list.items)) throw new Error(`GET ${this.options.path}: the answer has no items`);
    const seen = new Set<string>();
    for (const item of list.items) {
      if (!item?.metadata?.uid) continue;
      seen.add(item.metadata.uid);
      this.upsert(item);
    }
    for (const [uid, old] of this.objects) if (!seen.has(uid)) this.remove(old);
    this.syncedOnce?.();
    return list.metadata.resourceVersion;
  }

  /** Watches from `version`; the version to resume from, or undefined to list again. */
  private async watch(version: string): Promise<string | undefined> {
    const sep = this.options.path.includes('?') ? '&' : '?';
    const path = `${this.options.path}${sep}watch=true&allowWatchBookmarks=true&resourceVersion=${encodeURIComponent(version)}`;
    this.watches++;
    let last = version;
    for await (const event of this.api.watch<WatchEvent<T>>(path, this.abort.signal)) {
      if (event.type === 'ERROR') {
        const status = event.object as { code?: number; message?: string };
        if (status.code === 410) return undefined;
        throw new Error(`watch ${this.options.path}: ${status.message ?? 'error event'}`);
      }
      const object = event.object as T;
      if (object?.metadata?.resourceVersion) last = object.metadata.resourceVersion;
      if (!object?.metadata?.uid) continue;
      if (event.type === 'ADDED' || event.type === 'MODIFIED') this.upsert(object);
      else if (event.type === 'DELETED') this.remove(object);
    }
    return last;
  }

  private upsert(object: T): void {
    this.objects.set(object.metadata.uid, object);
    for (const l of this.listeners) l('upsert', object);
  }

  private remove(object: T): void {
    this.objects.delete(object.metadata.uid);
    for (const l of this.listeners) l('delete', object);
  }

  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.abort.signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
    });
  }
}
