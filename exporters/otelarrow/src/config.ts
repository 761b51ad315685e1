import { availableParallelism } from 'node:os';
import { duration, exporterHelperShape, notInFlowtel, z } from '@flowtel/core';
import { grpcClientShape } from '@flowtel/otlp';

const arrowSchema = z
  .object({
    /** concurrent Arrow streams; contrib's default is max(1, NumCPU/2) */
    num_streams: z
      .number()
      .int()
      .positive()
      .default(Math.max(1, Math.floor(availableParallelism() / 2))),
    /** a stream is closed (cleanly, once its batches are answered) and replaced after this long */
    max_stream_lifetime: duration().default('30s'),
    /** contrib's only policy with one candidate set: the stream with the fewest batches waiting */
    prioritizer: z
      .enum(['leastloaded'], {
        errorMap: () => ({ message: 'prioritizer: flowtel has "leastloaded" (leastloadedN is not in flowtel yet)' }),
      })
      .default('leastloaded'),
    zstd: z
      .object({
        level: notInFlowtel("arrow::zstd::level is not in flowtel: gRPC-level zstd runs at zstd's default level"),
        window_size_mib: notInFlowtel(
          'arrow::zstd::window_size_mib is not in flowtel: its zstd encoder takes no window size',
        ),
        concurrency: notInFlowtel('arrow::zstd::concurrency is not in flowtel: its zstd encoder runs on libuv threads'),
      })
      .strict()
      .default({}),
    /**
     * Arrow IPC buffer compression. contrib defaults to zstd; flowtel sends the buffers as they
     * are (gRPC-level zstd still compresses the whole message) until it has a synchronous zstd
     * encoder for apache-arrow.
     */
    payload_compression: z
      .enum(['', 'none', 'zstd'])
      .default('')
      .refine((c) => c !== 'zstd', {
        message:
          'arrow::payload_compression: zstd is not in flowtel yet: apache-arrow compresses IPC buffers synchronously and Node 20 has no synchronous zstd encoder; use "none" (gRPC-level compression: zstd still applies)',
      }),
    disabled: z.boolean().default(false),
    disable_downgrade: z.boolean().default(false),
  })
  .strict();

export const otelArrowExporterConfigSchema = z
  .object({
    ...exporterHelperShape,
    ...grpcClientShape('zstd', 'round_robin'),
    arrow: z.preprocess((v) => (v === null ? {} : v), arrowSchema).default({}),
    metadata_keys: notInFlowtel('metadata_keys is not in flowtel yet: all data shares the same streams'),
    metadata_cardinality_limit: notInFlowtel('metadata_cardinality_limit is not in flowtel yet (nor metadata_keys)'),
  })
  .strict();

export type OtelArrowExporterConfig = z.output<typeof otelArrowExporterConfigSchema>;
