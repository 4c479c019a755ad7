// Field descriptors: for each field a caller may set on an organization or an account, the store
// column that keeps it (a plain name: the domain does not know the store) and how its value
// converts to and from that column. Diffs, the change feed's field names, picking the fields, the
// row mapping and bulk column lists are derived from them, so a field is declared once, in its
// object's descriptor table (ACCOUNT_FIELD_SPECS, ORGANIZATION_FIELD_SPECS).
import { type Attributes, sameAttributes } from './common.js';

/** A value as a store column holds it. */
export type ColumnValue = string | number | null;

/** What a column holds (the store picks the column type from it); JSON is text. */
export type ColumnKind = 'text' | 'number';

/** A field kept in a column of its object's row; V is the domain value, C the column value. */
export interface ColumnField<V, C extends ColumnValue = ColumnValue, Col extends string = string> {
  readonly column: Col;
  readonly kind: ColumnKind;
  toColumn(value: V): C;
  fromColumn(value: C): V;
  same(a: V, b: V): boolean;
}

/** A field kept outside its object's row (an account's organizations: its membership rows). */
export interface DetachedField<V> {
  readonly column: null;
  same(a: V, b: V): boolean;
}

export type FieldSpec<V> = ColumnField<V> | DetachedField<V>;

/** One descriptor per field of F: a missing or unknown field does not compile. */
export type FieldSpecs<F> = { readonly [K in keyof F]-?: FieldSpec<F[K]> };

type AnySpecs = { readonly [name: string]: FieldSpec<unknown> };
type ColumnOf<S> = S extends { readonly column: infer Col extends string } ? Col : never;
type ValueOf<S> = S extends ColumnField<infer V, infer _C, infer _Col> ? V : S extends DetachedField<infer V> ? V : never;

/** The field values a descriptor table describes. */
export type FieldValues<S> = { -readonly [K in keyof S]: ValueOf<S[K]> };
/** The values of the fields kept outside the row. */
export type DetachedValues<S> = { -readonly [K in keyof S as ColumnOf<S[K]> extends never ? K : never]: ValueOf<S[K]> };
/** The row columns a descriptor table fills, with their column values. */
export type FieldRow<S> = {
  -readonly [K in keyof S as ColumnOf<S[K]>]: S[K] extends ColumnField<infer _V, infer C, infer _Col> ? C : never;
};

const identical = (a: unknown, b: unknown): boolean => a === b;

/** The column value of a text field: null only where the field may be null. */
type TextColumn<V> = string | (null extends V ? null : never);

/**
 * A text column holding the value as it is. V (a string type, possibly an enum or nullable) is
 * taken from the table's `satisfies FieldSpecs<…>`.
 */
export function text<V extends string | null, Col extends string>(column: Col): ColumnField<V, TextColumn<V>, Col> {
  const asIs = (v: ColumnValue): ColumnValue => v;
  return { column, kind: 'text', toColumn: asIs as (v: V) => TextColumn<V>, fromColumn: asIs as (c: TextColumn<V>) => V, same: identical };
}

/** A number column; read back through Number() because PostgreSQL returns bigint as text. */
export function integer<Col extends string>(column: Col): ColumnField<number, number, Col> {
  return { column, kind: 'number', toColumn: (v) => v, fromColumn: (c) => Number(c), same: identical };
}

/** A text column holding the attribute map as JSON; maps compare by value, ignoring key order. */
export function jsonAttributes<Col extends string>(column: Col): ColumnField<Attributes, string, Col> {
  return { column, kind: 'text', toColumn: (v) => JSON.stringify(v), fromColumn: (c) => JSON.parse(c) as Attributes, same: sameAttributes };
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
export function fieldColumns<S extends AnySpecs>(specs: S): Array<{ column: keyof FieldRow<S> & string; kind: ColumnKind }> {
  const out: Array<{ column: keyof FieldRow<S> & string; kind: ColumnKind }> = [];
  for (const spec of Object.values(specs)) if (spec.column !== null) out.push({ column: spec.column as keyof FieldRow<S> & string, kind: spec.kind });
  return out;
}

/** Converts field values to row columns and back, for one descriptor table. */
export interface RowMapping<S> {
  toRow(values: FieldValues<S>): FieldRow<S>;
  /** Fields kept outside the row come from `detached`. Keys follow the table order. */
  fromRow(row: FieldRow<S>, detached: DetachedValues<S>): FieldValues<S>;
}

export function rowMapping<S extends AnySpecs>(specs: S): RowMapping<S> {
  // Compiled once into functions that return one object literal: these run for every row of every
  // read and bulk write, and a loop of keyed reads and writes was 3–5× slower than the hand-written
  // mapping it replaces. Names and columns are quoted as string literals and the converters passed
  // in, so no descriptor text becomes code.
  const fields = Object.entries(specs);
  const quote = JSON.stringify;
  const compile = (params: string, entries: string[]): RowMapping<S>[keyof RowMapping<S>] =>
    new Function('spec', `return (${params}) => ({ ${entries.join(', ')} });`)(fields.map(([, f]) => f));
  return {
    toRow: compile('v', fields.flatMap(([name, f], i) => (f.column === null ? [] : [`${quote(f.column)}: spec[${i}].toColumn(v[${quote(name)}])`]))),
    fromRow: compile(
      'r, d',
      fields.map(([name, f], i) => `${quote(name)}: ${f.column === null ? `d[${quote(name)}]` : `spec[${i}].fromColumn(r[${quote(f.column)}])`}`),
    ),
  } as RowMapping<S>;
}
