// Testing a saved connection: POST /connections/:name/test, then scroll the result into view.
import { type RefObject, useRef, useState } from 'react';
import { api, ok } from '../../api';
import type { TestResult } from '../../api/types';
import { errorText } from '../../components/formErrors';

export interface ConnectionTest {
  testing: boolean;
  result: TestResult | null;
  /** Why the test could not run, or null. */
  error: string | null;
  cardRef: RefObject<HTMLDivElement | null>;
  run: (name: string) => Promise<void>;
}

export function useConnectionTest(): ConnectionTest {
  const [testing, setTesting] = useState(false);
  const [result, setResult] = useState<TestResult | null>(null);
  const [error, setError] = useState<string | null>(null);
  const cardRef = useRef<HTMLDivElement>(null);

  const run = async (name: string) => {
    setTesting(true);
    setError(null);
    setResult(null);
    try {
      setResult(await ok(api.POST('/connections/{name}/test', { params: { path: { name } } })));
    } catch (e) {
      setError(errorText(e));
    } finally {
      setTesting(false);
      setTimeout(() => cardRef.current?.scrollIntoView({ behavior: 'smooth', block: 'start' }), 50);
    }
  };

  return { testing, result, error, cardRef, run };
}
