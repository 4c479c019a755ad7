// The live preview: POST /connections/:name/mapping/preview with the definition as typed, 300 ms
// after the last edit; the latest request wins. Compile errors (422) go under their fields too.
import { useEffect } from 'react';
import { ApiError, type FieldError, api, ok } from '../../api';
import type { MappingPreview } from '../../api/types';
import { errorText } from '../../components/formErrors';
import { useApi } from '../../hooks/useApi';

interface Preview {
  preview: MappingPreview | null;
  /** The definition's compile errors, or null. */
  previewErrors: FieldError[] | null;
  /** Any other failure, or null. */
  previewFailure: string | null;
  previewing: boolean;
}

/** Resolves after `ms`, unless the signal aborts first (then never: the read was replaced). */
const pause = (ms: number, signal: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => clearTimeout(timer));
  });

const compileErrorsOf = (e: Error | null): FieldError[] | null => (e instanceof ApiError && e.status === 422 && e.errors.length > 0 ? e.errors : null);

/** `defJson`: the definition as JSON (null while loading); `account`: the sample account's id. */
export function usePreview(name: string, defJson: string | null, account: string | null, markErrors: (errors: FieldError[]) => FieldError[]): Preview {
  const read = useApi(
    async (signal): Promise<MappingPreview | null> => {
      if (defJson === null || account === null) return null;
      await pause(300, signal);
      const definition = JSON.parse(defJson) as Record<string, unknown>;
      return ok(api.POST('/connections/{name}/mapping/preview', { params: { path: { name } }, body: { definition, account }, signal }));
    },
    [defJson, account, name],
    { keepData: true },
  );
  const { data, error } = read;
  const compileErrors = compileErrorsOf(error);

  // the form's fields show the compile errors of the last preview (none once it compiles)
  useEffect(() => {
    const errors = compileErrorsOf(error);
    if (errors) markErrors(errors);
    else if (data && !error) markErrors([]);
  }, [data, error, markErrors]);

  return {
    preview: data,
    previewErrors: compileErrors,
    previewFailure: error && !compileErrors ? errorText(error) : null,
    previewing: read.loading && defJson !== null && account !== null,
  };
}
