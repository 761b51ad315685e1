import type { ExtensionFactory } from '@flowtel/core';
import { configSchema, type FileStorageConfig } from './config.ts';
import { FileStorage, asExtension } from './file_storage.ts';

export const factory: ExtensionFactory<FileStorageConfig> = {
  kind: 'extension',
  type: 'file_storage',
  description: "keeps exporters' sending queues on disk across restarts",
  stability: 'beta',
  configSchema,
  createExtension: (settings, config) => asExtension(new FileStorage(settings, config)),
};
