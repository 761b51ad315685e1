// contrib's ec2 detector: the instance identity document and hostname from the EC2 instance
// metadata service (IMDSv2: a session token from PUT /latest/api/token first, IMDSv1 where the
// service does not offer tokens), and tags from IMDS when tags_from_imds is set.
import { setTimeout as sleep } from 'node:timers/promises';
import type { KeyValue } from '@flowtel/pdata';
import { compileRegexp } from '@flowtel/regexp';
import type { Ec2Config } from '../config.ts';
import { AttrBuilder, NotOnPlatform, type DetectContext, type Detector } from '../detector.ts';
import { httpGet, platformDocument, type HttpAnswer } from '../http.ts';

/** the address AWS documents; AWS_EC2_METADATA_SERVICE_ENDPOINT overrides it as in the SDKs */
const IMDS = 'http://169.254.169.254';
const TOKEN_TTL_SECONDS = '21600';

interface IdentityDocument {
  accountId?: string;
  availabilityZone?: string;
  imageId?: string;
  instanceId?: string;
  instanceType?: string;
  region?: string;
}

export function ec2Detector(config: Ec2Config): Detector {
  const tagPatterns = config.tags.map(compileRegexp);
  return async (ctx: DetectContext): Promise<KeyValue[]> => {
    if ((ctx.env.AWS_EC2_METADATA_DISABLED ?? '').toLowerCase() === 'true') {
      throw new NotOnPlatform('AWS_EC2_METADATA_DISABLED is true');
    }
    const base = (ctx.env.AWS_EC2_METADATA_SERVICE_ENDPOINT || IMDS).replace(/\/$/, '');
    const call = async (method: string, path: string, headers: Record<string, string>): Promise<HttpAnswer> => {
      // the SDK retryer: network errors and 5xx again, up to max_attempts, backing off to max_backoff
      for (let attempt = 1; ; attempt++) {
        try {
          const answer = await httpGet({ url: base + path, method, headers, signal: ctx.signal });
          if (answer.status < 500 || attempt >= config.max_attempts) return answer;
        } catch (err) {
          if (attempt >= config.max_attempts || ctx.signal.aborted) throw err;
        }
        await sleep(Math.min(config.max_backoff, 100 * 2 ** attempt * Math.random()), undefined, {
          signal: ctx.signal,
        });
      }
    };
    let token: string | undefined;
    try {
      const answer = await call('PUT', '/latest/api/token', {
        'X-aws-ec2-metadata-token-ttl-seconds': TOKEN_TTL_SECONDS,
      });
      if (answer.status === 200) token = answer.body;
      else if (answer.status === 400 || answer.status >= 500) {
        throw new Error(`IMDS token: HTTP ${answer.status} ${answer.body.slice(0, 200)}`);
      }
      // 401/403/404/405: a service without IMDSv2 sessions; IMDSv1 answers without a token
    } catch (err) {
      if ((err as Error).message.startsWith('IMDS token')) throw err;
      throw new NotOnPlatform(`no EC2 instance metadata service at ${base}: ${(err as Error).message}`);
    }
    const headers: Record<string, string> = token ? { 'X-aws-ec2-metadata-token': token } : {};
    const get = async (path: string) => {
      const answer = await call('GET', path, headers);
      if (answer.status !== 200) throw new Error(`IMDS ${path}: HTTP ${answer.status} ${answer.body.slice(0, 200)}`);
      return answer.body;
    };
    const identity = await call('GET', '/latest/dynamic/instance-identity/document', headers);
    const doc = platformDocument<IdentityDocument>(identity, 'EC2 instance identity document');
    const b = new AttrBuilder(config.resource_attributes)
      .set('cloud.provider', 'aws')
      .set('cloud.platform', 'aws_ec2')
      .set('cloud.region', doc.region)
      .set('cloud.account.id', doc.accountId)
      .set('cloud.availability_zone', doc.availabilityZone)
      .set('host.id', doc.instanceId)
      .set('host.image.id', doc.imageId)
      .set('host.type', doc.instanceType);
    if (config.resource_attributes.has('host.name'))
      b.set('host.name', (await get('/latest/meta-data/hostname')).trim());
    if (tagPatterns.length) {
      // keys one a line; IMDS answers 404 when the instance does not expose tags in metadata
      const keys = (await get('/latest/meta-data/tags/instance')).split('\n').filter(Boolean);
      for (const key of keys) {
        if (!tagPatterns.some((p) => p.test(key))) continue;
        b.setAlways(`ec2.tag.${key}`, await get(`/latest/meta-data/tags/instance/${encodeURIComponent(key)}`));
      }
    }
    return b.attributes;
  };
}
