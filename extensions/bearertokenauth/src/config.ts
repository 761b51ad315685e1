import { opaque, z } from '@flowtel/core';

export const bearerTokenAuthConfigSchema = z
  .object({
    /** the word before the token; empty sends the bare token */
    scheme: z.string().default('Bearer'),
    /** the header that carries it */
    header: z.string().min(1).default('Authorization'),
    token: opaque().optional(),
    /** more tokens a server accepts (a client sends the first) */
    tokens: z.array(opaque(z.string().min(1))).optional(),
    /** a file holding the token; re-read when it changes */
    filename: z.string().optional(),
  })
  .strict()
  .refine((c) => !(c.filename && (c.token || c.tokens?.length)), {
    message: 'set either filename or token/tokens, not both',
  });

export type BearerTokenAuthConfig = z.output<typeof bearerTokenAuthConfigSchema>;
