import type { ReceiverFactory } from '@flowtel/core';
import { SocketLogReceiver, TcpLogInput } from '@flowtel/stanza';
import { type Config, configSchema } from './config.ts';

export const factory: ReceiverFactory<Config> = {
  kind: 'receiver',
  type: 'tcplog',
  aliases: ['tcp_log'],
  stability: { logs: 'alpha' },
  metrics: [],
  description: 'receives logs over TCP (newline or multiline records, TLS), parsed by stanza operators',
  configSchema,
  createReceiver: (settings, config, consumers) =>
    new SocketLogReceiver(
      settings,
      config.listen_address,
      () =>
        new TcpLogInput(config, {
          logger: settings.logger,
          consumer: consumers.logs,
          operators: config.operators,
          configDir: settings.configDir,
        }),
    ),
};
