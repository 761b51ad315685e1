// The line builder behind the detailed dump: the same helpers, prefixes and padding as
// otelcol's otlptext dataBuffer.
import type { InstrumentationScope, KeyValue, Resource } from '@flowtel/pdata';
import { valueToString } from './go-format.ts';

export class TextBuffer {
  private readonly lines: string[] = [];

  entry(line: string): void {
    this.lines.push(line);
  }

  /** `    Name           : value`: the label padded to 15 columns. */
  field(label: string, value: string | number): void {
    this.entry(`    ${label.padEnd(15)}: ${value}`);
  }

  /** A header and one `-> key: Type(value)` line per attribute, nothing when there are none. */
  attributes(header: string, attributes: KeyValue[]): void {
    if (attributes.length === 0) return;
    this.entry(`${header}:`);
    const nested = header.split('->');
    const prefix = nested.length > 1 ? `${nested[0]}     ->` : '     ->';
    for (const kv of attributes) this.entry(`${prefix} ${kv.key}: ${valueToString(kv.value)}`);
  }

  scope(scope: InstrumentationScope): void {
    this.entry(`InstrumentationScope ${scope.name} ${scope.version}`);
    this.attributes('InstrumentationScope attributes', scope.attributes);
  }

  resource(resource: Resource): void {
    this.attributes('Resource attributes', resource.attributes);
    if (resource.entityRefs.length === 0) return;
    this.entry('Resource entity refs:');
    resource.entityRefs.forEach((ref, i) => {
      this.entry(`     -> Entity ref #${i}:`);
      this.entry(`          -> Type: ${ref.type}`);
      if (ref.schemaUrl) this.entry(`          -> Schema URL: ${ref.schemaUrl}`);
      this.keyList('ID keys', ref.idKeys);
      this.keyList('Description keys', ref.descriptionKeys);
    });
  }

  toString(): string {
    return this.lines.length === 0 ? '' : `${this.lines.join('\n')}\n`;
  }

  private keyList(label: string, keys: string[]): void {
    if (keys.length === 0) return;
    this.entry(`          -> ${label}:`);
    for (const k of keys) this.entry(`               -> ${k}`);
  }
}
