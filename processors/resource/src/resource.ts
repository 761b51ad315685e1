import { map, type OperatorFunction } from 'rxjs';
import { AttrProc, type ConvertFailure } from '@flowtel/attraction';
import { resourcesOf, type Batch, type CreateSettings, type Processor } from '@flowtel/core';
import type { ResourceConfig } from './config.ts';

/**
 * contrib's resource processor: the attribute actions on every resource of a batch, in place
 * (the factory declares mutatesData).
 */
export class ResourceProcessor implements Processor {
  private readonly attrProc: AttrProc;
  private readonly onConvertFailure: ConvertFailure;

  constructor(
    private readonly settings: CreateSettings,
    config: ResourceConfig,
  ) {
    this.attrProc = new AttrProc(config.attributes);
    this.onConvertFailure = (key, message) => settings.logger.debug({ key }, message);
  }

  async start(): Promise<void> {}

  async shutdown(): Promise<void> {}

  operator(): OperatorFunction<Batch, Batch> {
    return map((batch) => {
      try {
        for (const resource of resourcesOf(batch)) {
          this.attrProc.process(resource.attributes, batch.client, this.onConvertFailure);
        }
      } catch (err) {
        this.settings.logger.error(
          { err: (err as Error).message },
          'resource processor failed on a batch; it passes on',
        );
      }
      return batch;
    });
  }
}
