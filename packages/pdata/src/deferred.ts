// Items held in another form until someone reads them as OTLP. A producer that also knows how
// a consumer wants the items (the l7 processor's request logs as l7_flow_log's columns) gives
// a scope that form and a way to make the items; the scope's item list is made on first
// access, and from then on the other form is forgotten, since the reader may change the list.
// A consumer that knows the form reads it without ever making the items (no object per item to
// allocate, hold through the batch and collect). Counting needs neither. A copy (structuredClone,
// a spread) reads the list, so it is an ordinary scope.
interface Deferred {
  items: number;
  make: () => unknown[];
  form: object;
}

const DEFERRED = new WeakMap<object, Deferred>();

// One accessor per key, shared by every scope and found through `this` (a getter closure per
// scope costs more in garbage collection than it saves; see proto/pass-through.ts).
const ACCESSORS = new Map<string, PropertyDescriptor>();

function accessor(key: string): PropertyDescriptor {
  let d = ACCESSORS.get(key);
  if (d) return d;
  const settle = (node: object, value: unknown) => {
    DEFERRED.delete(node);
    Object.defineProperty(node, key, { value, writable: true, enumerable: true, configurable: true });
  };
  d = {
    enumerable: true,
    configurable: true,
    get(this: object) {
      const value = DEFERRED.get(this)!.make();
      settle(this, value);
      return value;
    },
    set(this: object, value: unknown) {
      settle(this, value);
    },
  };
  ACCESSORS.set(key, d);
  return d;
}

/**
 * Gives `node` (a scope) its `key` list (`logRecords`, `spans`) as `items` items held as `form`,
 * made by `make` when first read.
 */
export function deferItems<T extends object>(
  node: T,
  key: string,
  items: number,
  make: () => unknown[],
  form: object,
): T {
  Object.defineProperty(node, key, accessor(key));
  DEFERRED.set(node, { items, make, form });
  return node;
}

/** The other form of a scope whose items nobody has read yet; undefined otherwise. */
export const deferredForm = (node: object): object | undefined => DEFERRED.get(node)?.form;

/** The item count of a scope whose items nobody has read yet, without making them. */
export const deferredItems = (node: object): number | undefined => DEFERRED.get(node)?.items;
