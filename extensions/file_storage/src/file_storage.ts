import { mkdirSync, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type {
  Batch,
  CreateSettings,
  Extension,
  Kind,
  PipelineSignal,
  QueueStorage,
  SendingQueue,
  StorageClient,
  StorageExtension,
} from '@flowtel/core';
import type { FileStorageConfig } from './config.ts';
import { FileQueue } from './file_queue.ts';
import { FileClient } from './kv_client.ts';
import { lockDirectory } from './lock.ts';

export class FileStorage implements QueueStorage, StorageExtension {
  private readonly directory: string;
  private readonly config: FileStorageConfig;
  private readonly settings: CreateSettings;
  private readonly unlocks: Array<() => void> = [];
  constructor(settings: CreateSettings, config: FileStorageConfig) {
    this.settings = settings;
    this.config = config;
    this.directory = resolve(settings.configDir, config.directory);
  }

  async start(): Promise<void> {
    if (!existsSync(this.directory)) {
      if (!this.config.create_directory)
        throw new Error(`directory ${this.directory} does not exist (set create_directory: true to create it)`);
      mkdirSync(this.directory, { recursive: true, mode: parseInt(this.config.directory_permissions, 8) });
    }
  }

  /** after the exporters: their queues are closed */
  async shutdown(): Promise<void> {
    for (const unlock of this.unlocks.splice(0)) unlock();
  }

  async createQueue(
    owner: string,
    signal: PipelineSignal,
    capacity: number,
    weigh: (b: Batch) => number,
  ): Promise<SendingQueue> {
    const name = `exporter_${owner}_${signal}`.replace(/[^A-Za-z0-9_.-]/g, '~');
    const dir = join(this.directory, name);
    mkdirSync(dir, { recursive: true });
    this.unlocks.push(await lockDirectory(dir, this.config.timeout));
    const queue = new FileQueue(dir, capacity, weigh, this.config.fsync);
    if (queue.recovered)
      this.settings.logger.info(
        { batches: queue.recovered, directory: dir },
        'sending queue recovered batches from a previous run',
      );
    return queue;
  }

  /** A component's key-value state, in `<kind>_<type>_<name>[_<client name>]` as otelcol names its files. */
  async getClient(kind: Kind, id: string, name: string): Promise<StorageClient> {
    const [type, ...rest] = id.split('/');
    const base = [kind, type, rest.join('/'), name].filter((p, i) => i < 2 || p).join('_');
    const dir = join(this.directory, base.replace(/[^A-Za-z0-9_.-]/g, '~'));
    mkdirSync(dir, { recursive: true });
    const release = await lockDirectory(dir, this.config.timeout);
    // closed by its component, and by shutdown should the component not have: once
    let held = true;
    const unlock = () => {
      if (held) release();
      held = false;
    };
    this.unlocks.push(unlock);
    return new FileClient(dir, this.config.fsync, unlock);
  }
}

export const asExtension = (s: FileStorage): Extension => s as unknown as Extension;
