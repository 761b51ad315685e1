// How an OTTL function is described: its parameters (by otelcol's names and kinds) and how it
// builds its closure from the compiled arguments. The kinds are otelcol's: a Getter takes any
// value, a StringGetter only a string (an int is an error), a StringLikeGetter converts, a
// GetSetter is a path, and a literal kind (`string`, `int64`, `[]string`) takes only a
// literal, which is checked once, when the statement compiles.
import type { Compiler } from './compile.ts';
import type { ContextName, StaticType, TransformContext } from './contexts.ts';
import type { Value } from './values.ts';

export type Getter = (tc: TransformContext) => Value;

export interface GetSetter {
  text: string;
  type: StaticType;
  get: Getter;
  set(tc: TransformContext, v: Value): void;
  settable: boolean;
}

export type ParamType =
  | 'getter'
  | 'string'
  | 'stringLike'
  | 'int'
  | 'intLike'
  | 'float'
  | 'floatLike'
  | 'bool'
  | 'boolLike'
  | 'bytes'
  | 'map'
  | 'slice'
  | 'time'
  | 'duration'
  | 'getSetter'
  | 'mapGetSetter'
  | 'litString'
  | 'litInt'
  | 'litBool'
  | 'litStringList'
  | 'func'
  | 'getterList'
  | 'stringLikeList';

export interface Param {
  name: string;
  type: ParamType;
  optional?: boolean;
}

export type ArgValue = Getter | GetSetter | string | bigint | boolean | string[] | FunctionDef | Getter[] | undefined;

export interface FunctionDef {
  name: string;
  /** editors change data and are statements; converters return values */
  editor: boolean;
  params: Param[];
  /** a converter's result type, when it is always the same */
  returns?: StaticType;
  /** the contexts it is available in, when not all */
  contexts?: ContextName[];
  /** for converters of one value that need no context (the hashes): passed by name as an argument */
  pure?: (v: Value) => Value;
  build(args: ArgValue[], compiler: Compiler): Getter;
}

/** A parameter, by otelcol's name and kind. */
export const p = (name: string, type: ParamType, optional = false): Param => ({ name, type, optional });

/**
 * An editor: `build` gets the compiled arguments and returns the change a statement makes;
 * an editor's value is always nil.
 */
export function editor(
  name: string,
  params: Param[],
  build: (args: ArgValue[]) => (tc: TransformContext) => void,
): FunctionDef {
  return {
    name,
    editor: true,
    params,
    build: (args) => {
      const change = build(args);
      return (tc) => {
        change(tc);
        return null;
      };
    },
  };
}
