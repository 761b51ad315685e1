// The names SmartEncoding's ClickHouse objects go by.
import type { TagKind } from './tags.ts';

export const DICTIONARY_TABLE = 'flowtel_tag_dictionary';
/** The DICTIONARY object of a kind: `flowtel_tag_pod`. */
export const dictionaryObject = (kind: TagKind) => `flowtel_tag_${kind}`;
/** The id column of a kind, with the side (0 client, 1 server) in l7_flow_log. */
export const idColumn = (kind: TagKind, side?: 0 | 1) => (side === undefined ? `${kind}_id` : `${kind}_id_${side}`);
