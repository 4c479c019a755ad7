// Unsaved edits are not lost without a word: while `dirty`, leaving the page inside the console
// (a menu, a link, the back button) asks first, and closing or reloading the tab gets the
// browser's own "leave site?" prompt.
import { useEffect } from 'react';
import { type Blocker, useBlocker } from 'react-router';

export function useUnsavedGuard(dirty: boolean): Blocker {
  const blocker = useBlocker(({ currentLocation, nextLocation }) => dirty && currentLocation.pathname !== nextLocation.pathname);
  useEffect(() => {
    if (!dirty) return;
    const onBeforeUnload = (e: BeforeUnloadEvent) => e.preventDefault();
    window.addEventListener('beforeunload', onBeforeUnload);
    return () => window.removeEventListener('beforeunload', onBeforeUnload);
  }, [dirty]);
  return blocker;
}
