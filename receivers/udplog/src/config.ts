// contrib's udplog receiver config (receiver/udplogreceiver: the udp_input operator's keys and
// the stanza receiver's), every key with its default.
import { notInFlowtel, z } from '@flowtel/core';
import { receiverShape, udpInputShape } from '@flowtel/stanza';

export const configSchema = z
  .object({
    ...udpInputShape,
    ...receiverShape,
    storage: notInFlowtel('storage keeps file offsets: a UDP log receiver has none to keep'),
  })
  .strict();

export type Config = z.output<typeof configSchema>;
