// contrib's tcplog receiver config (receiver/tcplogreceiver: the tcp_input operator's keys and
// the stanza receiver's), every key with its default.
import { notInFlowtel, z } from '@flowtel/core';
import { receiverShape, tcpInputShape } from '@flowtel/stanza';

export const configSchema = z
  .object({
    ...tcpInputShape,
    ...receiverShape,
    storage: notInFlowtel('storage keeps file offsets: a TCP log receiver has none to keep'),
  })
  .strict();

export type Config = z.output<typeof configSchema>;
