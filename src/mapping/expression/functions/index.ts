// The function registry: implementations by name, and FUNCTIONS, the plain metadata the console lists.
import { LIMITS } from '../limits.js';
import { DATE_FUNCTIONS } from './date.js';
import { LOGIC_FUNCTIONS } from './logic.js';
import { PHONE_FUNCTIONS } from './phone.js';
import { REGEX_FUNCTIONS } from './regex.js';
import { STRING_FUNCTIONS } from './strings.js';
import type { FunctionDef, FunctionInfo } from './types.js';

interface RegisteredFunction {
  def: FunctionDef;
  info: FunctionInfo;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

function infoOf(def: FunctionDef): FunctionInfo {
  const required = def.params.filter((p) => !p.optional && !p.variadic).length;
  const variadic = def.params.some((p) => p.variadic);
  const sig = def.params
    .map((p) => (p.variadic ? `${p.name}…` : p.optional ? `${p.name}?` : p.name))
    .join(', ');
  return deepFreeze({
    name: def.name,
    family: def.family,
    params: def.params.map((p) => ({ ...p })),
    signature: `${def.name}(${sig})`,
    minArgs: variadic ? Math.max(1, required) : required,
    maxArgs: variadic ? LIMITS.maxArgs : def.params.length,
    returns: def.returns,
    doc: { ...def.doc },
    examples: def.examples.map((e) => structuredClone(e)),
  });
}

const ALL: FunctionDef[] = [...STRING_FUNCTIONS, ...LOGIC_FUNCTIONS, ...REGEX_FUNCTIONS, ...PHONE_FUNCTIONS, ...DATE_FUNCTIONS];

const REGISTRY: ReadonlyMap<string, RegisteredFunction> = new Map(ALL.map((def) => [def.name, { def, info: infoOf(def) }]));

/** Metadata of every built-in function, in display order (plain JSON-serialisable data). */
export const FUNCTIONS: readonly FunctionInfo[] = Object.freeze(ALL.map((def) => REGISTRY.get(def.name)!.info));

export function lookupFunction(name: string): RegisteredFunction | undefined {
  return REGISTRY.get(name);
}

