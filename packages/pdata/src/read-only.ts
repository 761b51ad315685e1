// Shared data, as otelcol's pdata marks it: once one batch is handed to several consumers that
// each declared they only read, nobody may change it, and whoever wants to must copy it
// first. The mark is on the data object (not the batch around it) so it travels wherever the
// data goes, through a connector into other pipelines included.
const READ_ONLY = new WeakSet<object>();

export function markReadOnly(data: object): void {
  READ_ONLY.add(data);
}

export const isReadOnly = (data: object): boolean => READ_ONLY.has(data);
