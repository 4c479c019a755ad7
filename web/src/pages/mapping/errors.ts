// 422 errors of the mapping (from the preview and from saving) under the fields they name, with
// the expression pointer ("^ here") split off the message.
import type { FormInstance } from 'antd';
import { useCallback, useRef } from 'react';
import type { FieldError } from '../../api';
import { splitFieldErrors } from '../../components/formErrors';
import { DEPARTMENT_FIELDS, type FormValues, MEMBER_FIELDS } from './types';
import { isMessageCode, render } from '../../../../src/messages/index';
import { type Lang, useLang } from '../../i18n';

/**
 * A mapping error in the user's language: English as the server wrote it; other languages say what
 * its code means (with what it names, e.g. the unknown function and the likely one), and the exact
 * English detail is kept for a tooltip.
 */
export function mappingErrorText(lang: Lang, e: { code?: string; params?: Record<string, string | number>; text: string }): string {
  if (lang === 'en' || !e.code) return e.text;
  const code = e.code === 'E_UNKNOWN_FUNCTION' && e.params?.hint ? 'mapping.E_UNKNOWN_FUNCTION.hint' : `mapping.${e.code}`;
  return isMessageCode(code) ? render({ code, params: e.params ?? {} }, lang) : e.text;
}

/** A 422 message: its first line (without a repeated `field: ` prefix) and the expression pointer after it. */
export function splitMessage(field: string, message: string): { text: string; pointer: string | null } {
  const nl = message.indexOf('\n');
  let text = nl < 0 ? message : message.slice(0, nl);
  if (text.startsWith(`${field}: `)) text = text.slice(field.length + 2);
  return { text, pointer: nl < 0 ? null : message.slice(nl + 1) };
}

/** Whether the mapping form has a field at this path (with `extattrs` rows in the form). */
function formHas(p: (string | number)[], extattrs: number): boolean {
  const [g, f, sub] = p;
  if (g === 'members') return (MEMBER_FIELDS as readonly unknown[]).includes(f);
  if (g === 'departments') return (DEPARTMENT_FIELDS as readonly unknown[]).includes(f);
  if (g === 'extattrs') return typeof f === 'number' && f < extattrs && (sub === undefined || ['name', 'type', 'value', 'url', 'title'].includes(String(sub)));
  if (g === 'affiliation') return ['mode', 'leaderExpression', 'directLeader'].includes(String(f));
  if (g === 'scope') return ['organizationRoots', 'organizationFilter', 'accountFilter', 'includeDisabledAccounts'].includes(String(f));
  if (g === 'matching') return ['members', 'departments'].includes(String(f));
  return false;
}

/**
 * `markErrors(errors)` puts 422 errors under their fields and returns the ones without a field;
 * each call clears the marks of the previous one. `forgetMarks()` after the form was reset.
 */
export function useErrorMarks(form: FormInstance<FormValues>): { markErrors: (errors: FieldError[]) => FieldError[]; forgetMarks: () => void } {
  const markedFields = useRef<string[]>([]);
  const { lang } = useLang();

  const markErrors = useCallback(
    (errors: FieldError[]): FieldError[] => {
      const extattrs = (form.getFieldValue('extattrs') as unknown[] | undefined)?.length ?? 0;
      // Lists edited by one control (scope roots, member matching) carry their errors on the control.
      const shown = errors.map((e) => {
        const field = e.field.replace(/^(scope\.organizationRoots|matching\.members)(\[\d+\]|\.\d+)$/, '$1');
        return { field, message: mappingErrorText(lang, { ...e, text: splitMessage(e.field, e.message).text }) };
      });
      const { fields, rest: restShown } = splitFieldErrors(shown, (p) => formHas(p, extattrs));
      const now = new Set(fields.map((f) => JSON.stringify(f.name)));
      const cleared = markedFields.current.filter((k) => !now.has(k)).map((k) => ({ name: JSON.parse(k) as never, errors: [] as string[] }));
      form.setFields([...cleared, ...fields.map((f) => ({ name: f.name as never, errors: f.errors }))]);
      markedFields.current = [...now];
      const restIndex = new Set(restShown.map((e) => shown.indexOf(e)));
      return errors.filter((_, i) => restIndex.has(i));
    },
    [form, lang],
  );
  const forgetMarks = useCallback(() => {
    markedFields.current = [];
  }, []);

  return { markErrors, forgetMarks };
}
