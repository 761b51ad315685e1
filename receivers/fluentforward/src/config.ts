// contrib's fluentforward receiver config: one key.
import { HOST_PORT, z } from '@flowtel/core';

export const configSchema = z
  .object({
    endpoint: z
      .string({ required_error: 'endpoint is required: host:port (TCP) or unix://<socket path>' })
      .refine((v) => HOST_PORT.test(v) || /^unix:\/\/.+/.test(v), {
        message: 'must be host:port (TCP) or unix://<socket path>',
      }),
  })
  .strict();

export type Config = z.output<typeof configSchema>;
