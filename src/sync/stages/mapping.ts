// The mapping a connection syncs with: its stored definition (or the default one), with the
// connection's own extended attributes and scope roots folded in when the definition does not
// say otherwise. Compiled once per connection version.
import { createHash } from 'node:crypto';
import type { FieldError } from '../../domain/common.js';
import type { Connection } from '../../domain/connection.js';
import { AppError } from '../../domain/errors.js';
import {
  compileMapping,
  defaultMappingDefinition,
  type CompiledMapping,
  type DefinitionError,
  type ExtAttrDefinition,
  type MappingDefinition,
} from '../../mapping/definitions/index.js';

/** Definition errors → field errors: the path (`members.mobile`), the message with the expression pointer. */
function definitionFieldErrors(errors: readonly DefinitionError[]): FieldError[] {
  return errors.map((e) => ({ field: e.path || 'definition', message: e.pointer ? `${e.message}\n${e.pointer}` : e.message, code: e.code, ...(e.params ? { params: e.params } : {}) }));
}

/** A mapping definition that does not compile: a draft being saved, or the stored one of `connectionName`. */
export class MappingConfigError extends AppError {
  override readonly name = 'MappingConfigError';
  constructor(
    readonly definitionErrors: readonly DefinitionError[],
    readonly connectionName?: string,
  ) {
    const list = definitionErrors.map((e) => `${e.path || 'definition'}: ${e.message.startsWith(`${e.path}: `) ? e.message.slice(e.path.length + 2) : e.message}`);
    const what = connectionName === undefined ? 'the mapping definition' : `the mapping of connection "${connectionName}"`;
    super('invalid-mapping', 422, `${what} is not valid: ${list.join('; ')}`, { errors: definitionFieldErrors(definitionErrors) });
  }
}

/**
 * The effective definition: `connection.mapping ?? defaultMappingDefinition()`, plus
 * - the connection's extattrs that carry an expression and are not named by the definition
 *   (a `web` attribute: the expression gives the url, the title is the attribute's name);
 * - the connection's scope roots when the definition has no `scope.organizationRoots`.
 */
export function effectiveDefinition(connection: Pick<Connection, 'mapping' | 'extattrs' | 'scope'>): MappingDefinition {
  const def = (connection.mapping !== null && connection.mapping !== undefined
    ? structuredClone(connection.mapping)
    : defaultMappingDefinition()) as MappingDefinition;
  if (Array.isArray(def.extattrs)) {
    const named = new Set(def.extattrs.map((a) => a?.name));
    for (const a of connection.extattrs) {
      if (a.expression === undefined || named.has(a.name)) continue;
      // a web attribute: the expression gives the URL; the title (WeCom: at most 12 characters) is the attribute's name
      const x: ExtAttrDefinition =
        a.type === 'text' ? { name: a.name, type: 'text', value: a.expression } : { name: a.name, type: 'web', url: a.expression, title: JSON.stringify([...a.name].slice(0, 12).join('')) };
      def.extattrs.push(x);
    }
  }
  const roots = connection.scope.organizationRoots;
  if (roots.length > 0 && def.scope && typeof def.scope === 'object' && def.scope.organizationRoots === undefined) def.scope.organizationRoots = [...roots];
  return def;
}

export function compileConnectionMapping(connection: Pick<Connection, 'name' | 'mapping' | 'extattrs' | 'scope'>): CompiledMapping {
  const r = compileMapping(effectiveDefinition(connection));
  if ('errors' in r) throw new MappingConfigError(r.errors, connection.name);
  return r;
}

/**
 * A fingerprint of what the connection's mapping makes of the directory: the effective definition
 * (with the extattrs and scope folded in) and the default department. A full run records it once
 * applied; a different one means a saved change that no full run has applied yet.
 */
export function mappingFingerprint(connection: Pick<Connection, 'mapping' | 'extattrs' | 'scope' | 'defaultDepartmentId'>): string {
  const text = JSON.stringify({ definition: effectiveDefinition(connection), defaultDepartmentId: connection.defaultDepartmentId ?? null });
  return createHash('sha256').update(text).digest('hex').slice(0, 32);
}
