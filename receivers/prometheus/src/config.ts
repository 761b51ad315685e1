// The receiver's config: contrib's top-level keys, and under `config` Prometheus's own
// configuration file (global + scrape_configs) with Prometheus's defaults. Every key Prometheus
// has that flowtel does not act on is refused with the reason, never accepted and ignored.
import { notInFlowtel, opaque, z } from '@flowtel/core';
import { compileRegexp } from '@flowtel/regexp';

const notYet = (key: string, hint = '') => notInFlowtel(`${key} is not yet in flowtel${hint ? `: ${hint}` : ''}`);

/** Prometheus's duration (model.ParseDuration): 1y2w3d4h5m6s7ms, or 0; the value is milliseconds. */
export function parsePromDuration(text: string): number | undefined {
  if (text === '0') return 0;
  const m = /^(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?$/.exec(text);
  if (!m || text === '') return undefined;
  const units = [365 * 86_400_000, 7 * 86_400_000, 86_400_000, 3_600_000, 60_000, 1000, 1];
  return units.reduce((ms, unit, i) => ms + Number(m[i + 1] ?? 0) * unit, 0);
}

const promDuration = () =>
  z.string().transform((v, ctx) => {
    const ms = parsePromDuration(v);
    if (ms === undefined) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        message: `'${v}' is not a Prometheus duration (valid: e.g. 15s, 1m, 1h30m, 100ms)`,
      });
      return z.NEVER;
    }
    return ms;
  });

/** Prometheus's byte sizes (units.Base2Bytes): 0, 512B, 10KB, 5MB, 1GB (powers of 1024). */
const byteSize = () =>
  z.union([z.number().int().nonnegative(), z.string()]).transform((v, ctx) => {
    if (typeof v === 'number') return v;
    const m = /^(\d+)(B|KB|KiB|MB|MiB|GB|GiB|TB|TiB)?$/.exec(v.trim());
    if (!m) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: `'${v}' is not a size (valid: e.g. 0, 10MB, 512KB)` });
      return z.NEVER;
    }
    const unit = (m[2] ?? 'B').replace('i', '');
    return Number(m[1]) * 1024 ** ['B', 'KB', 'MB', 'GB', 'TB'].indexOf(unit);
  });

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const labelName = () => z.string().regex(LABEL_NAME, 'must be a label name ([a-zA-Z_][a-zA-Z0-9_]*)');

/** An RE2 pattern (Prometheus's regexes are Go's), anchored at both ends as Prometheus anchors them. */
const relabelRegex = () =>
  z.string().transform((v, ctx) => {
    try {
      return { source: v, re: compileRegexp(`^(?:${v})$`) };
    } catch (err) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: `invalid regex '${v}': ${(err as Error).message}` });
      return z.NEVER;
    }
  });

export const RELABEL_ACTIONS = [
  'replace',
  'keep',
  'drop',
  'keepequal',
  'dropequal',
  'hashmod',
  'labelmap',
  'labeldrop',
  'labelkeep',
  'lowercase',
  'uppercase',
] as const;

const relabelConfigSchema = z
  .object({
    source_labels: z.array(labelName()).default([]),
    separator: z.string().default(';'),
    target_label: z.string().default(''),
    regex: relabelRegex().default('(.*)'),
    modulus: z.number().int().nonnegative().default(0),
    replacement: z.string().default('$1'),
    action: z
      .string()
      .transform((a) => a.toLowerCase())
      .pipe(
        z.enum(RELABEL_ACTIONS, {
          errorMap: () => ({ message: `action must be one of ${RELABEL_ACTIONS.join(', ')}` }),
        }),
      )
      .default('replace'),
  })
  .strict()
  .superRefine((c, ctx) => {
    // Prometheus's relabel.Config.Validate
    const issue = (path: string, message: string) =>
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: [path], message });
    const needsTarget = ['replace', 'hashmod', 'lowercase', 'uppercase', 'keepequal', 'dropequal'];
    if (needsTarget.includes(c.action) && c.target_label === '') {
      issue('target_label', `relabel configuration for ${c.action} action requires 'target_label' value`);
    }
    if (
      c.action === 'replace' &&
      c.target_label !== '' &&
      !/^(?:[a-zA-Z_]|\$(?:\{\w+\}|\w+))(?:\w|\$(?:\{\w+\}|\w+))*$/.test(c.target_label)
    ) {
      issue('target_label', `"${c.target_label}" is invalid 'target_label' for replace action`);
    }
    if (
      ['lowercase', 'uppercase', 'hashmod', 'keepequal', 'dropequal'].includes(c.action) &&
      c.target_label !== '' &&
      !LABEL_NAME.test(c.target_label)
    ) {
      issue('target_label', `"${c.target_label}" is invalid 'target_label' for ${c.action} action`);
    }
    if (c.action === 'hashmod' && c.modulus === 0)
      issue('modulus', 'relabel configuration for hashmod requires non-zero modulus');
    if (['labeldrop', 'labelkeep'].includes(c.action)) {
      if (
        c.source_labels.length > 0 ||
        c.target_label !== '' ||
        c.modulus !== 0 ||
        c.separator !== ';' ||
        c.replacement !== '$1'
      ) {
        issue('action', `${c.action} action requires only 'regex', and no other fields`);
      }
    }
    if (['keepequal', 'dropequal'].includes(c.action)) {
      if (c.regex.source !== '(.*)' || c.modulus !== 0 || c.separator !== ';' || c.replacement !== '$1') {
        issue('action', `${c.action} action requires only 'source_labels' and 'target_label', and no other fields`);
      }
    }
  });

export type RelabelConfig = z.output<typeof relabelConfigSchema>;

const tlsConfigSchema = z
  .object({
    ca_file: z.string().optional(),
    ca: z.string().optional(),
    cert_file: z.string().optional(),
    cert: z.string().optional(),
    key_file: z.string().optional(),
    key: z.string().optional(),
    server_name: z.string().optional(),
    insecure_skip_verify: z.boolean().default(false),
    min_version: z.enum(['TLS10', 'TLS11', 'TLS12', 'TLS13']).optional(),
    max_version: z.enum(['TLS10', 'TLS11', 'TLS12', 'TLS13']).optional(),
  })
  .strict()
  .superRefine((c, ctx) => {
    const issue = (message: string) => ctx.addIssue({ code: z.ZodIssueCode.custom, message });
    if (c.ca && c.ca_file) issue('at most one of ca and ca_file must be configured');
    if (c.cert && c.cert_file) issue('at most one of cert and cert_file must be configured');
    if (c.key && c.key_file) issue('at most one of key and key_file must be configured');
    if (Boolean(c.cert ?? c.cert_file) !== Boolean(c.key ?? c.key_file)) {
      issue('client cert and key must be configured together');
    }
  });

const staticConfigSchema = z
  .object({
    targets: z.array(z.string()).default([]),
    labels: z.record(labelName(), z.string()).default({}),
  })
  .strict();

const fileSdSchema = z
  .object({
    files: z.array(
      z.string().refine((f) => /\.(json|ya?ml)$/i.test(f), 'file_sd files must end in .json, .yml or .yaml'),
    ),
    refresh_interval: promDuration().default('5m'),
  })
  .strict();

// service discovery mechanisms Prometheus has and flowtel does not (yet)
const OTHER_SD = [
  'azure_sd_configs',
  'consul_sd_configs',
  'digitalocean_sd_configs',
  'docker_sd_configs',
  'dockerswarm_sd_configs',
  'dns_sd_configs',
  'ec2_sd_configs',
  'eureka_sd_configs',
  'gce_sd_configs',
  'hetzner_sd_configs',
  'http_sd_configs',
  'ionos_sd_configs',
  'kubernetes_sd_configs',
  'kuma_sd_configs',
  'lightsail_sd_configs',
  'linode_sd_configs',
  'marathon_sd_configs',
  'nerve_sd_configs',
  'nomad_sd_configs',
  'openstack_sd_configs',
  'ovhcloud_sd_configs',
  'puppetdb_sd_configs',
  'scaleway_sd_configs',
  'serverset_sd_configs',
  'triton_sd_configs',
  'uyuni_sd_configs',
  'vultr_sd_configs',
] as const;
const otherSd = Object.fromEntries(
  OTHER_SD.map((k) => [k, notYet(k, 'flowtel discovers targets from static_configs and file_sd_configs')]),
) as Record<(typeof OTHER_SD)[number], ReturnType<typeof notYet>>;

const limits = {
  body_size_limit: byteSize().optional(),
  sample_limit: z.number().int().nonnegative().optional(),
  label_limit: z.number().int().nonnegative().optional(),
  label_name_length_limit: z.number().int().nonnegative().optional(),
  label_value_length_limit: z.number().int().nonnegative().optional(),
  target_limit: notYet('target_limit'),
};

const scrapeConfigSchema = z
  .object({
    job_name: z.string().min(1, 'job_name is empty'),
    scrape_interval: promDuration().optional(),
    scrape_timeout: promDuration().optional(),
    metrics_path: z.string().default('/metrics'),
    scheme: z.enum(['http', 'https']).default('http'),
    params: z.record(z.string(), z.array(z.string())).default({}),
    honor_labels: z.boolean().default(false),
    honor_timestamps: z.boolean().default(true),
    basic_auth: z
      .object({
        username: z.string().default(''),
        username_file: z.string().optional(),
        password: opaque().optional(),
        password_file: z.string().optional(),
      })
      .strict()
      .optional(),
    authorization: z
      .object({
        type: z.string().default('Bearer'),
        credentials: opaque().optional(),
        credentials_file: z.string().optional(),
      })
      .strict()
      .optional(),
    bearer_token: opaque().optional(),
    bearer_token_file: z.string().optional(),
    tls_config: tlsConfigSchema.optional(),
    follow_redirects: z.boolean().default(true),
    /** scrapes are HTTP/1.1 either way; accepted as Prometheus configs carry it */
    enable_http2: z.boolean().default(true),
    ...limits,
    static_configs: z.array(staticConfigSchema).default([]),
    file_sd_configs: z.array(fileSdSchema).default([]),
    ...otherSd,
    relabel_configs: z.array(relabelConfigSchema).default([]),
    metric_relabel_configs: z.array(relabelConfigSchema).default([]),
    oauth2: notYet('oauth2', 'use authorization or basic_auth'),
    proxy_url: notYet('proxy_url'),
    no_proxy: notYet('no_proxy'),
    proxy_from_environment: notYet('proxy_from_environment'),
    proxy_connect_header: notYet('proxy_connect_header'),
    track_timestamps_staleness: notYet('track_timestamps_staleness'),
    scrape_classic_histograms: notYet(
      'scrape_classic_histograms',
      'native histograms are not scraped; classic ones always are',
    ),
    native_histogram_bucket_limit: notYet('native_histogram_bucket_limit', 'native histograms are not scraped'),
    native_histogram_min_bucket_factor: notYet(
      'native_histogram_min_bucket_factor',
      'native histograms are not scraped',
    ),
    scrape_protocols: notYet('scrape_protocols', 'flowtel asks for OpenMetrics, then the text format'),
    fallback_scrape_protocol: notYet('fallback_scrape_protocol'),
    keep_dropped_targets: notYet('keep_dropped_targets', 'flowtel has no targets page'),
    enable_compression: z.boolean().default(true),
    metric_name_validation_scheme: notYet('metric_name_validation_scheme'),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (c.basic_auth && c.basic_auth.password !== undefined && c.basic_auth.password_file !== undefined) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['basic_auth'],
        message: 'at most one of basic_auth password & password_file must be configured',
      });
    }
    const auths = [c.basic_auth, c.authorization, c.bearer_token ?? c.bearer_token_file].filter((a) => a !== undefined);
    if (auths.length > 1) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        message: 'at most one of basic_auth, authorization and bearer_token(_file) must be configured',
      });
    }
    if (c.bearer_token !== undefined && c.bearer_token_file !== undefined) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        message: 'at most one of bearer_token & bearer_token_file must be configured',
      });
    }
    if (c.authorization && c.authorization.type.toLowerCase() === 'basic') {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['authorization', 'type'],
        message: 'authorization type cannot be set to "basic", use "basic_auth" instead',
      });
    }
    for (const rc of c.metric_relabel_configs) {
      // contrib refuses it: a renamed series would leave its family (TODO #2297 there)
      if (rc.target_label === '__name__') {
        ctx.addIssue({
          code: z.ZodIssueCode.custom,
          path: ['metric_relabel_configs'],
          message: `error validating scrapeconfig for job ${c.job_name}: metric_relabel_configs with target_label __name__ are not supported`,
        });
      }
    }
  });

const globalSchema = z
  .object({
    scrape_interval: promDuration().default('1m'),
    scrape_timeout: promDuration().default('10s'),
    /** rules are refused (rule_files), so this has nothing to time; accepted as Prometheus configs carry it */
    evaluation_interval: promDuration().default('1m'),
    external_labels: z.record(labelName(), z.string()).default({}),
    ...limits,
    query_log_file: notYet('query_log_file', 'the receiver runs no queries'),
    scrape_protocols: notYet('scrape_protocols', 'flowtel asks for OpenMetrics, then the text format'),
  })
  .strict()
  .superRefine((g, ctx) => {
    if (g.scrape_timeout > g.scrape_interval) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['scrape_timeout'],
        message: 'global scrape timeout greater than scrape interval',
      });
    }
  });

const refusedByContrib = (key: string) =>
  notInFlowtel(`unsupported features: ${key} (the prometheus receiver refuses it, as otelcol's does)`);

const promConfigSchema = z
  .object({
    global: globalSchema.default({}),
    scrape_configs: z.array(scrapeConfigSchema).default([]),
    scrape_config_files: notYet('scrape_config_files', 'put the scrape configs under scrape_configs'),
    rule_files: refusedByContrib('rule_files'),
    remote_write: refusedByContrib('remote_write'),
    remote_read: refusedByContrib('remote_read'),
    alerting: refusedByContrib('alerting'),
    storage: notYet('storage', 'the receiver stores nothing'),
    tracing: notYet('tracing'),
  })
  .strict()
  .transform((c, ctx) => {
    const seen = new Set<string>();
    const g = c.global;
    const jobs = c.scrape_configs.map((s, i) => {
      if (seen.has(s.job_name)) {
        ctx.addIssue({
          code: z.ZodIssueCode.custom,
          path: ['scrape_configs', i, 'job_name'],
          message: `found multiple scrape configs with job name "${s.job_name}"`,
        });
      }
      seen.add(s.job_name);
      const interval = s.scrape_interval ?? g.scrape_interval;
      // Prometheus: an unset timeout is the global one, cut to the job's interval
      const timeout = s.scrape_timeout ?? Math.min(g.scrape_timeout, interval);
      if (timeout > interval) {
        ctx.addIssue({
          code: z.ZodIssueCode.custom,
          path: ['scrape_configs', i, 'scrape_timeout'],
          message: `scrape timeout greater than scrape interval for scrape config with job name "${s.job_name}"`,
        });
      }
      if (interval <= 0) {
        ctx.addIssue({
          code: z.ZodIssueCode.custom,
          path: ['scrape_configs', i, 'scrape_interval'],
          message: 'scrape_interval must be positive',
        });
      }
      return {
        ...s,
        scrape_interval: interval,
        scrape_timeout: timeout,
        body_size_limit: s.body_size_limit ?? g.body_size_limit ?? 0,
        sample_limit: s.sample_limit ?? g.sample_limit ?? 0,
        label_limit: s.label_limit ?? g.label_limit ?? 0,
        label_name_length_limit: s.label_name_length_limit ?? g.label_name_length_limit ?? 0,
        label_value_length_limit: s.label_value_length_limit ?? g.label_value_length_limit ?? 0,
      };
    });
    return { global: g, scrape_configs: jobs };
  });

export type ScrapeConfig = z.output<typeof promConfigSchema>['scrape_configs'][number];

export const prometheusReceiverConfigSchema = z
  .object({
    /** Prometheus's configuration file, as Prometheus reads it */
    config: promConfigSchema.optional(),
    trim_metric_suffixes: z
      .literal(false, {
        errorMap: () => ({ message: 'trim_metric_suffixes is not yet in flowtel: metric names are kept as scraped' }),
      })
      .default(false),
    use_start_time_metric: z.boolean().default(false),
    start_time_metric_regex: z.string().default(''),
    report_extra_scrape_metrics: z.boolean().default(false),
    target_allocator: notYet('target_allocator', 'list the targets in scrape_configs'),
    api_server: notYet('api_server'),
    enable_prometheus_ui_server: notYet('enable_prometheus_ui_server'),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (!c.config || c.config.scrape_configs.length === 0) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['config'],
        message: 'no Prometheus scrape_configs or target_allocator set',
      });
    }
    if (c.start_time_metric_regex !== '') {
      try {
        compileRegexp(c.start_time_metric_regex);
      } catch (err) {
        ctx.addIssue({
          code: z.ZodIssueCode.custom,
          path: ['start_time_metric_regex'],
          message: `invalid regex: ${(err as Error).message}`,
        });
      }
    }
  });

export type PrometheusReceiverConfig = z.output<typeof prometheusReceiverConfigSchema>;
