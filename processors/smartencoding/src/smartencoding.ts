// The processor: every resource of every batch gets its tag sets interned, then leaves with
// ids (encode) or with the full decoded attributes (enrich). Resources are few per batch and
// repeat from batch to batch, so the work is a memo lookup per resource, not per record.
import { map, type OperatorFunction } from 'rxjs';
import type { Batch, CreateSettings, Host, Processor, SharedInstance } from '@flowtel/core';
import { attr, type KeyValue, type Resource, type ResourceLogs } from '@flowtel/pdata';
import type { SmartEncodingConfig } from './config.ts';
import { decodeAttributes, decodePeerAttributes } from './decode.ts';
import { NoIdError, type TagEntry } from './dictionary.ts';
import { encodeResource, encodedAttributes } from './encode.ts';
import { peerAddress, peerIdAttributes } from './peer.ts';
import { sharedTagging, type MemoMap, type SharedTagging } from './shared.ts';
import {
  ENTRIES_ATTRIBUTE,
  L7_SCOPE_NAME,
  TAG_DICTIONARY,
  TAG_KINDS,
  entriesToText,
  kindOfIdAttribute,
  kindOfPeerAttribute,
} from '@flowtel/core/smartencoding';

export class SmartEncodingProcessor implements Processor {
  private readonly settings: CreateSettings;
  private readonly config: SmartEncodingConfig;
  private readonly keep: ReadonlySet<string>;
  private readonly memo: MemoMap = new Map();
  private readonly peerMemo: MemoMap = new Map();
  private shared?: SharedInstance<SharedTagging>;
  /** in_band: when each entry (by `kind:id`) was last sent, and at which of its versions */
  private readonly sent = new Map<string, { at: number; version: number }>();
  /** resources left unencoded because a dictionary kind was full (or two ids collided) */
  unencoded = 0;

  constructor(settings: CreateSettings, config: SmartEncodingConfig) {
    this.settings = settings;
    this.config = config;
    this.keep = new Set(config.keep);
  }

  get tagging(): SharedTagging {
    if (!this.shared) throw new Error(`processor ${this.settings.id} was given data before it started`);
    return this.shared.value;
  }

  async start(host: Host): Promise<void> {
    if (this.shared) return;
    const shared = sharedTagging(host, this.settings, this.config);
    await shared.acquire();
    this.shared = shared;
    // the exporters that store ids find their dictionary through the host, which keeps it
    // until they have stopped (their queues may outlive this processor at shutdown)
    host.shared.offer(TAG_DICTIONARY, this.settings.id, shared.value.dictionary);
    this.observe(shared.value);
  }

  async shutdown(): Promise<void> {
    const shared = this.shared;
    if (!shared) return;
    this.shared = undefined;
    await shared.release();
  }

  operator(): OperatorFunction<Batch, Batch> {
    return map((batch) => {
      try {
        this.process(batch);
      } catch (err) {
        this.settings.logger.error(
          { err: (err as Error).message },
          'smartencoding failed on a batch; it passes unencoded',
        );
      }
      return batch;
    });
  }

  /** Rewrites the resources of the batch in place (the host gives each pipeline its own copy). */
  process(batch: Batch): void {
    const client = batch.client?.address;
    switch (batch.signal) {
      case 'traces':
        for (const r of batch.data.resourceSpans) {
          this.rewrite(r.resource, client);
          this.attachEntries(r.resource);
        }
        break;
      case 'logs':
        for (const r of batch.data.resourceLogs) {
          this.rewrite(r.resource, client);
          this.tagPeers(r);
          this.attachEntries(r.resource, r);
        }
        break;
      case 'metrics':
        for (const r of batch.data.resourceMetrics) {
          this.rewrite(r.resource, client);
          this.attachEntries(r.resource);
        }
        break;
    }
  }

  /**
   * in_band: the entries of the resource's ids (and of its request logs' peer ids) that were
   * not sent in the last in_band_resend_interval, or changed since, go along on the resource.
   * Resending heals entries lost on the way (a batch dropped, a gateway that died holding it).
   */
  private attachEntries(resource: Resource, logs?: ResourceLogs): void {
    if (!this.config.in_band || this.config.mode !== 'encode') return;
    const dictionary = this.tagging.dictionary;
    const now = Date.now();
    const due: TagEntry[] = [];
    const seen = new Set<string>();
    const consider = (kv: KeyValue, kind: (typeof TAG_KINDS)[number] | undefined) => {
      if (!kind || !('intValue' in kv.value)) return;
      const entry = dictionary.get(kind, kv.value.intValue);
      const key = `${kind}:${kv.value.intValue}`;
      if (!entry || seen.has(key)) return;
      seen.add(key);
      const last = this.sent.get(key);
      if (last && last.version === entry.version && now - last.at < this.config.in_band_resend_interval) return;
      this.sent.set(key, { at: now, version: entry.version });
      due.push(entry);
    };
    for (const kv of resource.attributes) consider(kv, kindOfIdAttribute(kv.key));
    // peer ids exist only with Kubernetes (and reading logRecords would make deferred l7 records)
    for (const scope of this.tagging.kube ? (logs?.scopeLogs ?? []) : []) {
      if (scope.scope.name !== L7_SCOPE_NAME) continue;
      for (const record of scope.logRecords)
        for (const kv of record.attributes) consider(kv, kindOfPeerAttribute(kv.key));
    }
    // a copy: the encoded attributes are memoised and shared by every resource like this one
    if (due.length > 0) resource.attributes = [...resource.attributes, attr(ENTRIES_ATTRIBUTE, entriesToText(due))];
  }

  private rewrite(resource: Resource, client: string | undefined): void {
    const tagging = this.tagging;
    const dictionary = tagging.dictionary;
    const original = resource.attributes;
    try {
      resource.attributes = tagging.resolve(original, client, this.memo, (set) => {
        const ids = encodeResource(original, set, this.keep, dictionary);
        const encoded = encodedAttributes(original, ids, this.keep, this.settings.id, dictionary.version);
        return this.config.mode === 'encode' ? encoded : decodeAttributes(encoded, dictionary);
      }) as KeyValue[];
    } catch (err) {
      if (!(err instanceof NoIdError)) throw err;
      this.unencoded++;
    }
  }

  /** Request logs whose peer IP is a pod's get that pod's ids (or, in enrich mode, its attributes). */
  private tagPeers(r: ResourceLogs): void {
    const tagging = this.tagging;
    if (!tagging.kube) return;
    const dictionary = tagging.dictionary;
    for (const scope of r.scopeLogs) {
      if (scope.scope.name !== L7_SCOPE_NAME) continue;
      for (const record of scope.logRecords) {
        const ip = peerAddress(record.attributes);
        if (!ip) continue;
        const extra = tagging.peerTags(ip, this.peerMemo, (set) => {
          const ids = peerIdAttributes(set, dictionary);
          return this.config.mode === 'encode' ? ids : decodePeerAttributes(ids, dictionary);
        }) as KeyValue[] | undefined;
        if (extra) record.attributes.push(...extra);
      }
    }
  }

  private observe(tagging: SharedTagging): void {
    if (this.settings.metricsLevel === 'none') return;
    const attributes = { processor: this.settings.id };
    const meter = this.settings.meter;
    meter
      .createObservableGauge('flowtel_smartencoding_dictionary_entries', {
        description: 'Entries in the SmartEncoding dictionary, per tag kind.',
      })
      .addCallback((r) => {
        for (const kind of TAG_KINDS) r.observe(tagging.dictionary.size(kind), { ...attributes, kind });
      });
    meter
      .createObservableGauge('flowtel_smartencoding_dictionary_version', {
        description: 'The SmartEncoding dictionary version.',
      })
      .addCallback((r) => r.observe(tagging.dictionary.version, attributes));
    meter
      .createObservableCounter('flowtel_smartencoding_unencoded_resources', {
        description: 'Resources passed on unencoded because a dictionary kind was full.',
      })
      .addCallback((r) => r.observe(this.unencoded, attributes));
  }
}
