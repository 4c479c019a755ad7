// Catches a duplicate mobile or e-mail where it is typed: WeCom refuses a mobile or an e-mail
// that another member of the company already has (60104, 60106), and the directory knows every
// account. While the admin edits one, the hook asks the directory (debounced) which other
// account already holds the value; the drawer warns under the field, naming that account.
// Saving stays possible: the other account may be out of the connection's scope, or about to
// change too.
import { useEffect, useState } from 'react';
import { api, ok } from '../../api';
import type { Account } from '../../api/types';

const DEBOUNCE_MS = 300;

export function useContactHolder(field: 'mobile' | 'email', value: string | null | undefined, selfId: string | undefined): Account | null {
  const [holder, setHolder] = useState<Account | null>(null);
  const typed = (value ?? '').trim();
  useEffect(() => {
    setHolder(null);
    if (typed === '' || selfId === undefined) return;
    const ctrl = new AbortController();
    const timer = setTimeout(() => {
      ok(api.GET('/accounts', { params: { query: { [field]: typed, limit: 2 } }, signal: ctrl.signal }))
        .then((page) => setHolder(page.items.find((a) => a.id !== selfId) ?? null))
        .catch(() => setHolder(null)); // a failed look-up only loses the hint
    }, DEBOUNCE_MS);
    return () => {
      clearTimeout(timer);
      ctrl.abort();
    };
  }, [field, typed, selfId]);
  return holder;
}
