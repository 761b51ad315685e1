import { z, duration } from '@flowtel/core';

export const MODES = ['encode', 'enrich'] as const;

export const configSchema = z
  .object({
    /**
     * encode: resource attributes leave as ids (for the ClickHouse exporter);
     * enrich: they leave decoded, with everything the dictionary knows (for OTLP, remote write)
     */
    mode: z.enum(MODES).default('encode'),
    /** where the dictionary is kept across restarts; processors naming the same folder share one dictionary */
    directory: z.string().min(1).default('./data/smartencoding'),
    /** the collector's own tags: stored once in the dictionary (kind `agent`), restored on decode */
    tags: z.record(z.string(), z.string()).default({}),
    /** resource attributes that stay on encoded records as they are */
    keep: z.array(z.string()).default(['service.name']),
    /** a kind with this many entries takes no more: new tag sets of that kind stay unencoded */
    max_entries_per_kind: z.number().int().positive().default(1_000_000),
    /** how often a changed dictionary is written to `directory` */
    save_interval: duration().default('1s'),
    /** how long what /proc said about a pid is trusted before it is read again */
    process_refresh: duration().default('30s'),
    /**
     * encode mode: encoded resources also carry the dictionary entries their ids need (attribute
     * `flowtel.tag.entries`), so a collector further on (otlp -> clickhouse) can store them
     */
    in_band: z.boolean().default(false),
    /** an entry sent in-band is sent again, with the next resource that uses it, after this long */
    in_band_resend_interval: duration().default('1m'),
    kubernetes: z
      .object({
        /** auto: on when KUBERNETES_SERVICE_HOST is set (running in a pod) */
        enabled: z.union([z.boolean(), z.literal('auto')]).default('auto'),
        /** the API server; default https://$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT */
        api_url: z.string().url().optional(),
        token_file: z.string().default('/var/run/secrets/kubernetes.io/serviceaccount/token'),
        ca_file: z.string().default('/var/run/secrets/kubernetes.io/serviceaccount/ca.crt'),
        /** only this node's pods (set it from the downward API in a DaemonSet); all pods when empty */
        node_name: z.string().default(''),
        /** put pod labels / annotations in the pod's dictionary entry */
        labels: z.boolean().default(true),
        annotations: z.boolean().default(true),
        /** how long start waits for the first list of pods, services and replica sets */
        sync_timeout: duration().default('10s'),
        request_timeout: duration().default('30s'),
        /** the longest pause between reconnects to the API server */
        max_backoff: duration().default('30s'),
      })
      .strict()
      .default({}),
  })
  .strict();

export type SmartEncodingConfig = z.output<typeof configSchema>;
