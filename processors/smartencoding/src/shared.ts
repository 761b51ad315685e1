// The state the smartencoding processors of one directory share: the dictionary, what /proc
// said per pid, the Kubernetes cache, and the memo of resources already resolved. A shared
// instance of the host's: started by the first processor that starts, stopped (and the
// dictionary saved) by the last to stop.
import { resolve } from 'node:path';
import { sharedKey, type CreateSettings, type Host, type SharedInstance, type SharedLifecycle } from '@flowtel/core';
import type { KeyValue } from '@flowtel/pdata';
import type { SmartEncodingConfig } from './config.ts';
import { TagDictionary } from './dictionary.ts';
import { localHost, type LocalHost } from './host.ts';
import { KubeApi } from './kubernetes/api.ts';
import { KubeCache } from './kubernetes/cache.ts';
import { readProc, type ProcInfo } from './proc.ts';
import { podTags, resolveTags, type ResolverSources, type TagSet } from './resolve.ts';

const MEMO_LIMIT = 10_000;

interface Memo<T> {
  value: T;
  /** when /proc must be asked again; never for resources /proc says nothing about */
  expires: number;
  generation: number;
}

export class SharedTagging implements SharedLifecycle {
  readonly dictionary: TagDictionary;
  readonly host: LocalHost = localHost();
  kube?: KubeCache;
  private readonly settings: CreateSettings;
  private readonly config: SmartEncodingConfig;
  private readonly procs = new Map<number, { info: ProcInfo | undefined; at: number }>();
  private readonly sources: ResolverSources;
  private saveTimer?: NodeJS.Timeout;
  /** counts /proc lookups, so a memo entry knows whether it depends on them */
  private procLookups = 0;

  /** the settings every processor on this directory must share */
  readonly settingsKey: string;

  constructor(settings: CreateSettings, config: SmartEncodingConfig) {
    this.settings = settings;
    this.config = config;
    this.settingsKey = sharedSettings(config);
    this.dictionary = new TagDictionary({
      directory: resolve(settings.configDir, config.directory),
      maxEntriesPerKind: config.max_entries_per_kind,
    });
    this.sources = {
      host: this.host,
      agentTags: config.tags,
      proc: (pid) => this.proc(pid),
      labels: config.kubernetes.labels,
      annotations: config.kubernetes.annotations,
    };
  }

  async start(): Promise<void> {
    this.saveTimer = setInterval(() => this.save(), Math.max(this.config.save_interval, 10));
    this.saveTimer.unref();
    const api = kubeApi(this.config);
    if (!api) return;
    const kube = new KubeCache(api, {
      nodeName: this.config.kubernetes.node_name || undefined,
      maxBackoffMs: this.config.kubernetes.max_backoff,
      onError: (err) =>
        this.settings.logger.warn({ err: err.message }, 'smartencoding: Kubernetes API request failed; retrying'),
    });
    kube.start();
    this.kube = kube;
    this.sources.kube = kube;
    if (!(await kube.waitForSync(this.config.kubernetes.sync_timeout))) {
      this.settings.logger.warn(
        `smartencoding: the Kubernetes API did not answer within ${this.config.kubernetes.sync_timeout} ms; pods are tagged once it does`,
      );
    }
  }

  shutdown(): void {
    clearInterval(this.saveTimer);
    this.kube?.stop();
    this.save();
  }

  /** The tag sets of a resource, memoised until /proc or the API server may say otherwise. */
  resolve(
    resource: KeyValue[],
    clientAddress: string | undefined,
    memo: Map<string, Memo<unknown>>,
    build: (set: TagSet) => unknown,
  ): unknown {
    const key = memoKey(resource, clientAddress);
    const now = Date.now();
    const generation = this.kube?.generation ?? 0;
    const hit = memo.get(key);
    if (hit && hit.generation === generation && now < hit.expires) return hit.value;
    const lookups = this.procLookups;
    const value = build(resolveTags(resource, clientAddress, this.sources));
    if (memo.size >= MEMO_LIMIT) memo.clear();
    memo.set(key, {
      value,
      expires: this.procLookups === lookups ? Infinity : now + this.config.process_refresh,
      generation,
    });
    return value;
  }

  /** The Kubernetes tag sets of the pod that has `ip`, memoised until the cache changes. */
  peerTags(ip: string, memo: Map<string, Memo<unknown>>, build: (set: TagSet) => unknown): unknown {
    const kube = this.kube;
    if (!kube) return undefined;
    const hit = memo.get(ip);
    if (hit && hit.generation === kube.generation) return hit.value;
    const pod = kube.podByIp(ip);
    const value = pod ? build(podTags(pod, kube, this.sources)) : undefined;
    if (memo.size >= MEMO_LIMIT) memo.clear();
    memo.set(ip, { value, expires: Infinity, generation: kube.generation });
    return value;
  }

  save(): void {
    try {
      this.dictionary.save();
    } catch (err) {
      this.settings.logger.error({ err: (err as Error).message }, 'smartencoding: cannot save the dictionary');
    }
  }

  private proc(pid: number): ProcInfo | undefined {
    this.procLookups++;
    const now = Date.now();
    const cached = this.procs.get(pid);
    if (cached && now - cached.at < this.config.process_refresh) return cached.info;
    const info = readProc(pid);
    if (this.procs.size >= MEMO_LIMIT) this.procs.clear();
    this.procs.set(pid, { info, at: now });
    return info;
  }
}

export type MemoMap = Map<string, Memo<unknown>>;

/** A resource's identity as text: every part length-prefixed, so no two resources share a key. */
function memoKey(resource: KeyValue[], clientAddress: string | undefined): string {
  const part = (type: string, text: string) => `${type}${text.length}:${text}`;
  let key = part('c', clientAddress ?? '');
  for (const { key: k, value: v } of resource) {
    key += part('k', k);
    if ('stringValue' in v) key += part('s', v.stringValue);
    else if ('intValue' in v) key += part('i', String(v.intValue));
    else if ('doubleValue' in v) key += part('d', String(v.doubleValue));
    else if ('boolValue' in v) key += part('b', String(v.boolValue));
    else
      key += part(
        'j',
        JSON.stringify(v, (_, x: unknown) =>
          typeof x === 'bigint' ? `${x}n` : x instanceof Uint8Array ? Buffer.from(x).toString('base64') : x,
        ),
      );
  }
  return key;
}

function kubeApi(config: SmartEncodingConfig): KubeApi | undefined {
  const k = config.kubernetes;
  const inCluster = Boolean(process.env.KUBERNETES_SERVICE_HOST);
  if (k.enabled === false || (k.enabled === 'auto' && !inCluster && !k.api_url)) return undefined;
  let baseUrl = k.api_url;
  if (!baseUrl) {
    const host = process.env.KUBERNETES_SERVICE_HOST;
    if (!host)
      throw new Error('kubernetes.enabled is true but neither kubernetes.api_url nor KUBERNETES_SERVICE_HOST is set');
    baseUrl = `https://${host.includes(':') ? `[${host}]` : host}:${process.env.KUBERNETES_SERVICE_PORT ?? '443'}`;
  }
  return new KubeApi({ baseUrl, tokenFile: k.token_file, caFile: k.ca_file, timeoutMs: k.request_timeout });
}

const TAGGING = sharedKey<SharedTagging>('smartencoding.tagging');

/** What processors sharing a directory must agree on: it decides which entries exist. */
const sharedSettings = (c: SmartEncodingConfig) =>
  JSON.stringify({
    tags: c.tags,
    kubernetes: c.kubernetes,
    max_entries_per_kind: c.max_entries_per_kind,
    process_refresh: c.process_refresh,
  });

/** The host's shared state of the directory a config names: one per resolved directory. */
export function sharedTagging(
  host: Host,
  settings: CreateSettings,
  config: SmartEncodingConfig,
): SharedInstance<SharedTagging> {
  const directory = resolve(settings.configDir, config.directory);
  const s = host.shared.instance(TAGGING, directory, () => new SharedTagging(settings, config));
  if (s.value.settingsKey !== sharedSettings(config)) {
    throw new Error(
      `processor ${settings.id}: smartencoding processors sharing the directory ${directory} must have the same tags, kubernetes, ` +
        `max_entries_per_kind and process_refresh (they share one dictionary); only mode and keep may differ`,
    );
  }
  return s;
}
