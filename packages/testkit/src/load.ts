// Load on a collector's OTLP/HTTP receiver from concurrent clients, remembering which spans were
// acknowledged (200): what a shutdown test checks against the exporter's output.
import { tracesRequestJson } from './otlp-json.ts';

export interface OtlpLoad {
  /** span names (`r<request>s<i>`) of every request answered 200 */
  readonly acknowledged: Set<string>;
  /** stops sending; resolves once every client's last request ended */
  stop(): Promise<void>;
}

export function otlpLoad(port: number, clients = 8, spansPerRequest = 20): OtlpLoad {
  const acknowledged = new Set<string>();
  let next = 0;
  let stopped = false;
  const client = async () => {
    while (!stopped) {
      const id = ++next;
      try {
        const res = await fetch(`http://127.0.0.1:${port}/v1/traces`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: tracesRequestJson(id, spansPerRequest),
        });
        if (res.status === 200) for (let i = 0; i < spansPerRequest; i++) acknowledged.add(`r${id}s${i}`);
        await res.arrayBuffer();
      } catch {
        // refused or reset once the collector is going away
      }
    }
  };
  const running = Array.from({ length: clients }, client);
  return {
    acknowledged,
    stop: async () => {
      stopped = true;
      await Promise.all(running);
    },
  };
}
