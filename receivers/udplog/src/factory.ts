import type { ReceiverFactory } from '@flowtel/core';
import { SocketLogReceiver, UdpLogInput } from '@flowtel/stanza';
import { type Config, configSchema } from './config.ts';

export const DROPPED_METRIC = 'otelcol_receiver_udplog_dropped_datagrams';

export const factory: ReceiverFactory<Config> = {
  kind: 'receiver',
  type: 'udplog',
  aliases: ['udp_log'],
  stability: { logs: 'alpha' },
  metrics: [DROPPED_METRIC],
  description: 'receives logs over UDP (a datagram a record, or multiline records), parsed by stanza operators',
  configSchema,
  createReceiver: (settings, config, consumers) => {
    const dropped = settings.meter.createCounter(DROPPED_METRIC, {
      description: 'Datagrams dropped because the pipeline did not keep up (the 8 MiB queue was full).',
      unit: '{datagrams}',
    });
    return new SocketLogReceiver(
      settings,
      config.listen_address,
      () =>
        new UdpLogInput(
          config,
          {
            logger: settings.logger,
            consumer: consumers.logs,
            operators: config.operators,
            configDir: settings.configDir,
          },
          (n) => dropped.add(n),
        ),
    );
  },
};
