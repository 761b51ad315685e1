// What an OTLP receiver's transports do with a request once it is off the wire: authenticate the caller,
// hand the data to the pipelines and wait for their answer (the Ack).
import type { ClientInfo, Consumer, Consumers, PipelineSignal } from '@flowtel/core';
import type { AuthData, RequestHeaders, ServerAuthenticator } from './auth.ts';
import { codecFor } from './signals.ts';

export class Unauthenticated extends Error {
  constructor(cause: unknown) {
    super(`authentication failed: ${(cause as Error)?.message ?? String(cause)}`, { cause });
    this.name = 'Unauthenticated';
  }
}

export class Ingest {
  private readonly consumers: Consumers;
  private readonly transport: 'grpc' | 'http';
  private readonly includeMetadata: boolean;
  authenticator?: ServerAuthenticator;

  constructor(consumers: Consumers, transport: 'grpc' | 'http', includeMetadata: boolean) {
    this.consumers = consumers;
    this.transport = transport;
    this.includeMetadata = includeMetadata;
  }

  /** The signals some pipeline takes from this receiver: only those are served. */
  get signals(): PipelineSignal[] {
    return (Object.keys(this.consumers) as PipelineSignal[]).filter((s) => this.consumers[s]);
  }

  /** Whether anything looks at request headers: when not, the transports skip collecting them. */
  get needsHeaders(): boolean {
    return this.includeMetadata || this.authenticator !== undefined;
  }

  /** Runs the authenticator, if any; rejects with Unauthenticated. */
  async authenticate(headers: RequestHeaders): Promise<AuthData | undefined> {
    if (!this.authenticator) return undefined;
    try {
      return await this.authenticator.authenticate(headers);
    } catch (err) {
      throw new Unauthenticated(err);
    }
  }

  client(address: string | undefined, headers: RequestHeaders, auth: AuthData | undefined): ClientInfo {
    const client: ClientInfo = { address };
    if (this.includeMetadata) client.metadata = headers;
    if (auth) client.auth = auth;
    return client;
  }

  /** Resolves once the pipelines accepted the data; rejects with their refusal. */
  consume<S extends PipelineSignal>(
    signal: S,
    data: Parameters<ReturnType<typeof codecFor<S>>['count']>[0],
    client: ClientInfo,
  ): Promise<void> {
    const consumer = this.consumers[signal]!;
    const items = codecFor(signal).count(data);
    return consumer.consume({ signal, data, items, client, transport: this.transport } as Parameters<
      Consumer['consume']
    >[0]);
  }
}
