import { opaque, z } from '@flowtel/core';

export const basicAuthConfigSchema = z
  .object({
    /** server side: the users it accepts, as htpasswd lines (bcrypt, {SHA}, $apr1$ or plain) */
    htpasswd: z
      .object({
        file: z.string().optional(),
        /** opaque: the lines may hold plain-text passwords */
        inline: opaque().optional(),
      })
      .strict()
      .optional(),
    /** client side: the credentials it sends */
    client_auth: z
      .object({
        username: z.string(),
        password: opaque(),
      })
      .strict()
      .optional(),
  })
  .strict();

export type BasicAuthConfig = z.output<typeof basicAuthConfigSchema>;
