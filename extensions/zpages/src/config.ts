import { httpServerShape, listenAddrShape, notInFlowtel, refineServerConfig, tlsServerSchema, z } from '@flowtel/core';

export const zpagesConfigSchema = z
  .object({
    ...listenAddrShape(z.string().default('localhost:55679')),
    ...httpServerShape,
    tls: tlsServerSchema.optional(),
    /** Go's expvar page; flowtel serves the Node process's equivalents there */
    expvar: z
      .object({ enabled: z.boolean().default(false) })
      .strict()
      .default({}),
    cors: notInFlowtel("cors is not in flowtel's zpages: its pages are for a person at a browser on the same origin"),
    auth: notInFlowtel("auth is not in flowtel's zpages yet: bind it to localhost, as its default does"),
  })
  .strict()
  .superRefine(refineServerConfig);

export type ZpagesConfig = z.output<typeof zpagesConfigSchema>;
