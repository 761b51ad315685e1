// Where exporters find dictionaries. Encoded resources carry `flowtel.tag.dictionary` (the
// encoding processor's id); `dictionaryOf(that)` is the dictionary their ids index. Processors
// that name the same directory share one dictionary, so their ids agree.
import type { TagDictionary } from './dictionary.ts';

const byProcessorId = new Map<string, TagDictionary>();

export function registerDictionary(processorId: string, dictionary: TagDictionary): void {
  byProcessorId.set(processorId, dictionary);
}

export function unregisterDictionary(processorId: string, dictionary: TagDictionary): void {
  if (byProcessorId.get(processorId) === dictionary) byProcessorId.delete(processorId);
}

/** The dictionary of a smartencoding processor, by its id (`smartencoding`, `smartencoding/edge`). */
export function dictionaryOf(processorId: string): TagDictionary | undefined {
  return byProcessorId.get(processorId);
}
