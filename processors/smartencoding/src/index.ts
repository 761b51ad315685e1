export { factory } from './factory.ts';
export { configSchema, type SmartEncodingConfig } from './config.ts';
export { TagDictionary, type TagEntry } from './dictionary.ts';
export { decodeAttributes, decodeBatch } from './decode.ts';
export { dictionaryOf } from './registry.ts';
export { TAG_KINDS, DICT_NAME_ATTRIBUTE, DICT_VERSION_ATTRIBUTE, idAttribute, isTagAttribute, kindOfIdAttribute, type TagKind } from './tags.ts';
export { kindOfPeerAttribute, peerIdAttribute } from './peer.ts';
export { containerOfCgroup } from './container.ts';
