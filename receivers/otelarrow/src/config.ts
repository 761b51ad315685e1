import { notInFlowtel, z } from '@flowtel/core';
import { grpcServerSchema } from '@flowtel/otlp';

const arrowSchema = z
  .object({
    /** bytes of Arrow data all streams may hold at once (decoding and waiting on the pipelines) */
    memory_limit_mib: z.number().int().nonnegative().default(128),
    /** contrib moved it to admission::request_limit_mib and still reads it there when that is unset */
    admission_limit_mib: z.number().int().nonnegative().optional(),
    waiter_limit: notInFlowtel(
      'arrow::waiter_limit is no longer supported (as in otelcol-contrib): use admission::waiting_limit_mib',
    ),
    zstd: z
      .object({
        /** the most one zstd-compressed Arrow IPC buffer may inflate to */
        memory_limit_mib: z.number().int().positive().default(128),
        max_window_size_mib: notInFlowtel(
          'arrow::zstd::max_window_size_mib is not in flowtel: its zstd decoder (fzstd) takes no window limit; memory_limit_mib bounds each buffer',
        ),
        concurrency: notInFlowtel(
          'arrow::zstd::concurrency is not in flowtel: zstd decoding runs on the receiving thread',
        ),
      })
      .strict()
      .default({}),
  })
  .strict();

const admissionSchema = z
  .object({
    /** uncompressed bytes admitted into the pipelines at once; 0 turns admission control off */
    request_limit_mib: z.number().int().nonnegative().default(128),
    /** uncompressed bytes that may wait for admission; past it a batch is refused */
    waiting_limit_mib: z.number().int().nonnegative().default(32),
  })
  .strict();

const protocol = <T extends z.ZodTypeAny>(schema: T) => z.preprocess((v) => (v === null ? {} : v), schema);

export const otelArrowReceiverConfigSchema = z
  .object({
    protocols: z
      .object({
        grpc: protocol(grpcServerSchema('localhost:4317')).default({}),
        arrow: protocol(arrowSchema).default({}),
      })
      .strict()
      .default({}),
    admission: protocol(admissionSchema).default({}),
  })
  .strict()
  // contrib's Unmarshal: the deprecated arrow::admission_limit_mib fills an unset request limit
  .transform((c) => {
    const deprecated = c.protocols.arrow.admission_limit_mib;
    if (deprecated) c.admission.request_limit_mib = deprecated;
    return c;
  });

export type OtelArrowReceiverConfig = z.output<typeof otelArrowReceiverConfigSchema>;
