import type { ReceiverFactory } from '@flowtel/core';
import {
  octetCountingSplit,
  operatorSchemas,
  SocketLogReceiver,
  type SocketInputSettings,
  TcpLogInput,
  UdpLogInput,
} from '@flowtel/stanza';
import { type Config, configSchema } from './config.ts';

export const DROPPED_METRIC = 'otelcol_receiver_syslog_dropped_datagrams';

export const factory: ReceiverFactory<Config> = {
  kind: 'receiver',
  type: 'syslog',
  stability: { logs: 'alpha' },
  metrics: [DROPPED_METRIC],
  description: 'receives RFC 3164 and RFC 5424 syslog over TCP (RFC 6587 framing, TLS) or UDP',
  configSchema,
  createReceiver: (settings, config, consumers) => {
    // as contrib's syslog_input: the input's records go through a syslog parser, then the user's operators
    const parser = operatorSchemas.syslog_parser.parse({
      type: 'syslog_parser',
      id: 'syslog_internal_parser',
      protocol: config.protocol,
      location: config.location,
      enable_octet_counting: config.enable_octet_counting,
      allow_skip_pri_header: config.allow_skip_pri_header,
      non_transparent_framing_trailer: config.non_transparent_framing_trailer,
    });
    const common = { ...config, operators: undefined };
    const input: SocketInputSettings = {
      logger: settings.logger,
      consumer: consumers.logs,
      operators: [parser, ...config.operators],
      configDir: settings.configDir,
    };
    const dropped = settings.meter.createCounter(DROPPED_METRIC, {
      description: 'Datagrams dropped because the pipeline did not keep up (the 8 MiB queue was full).',
      unit: '{datagrams}',
    });
    const { tcp, udp } = config;
    return new SocketLogReceiver(settings, (tcp ?? udp)!.listen_address, () =>
      tcp
        ? new TcpLogInput(
            { ...common, ...tcp },
            config.enable_octet_counting ? { ...input, split: octetCountingSplit(tcp.max_log_size) } : input,
          )
        : new UdpLogInput({ ...common, ...udp! }, input, (n) => dropped.add(n)),
    );
  },
};
