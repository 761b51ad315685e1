// The tag kinds SmartEncoding gives ids to, and the attribute names records carry them under.

/**
 * Each kind is one dictionary namespace: ids are unique within a kind. `agent` is this
 * collector with the user's `tags`; `resource` holds whatever resource attributes no other
 * kind explains, so an encoded resource carries nothing but ids.
 */
export const TAG_KINDS = ['agent', 'host', 'process', 'container', 'pod', 'namespace', 'node', 'workload', 'service', 'resource'] as const;
export type TagKind = (typeof TAG_KINDS)[number];

export const TAG_PREFIX = 'flowtel.tag.';
/** `flowtel.tag.pod_id` and so on: the id of the record's entry of that kind. */
export const idAttribute = (kind: TagKind) => `${TAG_PREFIX}${kind}_id`;
/** The dictionary version an encoded resource was written against. */
export const DICT_VERSION_ATTRIBUTE = `${TAG_PREFIX}dict_version`;
/** Which dictionary (the smartencoding processor id) the ids belong to. */
export const DICT_NAME_ATTRIBUTE = `${TAG_PREFIX}dictionary`;

const ID_ATTRIBUTES = new Map<string, TagKind>(TAG_KINDS.map((k) => [idAttribute(k), k]));

/** The kind an id attribute names, e.g. `flowtel.tag.pod_id` → `pod`. */
export const kindOfIdAttribute = (key: string): TagKind | undefined => ID_ATTRIBUTES.get(key);

export const isTagAttribute = (key: string) => key.startsWith(TAG_PREFIX);
