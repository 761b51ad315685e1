// contrib's azure detector: the compute document of the Azure Instance Metadata Service
// (http://169.254.169.254/metadata/instance/compute, header Metadata: true).
import type { KeyValue } from '@flowtel/pdata';
import { compileRegexp } from '@flowtel/regexp';
import type { AzureConfig } from '../config.ts';
import { AttrBuilder, NotOnPlatform, type DetectContext, type Detector } from '../detector.ts';
import { httpGet, platformDocument, type HttpAnswer } from '../http.ts';

const IMDS_COMPUTE = 'http://169.254.169.254/metadata/instance/compute?api-version=2020-09-01&format=json';

interface Compute {
  location?: string;
  name?: string;
  vmId?: string;
  vmSize?: string;
  subscriptionId?: string;
  resourceGroupName?: string;
  vmScaleSetName?: string;
  tagsList?: Array<{ name: string; value: string }>;
}

export function azureDetector(config: AzureConfig): Detector {
  const tagPatterns = config.tags.map(compileRegexp);
  return async (ctx: DetectContext): Promise<KeyValue[]> => {
    let answer: HttpAnswer;
    try {
      answer = await httpGet({ url: IMDS_COMPUTE, headers: { Metadata: 'true' }, signal: ctx.signal });
    } catch (err) {
      throw new NotOnPlatform(`no Azure instance metadata service at 169.254.169.254: ${(err as Error).message}`);
    }
    const c = platformDocument<Compute>(answer, 'Azure IMDS compute document');
    const b = new AttrBuilder(config.resource_attributes)
      .set('cloud.provider', 'azure')
      .set('cloud.platform', 'azure_vm')
      .set('host.name', c.name)
      .set('cloud.region', c.location)
      .set('host.id', c.vmId)
      .set('cloud.account.id', c.subscriptionId)
      .set('azure.vm.name', c.name)
      .set('azure.vm.size', c.vmSize)
      .set('azure.vm.scaleset.name', c.vmScaleSetName)
      .set('azure.resourcegroup.name', c.resourceGroupName);
    for (const tag of c.tagsList ?? []) {
      if (tagPatterns.some((p) => p.test(tag.name))) b.setAlways(`azure.tags.${tag.name}`, tag.value);
    }
    return b.attributes;
  };
}
