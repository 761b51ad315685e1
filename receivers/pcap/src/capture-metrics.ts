// What the capture itself saw, as the collector's own metrics: frames read, frames skipped and
// why, and the TCP bytes a capture lacked or repeated (the pipeline's accepted/refused socket
// events are counted by the host as for every receiver).

import type { CreateSettings } from '@flowtel/core';
import type { CaptureStats } from './read-capture.ts';

const SKIP_REASONS = [
  ['unsupported_link_type', 'unsupportedLinkType'],
  ['not_ip', 'notIp'],
  ['not_tcp_or_udp', 'notTcpOrUdp'],
  ['malformed', 'malformed'],
  ['fragment_incomplete', 'fragmentsDropped'],
] as const;

export function observeCapture(settings: CreateSettings, stats: () => CaptureStats | undefined): void {
  if (settings.metricsLevel === 'none') return;
  const { meter } = settings;
  const receiver = { receiver: settings.id };
  const counter = (name: string, description: string, unit: string, read: (s: CaptureStats) => number) =>
    meter.createObservableCounter(name, { description, unit }).addCallback((result) => {
      const s = stats();
      if (s) result.observe(read(s), receiver);
    });
  counter('flowtel_pcap_frames', 'Frames read from the capture.', '{frames}', (s) => s.frames);
  counter('flowtel_pcap_connections', 'TCP connections and UDP flows seen.', '{connections}', (s) => s.connections);
  counter(
    'flowtel_pcap_tcp_missing_bytes',
    'TCP bytes the capture never had (holes skipped).',
    'By',
    (s) => s.missingBytes,
  );
  counter(
    'flowtel_pcap_tcp_duplicate_bytes',
    'TCP bytes dropped as retransmitted or overlapping.',
    'By',
    (s) => s.duplicateBytes,
  );
  meter
    .createObservableCounter('flowtel_pcap_skipped_frames', {
      description: 'Frames that carried no TCP or UDP payload to decode, by reason.',
      unit: '{frames}',
    })
    .addCallback((result) => {
      const s = stats();
      if (!s) return;
      for (const [reason, key] of SKIP_REASONS) result.observe(s[key], { ...receiver, reason });
    });
}
