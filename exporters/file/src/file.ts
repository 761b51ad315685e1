import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { DIRECT_EXPORT, createQueuedExporter } from '@flowtel/core';
import type { CreateSettings, Exporter, PipelineSignal } from '@flowtel/core';
import { recordEncoder } from './codec.ts';
import type { FileConfig } from './config.ts';
import { RotatingFile } from './rotating-file.ts';

/**
 * otelcol-contrib's file exporter: every batch becomes one ExportXServiceRequest record in
 * `path`. Records are buffered and written every flush_interval (and on shutdown), so a
 * batch counts as exported once it is in the buffer, as with fileexporter's bufio writer.
 */
export function createFileExporter(settings: CreateSettings, config: FileConfig, signals: PipelineSignal[]): Exporter {
  const path = resolve(settings.configDir, config.path);
  const file = new RotatingFile(path, { append: config.append, rotation: config.rotation });
  const encode = recordEncoder(config.format as 'json' | 'proto', config.compression as '' | 'zstd');
  let flusher: NodeJS.Timeout | undefined;
  const flush = () => {
    try {
      file.flush();
    } catch (err) {
      settings.logger.error({ err: (err as Error).message, path }, 'file exporter failed to write');
    }
  };

  return createQueuedExporter({
    settings,
    signals,
    // fileexporter has no queue and no retry: a failed write is reported at once
    config: DIRECT_EXPORT,
    start: async () => {
      if (config.create_directory) mkdirSync(dirname(path), { recursive: true, mode: config.directory_permissions });
      try {
        file.open();
      } catch (err) {
        throw new Error(`file exporter cannot open ${path}: ${(err as Error).message}`);
      }
      flusher = setInterval(flush, config.flush_interval);
      flusher.unref();
    },
    push: async (batch) => file.write(await encode(batch)),
    shutdown: async () => {
      clearInterval(flusher);
      file.close();
    },
  });
}
