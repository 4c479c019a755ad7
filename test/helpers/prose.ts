// What a Chinese page must not show, for the browser tests: English prose outside code and data,
// and form controls no label names. Shared by the language test (every page after the demo) and
// the walk (every page of the admin's whole job).
import type { Page } from 'playwright-core';

/** Names that stay as they are in a Chinese text: protocols, products, and another product's own labels. */
const TERMS = ['REST API', 'HTTP CONNECT', 'BEGIN CERTIFICATE', 'Microsoft Entra', 'Tenant URL', 'Secret Token', 'Active Directory'];

/**
 * English prose on the page: two words of three letters or more in a row, in visible text that is
 * not code or data (code, kbd, inputs, elements marked data-data); words joined by - . / @ _ are
 * one token, and the language switch's "English" is one word. Each finding is "<words>  ←  "<the text>"".
 * `known`: findings a test accepts for now (each with the reason and who removes it), matched against the whole finding.
 */
export async function englishProse(page: Page, known: readonly RegExp[] = []): Promise<string[]> {
  // runs in the page (a string: the test's TypeScript has no DOM types)
  const inPage = `(() => {
    const TERMS = new Set(${JSON.stringify(TERMS)});
    const skip = (el) => {
      for (let e = el; e; e = e.parentElement) {
        const tag = e.tagName.toLowerCase();
        if (['code', 'kbd', 'pre', 'script', 'style', 'textarea', 'input', 'svg'].includes(tag)) return true;
        if (e.hasAttribute('data-data') || e.getAttribute('aria-hidden') === 'true') return true;
      }
      return false;
    };
    const found = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const parent = n.parentElement;
      if (!parent || skip(parent)) continue;
      const rect = parent.getBoundingClientRect();
      if (rect.width === 0 || rect.height === 0) continue;
      // words joined by - . / @ _ are one token (wecom-sync, an e-mail address, a path)
      const text = (n.textContent || '').replace(/[\\w.@/-]*[-.@/_][\\w.@/-]*/g, '§');
      for (const m of text.matchAll(/\\b[A-Za-z]{3,}(?:[\\s,'’]+[A-Za-z]{3,})+\\b/g)) {
        if (!TERMS.has(m[0])) found.push(m[0] + '  ←  "' + (n.textContent || '').trim().slice(0, 120) + '"');
      }
    }
    return found;
  })()`;
  return ((await page.evaluate(inPage)) as string[]).filter((f) => !known.some((k) => k.test(f)));
}

/** Visible form controls a screen reader (and a click on the label) cannot name: no label bound to them, no aria-label. */
export async function unlabelled(page: Page): Promise<string[]> {
  const inPage = `(() => {
    const out = [];
    for (const el of document.querySelectorAll('input, select, textarea, [role="combobox"], [role="switch"]')) {
      if (el.type === 'hidden' || el.type === 'file' || el.getAttribute('aria-hidden') === 'true') continue;
      const r = el.getBoundingClientRect();
      if (r.width === 0 || r.height === 0) continue;
      const named = (el.labels && el.labels.length > 0) || el.getAttribute('aria-label') || el.getAttribute('aria-labelledby') || el.closest('label');
      if (!named) out.push((el.getAttribute('data-testid') || el.id) + ' ' + el.outerHTML.slice(0, 120));
    }
    return out;
  })()`;
  return (await page.evaluate(inPage)) as string[];
}
