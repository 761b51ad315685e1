// contrib's syslog receiver config (receiver/syslogreceiver: the syslog_input operator): a `tcp`
// or `udp` input, the syslog parser's keys, and the stanza receiver's, each with its default.
import { notInFlowtel, z } from '@flowtel/core';
import { receiverShape, syslogChecks, syslogShape, tcpInputShape, udpInputShape } from '@flowtel/stanza';

export const configSchema = z
  .object({
    tcp: z.object(tcpInputShape).strict().optional(),
    udp: z.object(udpInputShape).strict().optional(),
    ...syslogShape,
    ...receiverShape,
    storage: notInFlowtel('storage keeps file offsets: a syslog receiver has none to keep'),
  })
  .strict()
  .superRefine((c, ctx) => {
    syslogChecks(c, ctx);
    if (!c.tcp && !c.udp) ctx.addIssue({ code: 'custom', message: 'need tcp config or udp config' });
    if (c.tcp && c.udp)
      ctx.addIssue({ code: 'custom', message: 'only one of tcp or udp can be set: run two syslog receivers' });
    if (c.udp && (c.enable_octet_counting || c.non_transparent_framing_trailer !== undefined))
      ctx.addIssue({
        code: 'custom',
        message: 'octet_counting and non_transparent_framing is not compatible with UDP',
      });
  });

export type Config = z.output<typeof configSchema>;
