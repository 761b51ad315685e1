// SmartEncoding's integer tag columns in a block. A resource the smartencoding processor
// encoded carries `flowtel.tag.*` ids instead of its tags: those become the `<kind>_id`
// columns (`<kind>_id_0/1` in l7_flow_log) and stay out of every attribute map. A resource
// without them is written as contrib writes it, with 0 ids when its block has id columns.
import type { KeyValue } from '@flowtel/pdata';
import { DICT_NAME_ATTRIBUTE, isTagAttribute } from '@flowtel/core/smartencoding';
import { idColumnNames, idRow, l7IdColumnNames, l7IdRow, l7IdRowOf, resourceIds } from '../smartencoding/ddl.ts';
import { u64, type FixedColumn } from '../native.ts';

/** The dictionary an encoded resource's ids index, or undefined for a plain resource. */
export function dictionaryNameOf(attributes: KeyValue[]): string | undefined {
  for (const kv of attributes)
    if (kv.key === DICT_NAME_ATTRIBUTE && 'stringValue' in kv.value) return kv.value.stringValue;
  return undefined;
}

export const isEncoded = (attributes: KeyValue[]) => dictionaryNameOf(attributes) !== undefined;

export const withoutTagAttributes = (attributes: KeyValue[]) => attributes.filter((kv) => !isTagAttribute(kv.key));

export const OTEL_ID_COLUMNS = idColumnNames();
export const L7_ID_COLUMNS = l7IdColumnNames();
const NO_IDS = new Array<bigint>(L7_ID_COLUMNS.length).fill(0n);

/** The id columns of one block, UInt64 each (the table adds the codec). */
export class IdColumns {
  readonly columns: FixedColumn[];
  constructor(names: string[], rowsHint: number) {
    this.columns = names.map((name) => u64(name, rowsHint));
  }
  write(values: readonly bigint[]): void {
    for (let i = 0; i < this.columns.length; i++) this.columns[i].w.u64(values[i]);
  }
}

/** An otel_* row's ids, in OTEL_ID_COLUMNS order: once per resource. */
export function resourceIdRow(attributes: KeyValue[]): readonly bigint[] {
  return isEncoded(attributes) ? idRow(resourceIds(attributes)) : NO_IDS;
}

/** The ids of an l7 resource, once per resource; `l7RowIds` then adds each record's peer. */
export type L7ResourceIds = ReturnType<typeof resourceIds> | undefined;

export function l7ResourceIds(attributes: KeyValue[]): L7ResourceIds {
  return isEncoded(attributes) ? resourceIds(attributes) : undefined;
}

/** An l7_flow_log row's ids (both ends), in L7_ID_COLUMNS order. */
export function l7RowIds(own: L7ResourceIds, recordAttributes: KeyValue[]): readonly bigint[] {
  return own ? l7IdRow(own, recordAttributes) : NO_IDS;
}

/** l7RowIds of a row without peer ids, whose tap_side is known. */
export function l7RowIdsOf(own: L7ResourceIds, tapSide: string): readonly bigint[] {
  return own ? l7IdRowOf(own, tapSide, undefined) : NO_IDS;
}

/** Whether any resource of a batch carries SmartEncoding ids. */
export function anyEncoded(resources: Iterable<{ resource: { attributes: KeyValue[] } }>): boolean {
  for (const r of resources) if (isEncoded(r.resource.attributes)) return true;
  return false;
}
