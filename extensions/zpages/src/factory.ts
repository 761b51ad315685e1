import type { ExtensionFactory } from '@flowtel/core';
import { zpagesConfigSchema, type ZpagesConfig } from './config.ts';
import { ZpagesExtension } from './zpages.ts';

export const factory: ExtensionFactory<ZpagesConfig> = {
  kind: 'extension',
  type: 'zpages',
  stability: 'beta',
  description: "the running collector's servicez, pipelinez, extensionz and featurez pages over HTTP (/debug/)",
  configSchema: zpagesConfigSchema,
  createExtension: (settings, config) => new ZpagesExtension(settings, config),
};
