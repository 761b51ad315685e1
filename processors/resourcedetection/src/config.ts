import { duration, notInFlowtel, z } from '@flowtel/core';
import { compileRegexp } from '@flowtel/regexp';

/** Per-attribute `enabled` switches, with contrib's defaults (its metadata.yaml per detector). */
function resourceAttributes(defaults: Record<string, boolean>, unsupported: Record<string, string> = {}) {
  const shape: Record<string, z.ZodTypeAny> = {};
  for (const [key, on] of Object.entries(defaults)) {
    shape[key] = z
      .object({ enabled: z.boolean().default(on) })
      .strict()
      .default({});
  }
  for (const [key, reason] of Object.entries(unsupported)) {
    shape[key] = z
      .object({ enabled: z.boolean().default(false) })
      .strict()
      .refine((t) => !t.enabled, { message: reason })
      .default({});
  }
  return z
    .object(shape)
    .strict()
    .default({})
    .transform((t) => {
      const enabled = new Set<string>();
      for (const [key, toggle] of Object.entries(t as Record<string, { enabled: boolean }>)) {
        if (toggle.enabled) enabled.add(key);
      }
      return enabled;
    });
}

/** Go RE2 patterns, checked when the config is validated. */
const regexList = () =>
  z
    .array(z.string())
    .default([])
    .superRefine((patterns, ctx) => {
      for (const [i, p] of patterns.entries()) {
        try {
          compileRegexp(p);
        } catch (err) {
          ctx.addIssue({ code: z.ZodIssueCode.custom, path: [i], message: (err as Error).message });
        }
      }
    });

/** what every cloud detector sets, on by default */
const CLOUD = {
  'cloud.provider': true,
  'cloud.platform': true,
  'cloud.account.id': true,
  'cloud.region': true,
  'cloud.availability_zone': true,
};

export const HOSTNAME_SOURCES = ['dns', 'os', 'cname', 'lookup'] as const;

const systemSchema = z
  .object({
    hostname_sources: z.array(z.enum(HOSTNAME_SOURCES)).default([]),
    resource_attributes: resourceAttributes({
      'host.name': true,
      'host.id': false,
      'host.arch': false,
      'host.ip': false,
      'host.mac': false,
      'os.description': false,
      'os.type': true,
      'host.cpu.vendor.id': false,
      'host.cpu.family': false,
      'host.cpu.model.id': false,
      'host.cpu.model.name': false,
      'host.cpu.stepping': false,
      'host.cpu.cache.l2.size': false,
    }),
  })
  .strict()
  .default({});

const dockerSchema = z
  .object({
    resource_attributes: resourceAttributes(
      { 'host.name': true, 'os.type': true },
      Object.fromEntries(
        ['container.name', 'container.image.name', 'container.image.id', 'container.image.tags'].map((k) => [
          k,
          `${k} is not in flowtel's docker detector yet: it only reads the engine's /info (host.name, os.type), not the container's own inspect document`,
        ]),
      ),
    ),
  })
  .strict()
  .default({});

const ec2Schema = z
  .object({
    tags: regexList(),
    tags_from_imds: z.boolean().default(false),
    /** attempts per metadata request, as the AWS SDK's retryer (3 by default) */
    max_attempts: z.number().int().positive().default(3),
    /** the longest wait between two attempts */
    max_backoff: duration().default('20s'),
    fail_on_missing_metadata: z.boolean().default(false),
    resource_attributes: resourceAttributes({
      ...CLOUD,
      'host.id': true,
      'host.image.id': true,
      'host.name': true,
      'host.type': true,
    }),
  })
  .strict()
  .refine((c) => c.tags.length === 0 || c.tags_from_imds, {
    path: ['tags'],
    message:
      "tags through EC2's DescribeTags API is not in flowtel yet (it needs signed AWS API calls); set tags_from_imds: true to read them from the instance metadata service",
  })
  .default({});

const gcpSchema = z
  .object({
    labels: notInFlowtel(
      "labels is not in flowtel's gcp detector yet: instance labels come from the Compute API, not the metadata server",
    ),
    resource_attributes: resourceAttributes({
      ...CLOUD,
      'host.id': true,
      'host.name': true,
      'host.type': true,
      'k8s.cluster.name': true,
      'faas.name': true,
      'faas.version': true,
      'faas.instance': true,
      'faas.id': false,
      'gcp.cloud_run.job.execution': true,
      'gcp.cloud_run.job.task_index': true,
      'gcp.gce.instance.hostname': false,
      'gcp.gce.instance.name': false,
    }),
  })
  .strict()
  .default({});

const azureSchema = z
  .object({
    tags: regexList(),
    resource_attributes: resourceAttributes({
      'cloud.provider': true,
      'cloud.platform': true,
      'cloud.region': true,
      'cloud.account.id': true,
      'host.name': true,
      'host.id': true,
      'azure.resourcegroup.name': true,
      'azure.vm.name': true,
      'azure.vm.scaleset.name': true,
      'azure.vm.size': true,
    }),
  })
  .strict()
  .default({});

/** The detectors flowtel has, in contrib's names. */
export const DETECTORS = ['env', 'system', 'docker', 'ec2', 'gcp', 'azure'] as const;
export type DetectorName = (typeof DETECTORS)[number];

/** contrib's detectors flowtel does not have yet: refused with this reason. */
const NOT_YET = [
  'ecs',
  'eks',
  'elastic_beanstalk',
  'lambda',
  'aks',
  'azurecontainerapps',
  'heroku',
  'consul',
  'openshift',
  'k8snode',
  'k8s_api',
  'kubeadm',
  'dynatrace',
  'hetzner',
  'akamai',
  'scaleway',
  'vultr',
  'oraclecloud',
  'digitalocean',
  'nova',
  'upcloud',
  'alibaba_ecs',
  'tencent_cvm',
  'ibmcloud_vpc',
  'ibmcloud_classic',
];
const notYet = (d: string) =>
  `the ${d} detector is not in flowtel yet (flowtel has: ${DETECTORS.join(', ')}); remove it from detectors`;

const retrySchema = z
  .object({
    enabled: z.boolean().default(true),
    initial_interval: duration().default('1s'),
    randomization_factor: z.number().min(0).max(1).default(0.5),
    multiplier: z.number().min(1).default(2),
    max_interval: duration().default('30s'),
    max_elapsed_time: duration().default(0),
  })
  .strict()
  .default({});

export const resourceDetectionConfigSchema = z
  .object({
    detectors: z
      .array(z.string())
      .default([])
      .superRefine((ds, ctx) => {
        for (const [i, d] of ds.entries()) {
          if ((DETECTORS as readonly string[]).includes(d)) continue;
          const message = NOT_YET.includes(d)
            ? notYet(d)
            : d === 'gce' || d === 'gke'
              ? `invalid detector key: ${d} (contrib merged gce and gke into the gcp detector: use gcp)`
              : `invalid detector key: ${d} (valid: ${[...DETECTORS, ...NOT_YET].join(', ')})`;
          ctx.addIssue({ code: z.ZodIssueCode.custom, path: [i], message });
        }
      })
      .transform((ds) => ds as DetectorName[]),
    override: z.boolean().default(true),
    /** the HTTP client timeout of contrib's squashed confighttp.ClientConfig: bounds detection */
    timeout: duration().default('5s'),
    refresh_interval: duration().default(0),
    fail_on_missing_metadata: z.boolean().default(false),
    retry: retrySchema,
    attributes: notInFlowtel(
      "attributes was removed from contrib: choose attributes with each detector's resource_attributes::<name>::enabled",
    ),
    env: z.object({}).strict().default({}),
    system: systemSchema,
    docker: dockerSchema,
    ec2: ec2Schema,
    gcp: gcpSchema,
    azure: azureSchema,
    ...Object.fromEntries(NOT_YET.map((d) => [d, notInFlowtel(notYet(d))])),
  })
  .strict()
  .refine((c) => !(c.retry.enabled && c.timeout === 0 && c.retry.max_elapsed_time === 0), {
    path: ['timeout'],
    message: 'retry.enabled with timeout 0 and retry.max_elapsed_time 0 could block the start forever: set one of them',
  });

export type ResourceDetectionConfig = z.output<typeof resourceDetectionConfigSchema>;
export type SystemConfig = ResourceDetectionConfig['system'];
export type DockerConfig = ResourceDetectionConfig['docker'];
export type Ec2Config = ResourceDetectionConfig['ec2'];
export type GcpConfig = ResourceDetectionConfig['gcp'];
export type AzureConfig = ResourceDetectionConfig['azure'];
