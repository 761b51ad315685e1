// The names SmartEncoding's ClickHouse objects go by.
import type { TagKind } from '@flowtel/core/smartencoding';

export const DICTIONARY_TABLE = 'flowtel_tag_dictionary';
/** The DICTIONARY object of a kind: `flowtel_tag_pod`. */
export const dictionaryObject = (kind: TagKind) => `flowtel_tag_${kind}`;
/**
 * The id column of a kind, with the side (0 client, 1 server) in l7_flow_log. There the
 * process's is `gprocess_id_<side>`, DeepFlow's name: `process_id_<side>` is the pid.
 */
export const idColumn = (kind: TagKind, side?: 0 | 1) => {
  if (side === undefined) return `${kind}_id`;
  return kind === 'process' ? `gprocess_id_${side}` : `${kind}_id_${side}`;
};
