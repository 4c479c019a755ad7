// Field descriptors: for each field a caller may set on an organization or an account, the store
// column that keeps it (a plain name: the domain does not know the store), what the column holds,
// and how two values compare. The diff of changed fields, the change feed's field names, picking
// the fields and the bulk-write column lists are derived from them, so a field is declared once, in
// its object's descriptor table (ACCOUNT_FIELD_SPECS, ORGANIZATION_FIELD_SPECS).
import { sameAttributes } from './common.js';

/** What a column holds (the store picks the column type from it); JSON is text. */
export type ColumnKind = 'text' | 'number';

/** A field kept in a column of its object's row. */
interface ColumnField<V, Col extends string = string> {
  readonly column: Col;
  readonly kind: ColumnKind;
  same(a: V, b: V): boolean;
}

/** A field kept outside its object's row (an account's organizations: its membership rows). */
interface DetachedField<V> {
  readonly column: null;
  same(a: V, b: V): boolean;
}

export type FieldSpec<V> = ColumnField<V> | DetachedField<V>;

/** One descriptor per field of F: a missing or unknown field does not compile. */
export type FieldSpecs<F> = { readonly [K in keyof F]-?: FieldSpec<F[K]> };

type AnySpecs = { readonly [name: string]: FieldSpec<never> };
type ColumnOf<S> = S extends { readonly column: infer Col extends string } ? Col : never;
/** The columns a descriptor table fills. */
type FieldColumn<S> = { [K in keyof S]: ColumnOf<S[K]> }[keyof S];

const identical = (a: unknown, b: unknown): boolean => a === b;

/** A text column; V (a string type, possibly an enum or nullable) is taken from the table's `satisfies FieldSpecs<…>`. */
export function text<V extends string | null, Col extends string>(column: Col): ColumnField<V, Col> {
  return { column, kind: 'text', same: identical };
}

/** A number column. */
export function integer<Col extends string>(column: Col): ColumnField<number, Col> {
  return { column, kind: 'number', same: identical };
}

/** A text column holding the attribute map as JSON; maps compare by value, ignoring key order. */
export function jsonAttributes<Col extends string>(column: Col): ColumnField<Parameters<typeof sameAttributes>[0], Col> {
  return { column, kind: 'text', same: sameAttributes };
}

/** An ordered list kept outside the row; lists are equal with the same items in the same order. */
export function detachedList<T>(): DetachedField<T[]> {
  return { column: null, same: (a, b) => a.length === b.length && a.every((x, i) => x === b[i]) };
}

/** The field names, in table order: the change-feed names of the object type. */
export function fieldNames<S extends AnySpecs>(specs: S): ReadonlyArray<keyof S & string> {
  return Object.keys(specs) as Array<keyof S & string>;
}

/** The names of the fields whose values differ, in table order. */
export function changedFields<F>(specs: FieldSpecs<F>, before: NoInfer<F>, after: NoInfer<F>): Array<keyof F & string> {
  const changed: Array<keyof F & string> = [];
  for (const name of Object.keys(specs) as Array<keyof F & string>) if (!specs[name].same(before[name], after[name])) changed.push(name);
  return changed;
}

/** The described fields of an object (e.g. an Account's writable fields), in table order. */
export function pickFields<F>(specs: FieldSpecs<F>, o: NoInfer<F>): F {
  const out: Partial<F> = {};
  for (const name of Object.keys(specs) as Array<keyof F>) out[name] = o[name];
  return out as F;
}

/** The columns of a table's row-kept fields, in table order. */
export function fieldColumns<S extends AnySpecs>(specs: S): Array<{ column: FieldColumn<S> & string; kind: ColumnKind }> {
  const out: Array<{ column: FieldColumn<S> & string; kind: ColumnKind }> = [];
  for (const spec of Object.values(specs)) if (spec.column !== null) out.push({ column: spec.column as FieldColumn<S> & string, kind: spec.kind });
  return out;
}
