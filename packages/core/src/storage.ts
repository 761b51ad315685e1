// The contract of otelcol's storage extensions (extension/xextension/storage): a key-value
// client per component, kept across restarts, for state a component must not lose (a file
// receiver's offsets and fingerprints). file_storage implements it.
import type { Host, Kind } from './component.ts';

export interface StorageClient {
  get(key: string): Promise<Uint8Array | undefined>;
  set(key: string, value: Uint8Array): Promise<void>;
  delete(key: string): Promise<void>;
  /** after the last use: releases what the client holds (its lock) */
  close(): Promise<void>;
}

export interface StorageExtension {
  /** the client of component `id` of `kind`; `name` tells apart several clients of one component */
  getClient(kind: Kind, id: string, name: string): Promise<StorageClient>;
}

/** The named extension's client for a component, or a clear error when it is not a storage extension. */
export async function storageClient(
  host: Host,
  extension: string,
  kind: Kind,
  id: string,
  name = '',
): Promise<StorageClient> {
  const ext = host.getExtension(extension) as Partial<StorageExtension> | undefined;
  if (!ext?.getClient)
    throw new Error(`storage: extension "${extension}" is not configured or is not a storage extension`);
  return ext.getClient(kind, id, name);
}
