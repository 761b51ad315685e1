// What the live tests share: whether capture can run here, and an ebpf receiver whose events
// land in an array.
import { existsSync } from 'node:fs';
import type { TestContext } from 'node:test';
import type { SocketBatch, BatchInput } from '@flowtel/core';
import type { SocketEvent } from '@flowtel/pdata';
import { testSettings } from '@flowtel/testkit';
import { factory, type EbpfReceiver } from '../src/index.ts';

const addonBuilt = existsSync(new URL('../build/Release/flowtel_ebpf.node', import.meta.url));

/** Why live capture cannot run here, or undefined when it can. */
export function captureUnavailable(): string | undefined {
  if (process.platform !== 'linux') return 'eBPF capture needs Linux';
  if (process.getuid?.() !== 0) return 'eBPF capture needs root';
  if (!existsSync('/sys/kernel/btf/vmlinux')) return 'the kernel exposes no BTF';
  if (!addonBuilt) return 'the capture addon is not built (npm run setup -w @flowtel/ebpf-receiver)';
  return undefined;
}

/** Skips with the reason, except in CI where a missing capability is a failure. Returns true when skipped. */
export function skipUnlessCapture(t: TestContext): boolean {
  const why = captureUnavailable();
  if (!why) return false;
  if (process.env.CI === 'true') throw new Error(`live capture must run in CI: ${why}`);
  t.skip(why);
  return true;
}

export interface CollectingReceiver {
  receiver: EbpfReceiver;
  events: SocketEvent[];
  /** events per batch, in arrival order */
  batchSizes: number[];
}

/** An ebpf receiver built from `config` (checked by the schema) that keeps every event it emits. */
export function collectingReceiver(config: unknown, id = 'ebpf'): CollectingReceiver {
  const out: CollectingReceiver = { receiver: undefined as unknown as EbpfReceiver, events: [], batchSizes: [] };
  const consumer = {
    consume: async (batch: BatchInput) => {
      const socket = batch as Omit<SocketBatch, 'ack'>;
      if (socket.signal !== 'socket') throw new Error(`expected socket events, got ${batch.signal}`);
      out.batchSizes.push(socket.data.count);
      for (const e of socket.data) out.events.push({ ...e, payload: e.payload.slice() });
    },
  };
  out.receiver = factory.createReceiver(testSettings(id, 'receiver'), factory.configSchema.parse(config), {
    logs: consumer,
  }) as EbpfReceiver;
  return out;
}
