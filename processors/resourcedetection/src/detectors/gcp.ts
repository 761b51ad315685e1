// contrib's gcp detector: which Google Cloud platform this is (from the variables each one
// sets), then the GCE metadata server's answers (http://metadata.google.internal/computeMetadata/v1,
// header Metadata-Flavor: Google; GCE_METADATA_HOST overrides the host, as in Google's clients).
import { promises as dns } from 'node:dns';
import type { KeyValue } from '@flowtel/pdata';
import type { GcpConfig } from '../config.ts';
import { AttrBuilder, NotOnPlatform, type DetectContext, type Detector } from '../detector.ts';
import { httpGet } from '../http.ts';

/** Google's clients ask this address when GCE_METADATA_HOST is unset */
const METADATA_IP = '169.254.169.254';
const METADATA_NAME = 'metadata.google.internal';
const FLAVOR = { 'Metadata-Flavor': 'Google' };

export function gcpDetector(config: GcpConfig): Detector {
  return async (ctx: DetectContext): Promise<KeyValue[]> => {
    const env = ctx.env;
    const host = env.GCE_METADATA_HOST || METADATA_IP;
    if (!env.GCE_METADATA_HOST) await onGce(ctx);
    const get = async (path: string): Promise<string> => {
      const answer = await httpGet({
        url: `http://${host}/computeMetadata/v1/${path}`,
        headers: FLAVOR,
        signal: ctx.signal,
      });
      if (answer.status !== 200)
        throw new Error(`metadata ${path}: HTTP ${answer.status} ${answer.body.slice(0, 200)}`);
      return answer.body.trim();
    };
    const last = (v: string) => v.slice(v.lastIndexOf('/') + 1);
    const b = new AttrBuilder(config.resource_attributes)
      .set('cloud.provider', 'gcp')
      .set('cloud.account.id', await get('project/project-id'));
    if (env.KUBERNETES_SERVICE_HOST) {
      const location = await get('instance/attributes/cluster-location');
      // a zonal cluster's location is a zone (us-central1-c), a regional one's a region
      const zonal = location.split('-').length === 3;
      b.set('cloud.platform', 'gcp_kubernetes_engine')
        .set('cloud.region', zonal ? regionOf(location) : location)
        .set('cloud.availability_zone', zonal ? location : undefined)
        .set('k8s.cluster.name', await get('instance/attributes/cluster-name'))
        .set('host.id', await get('instance/id'));
      // not there with workload identity: the attribute is left out, as contrib does
      await get('instance/name').then(
        (name) => b.set('host.name', name),
        (err: Error) =>
          ctx.logger.info(
            { key: 'host.name', err: err.message },
            'Fallible detector failed. This attribute will not be available.',
          ),
      );
    } else if (env.FUNCTION_TARGET || env.K_CONFIGURATION || env.CLOUD_RUN_JOB) {
      const job = Boolean(env.CLOUD_RUN_JOB) && !env.K_CONFIGURATION;
      b.set('cloud.platform', env.FUNCTION_TARGET ? 'gcp_cloud_functions' : 'gcp_cloud_run')
        .set('faas.name', job ? env.CLOUD_RUN_JOB : env.K_SERVICE)
        .set('faas.version', job ? undefined : env.K_REVISION)
        .set('faas.instance', await get('instance/id'))
        .set('faas.id', await get('instance/id'))
        .set('cloud.region', last(await get('instance/region')))
        .set('gcp.cloud_run.job.execution', job ? env.CLOUD_RUN_EXECUTION : undefined)
        .set('gcp.cloud_run.job.task_index', job ? env.CLOUD_RUN_TASK_INDEX : undefined);
    } else if (env.GAE_SERVICE) {
      ctx.logger.warn(
        "App Engine is not in flowtel's gcp detector yet: only cloud.provider and cloud.account.id are set",
      );
    } else {
      const zone = last(await get('instance/zone'));
      const name = await get('instance/name');
      b.set('cloud.platform', 'gcp_compute_engine')
        .set('cloud.availability_zone', zone)
        .set('cloud.region', regionOf(zone))
        .set('host.type', last(await get('instance/machine-type')))
        .set('host.id', await get('instance/id'))
        .set('host.name', name)
        .set('gcp.gce.instance.name', name);
      if (config.resource_attributes.has('gcp.gce.instance.hostname')) {
        b.set('gcp.gce.instance.hostname', await get('instance/hostname'));
      }
    }
    return b.attributes;
  };
}

/** us-central1-c -> us-central1 */
const regionOf = (zone: string) => zone.slice(0, zone.lastIndexOf('-'));

/**
 * Google's metadata.OnGCE: the metadata server answers at its address with Metadata-Flavor:
 * Google, or its name resolves; either is enough.
 */
async function onGce(ctx: DetectContext): Promise<void> {
  const byHttp = httpGet({ url: `http://${METADATA_IP}/`, headers: FLAVOR, signal: ctx.signal }).then((a) => {
    if (a.headers['metadata-flavor'] !== 'Google') throw new Error('an answer without Metadata-Flavor: Google');
  });
  // the resolver cannot be aborted: the attempt's end settles the race instead
  const byName = Promise.race([
    dns.lookup(METADATA_NAME).then(() => undefined),
    new Promise<never>((_, reject) => {
      if (ctx.signal.aborted) reject(new Error('no answer in time'));
      ctx.signal.addEventListener('abort', () => reject(new Error('no answer in time')), { once: true });
    }),
  ]);
  try {
    await Promise.any([byHttp, byName]);
  } catch (err) {
    const reasons = (err as AggregateError).errors.map((e: Error) => e.message).join('; ');
    throw new NotOnPlatform(
      `no GCE metadata server at ${METADATA_IP} and ${METADATA_NAME} does not resolve: ${reasons}`,
    );
  }
}
