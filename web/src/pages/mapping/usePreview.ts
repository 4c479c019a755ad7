// The live preview: POST /connections/:name/mapping/preview with the definition as typed, 300 ms
// after the last edit; the latest request wins. Compile errors (422) go under their fields too.
import { useEffect, useRef, useState } from 'react';
import { ApiError, type FieldError, post, seg } from '../../api';
import { errorText } from '../../components/formErrors';
import type { MappingDefinition, PreviewAnswer } from './types';

export interface Preview {
  preview: PreviewAnswer | null;
  /** The definition's compile errors, or null. */
  previewErrors: FieldError[] | null;
  /** Any other failure, or null. */
  previewFailure: string | null;
  previewing: boolean;
}

/** `defJson`: the definition as JSON (null while loading); `account`: the sample account's id. */
export function usePreview(name: string, defJson: string | null, account: string | null, markErrors: (errors: FieldError[]) => FieldError[]): Preview {
  const [preview, setPreview] = useState<PreviewAnswer | null>(null);
  const [previewErrors, setPreviewErrors] = useState<FieldError[] | null>(null);
  const [previewFailure, setPreviewFailure] = useState<string | null>(null);
  const [previewing, setPreviewing] = useState(false);
  const previewSeq = useRef(0);

  useEffect(() => {
    if (defJson === null || account === null) return;
    const n = ++previewSeq.current;
    const timer = setTimeout(() => {
      setPreviewing(true);
      post<PreviewAnswer>(`/connections/${seg(name)}/mapping/preview`, { definition: JSON.parse(defJson) as MappingDefinition, account })
        .then((r) => {
          if (n !== previewSeq.current) return;
          setPreview(r);
          setPreviewErrors(null);
          setPreviewFailure(null);
          markErrors([]);
        })
        .catch((e: unknown) => {
          if (n !== previewSeq.current) return;
          if (e instanceof ApiError && e.status === 422 && e.errors.length) {
            setPreviewErrors(e.errors);
            setPreviewFailure(null);
            markErrors(e.errors);
          } else {
            setPreviewErrors(null);
            setPreviewFailure(errorText(e));
          }
        })
        .finally(() => {
          if (n === previewSeq.current) setPreviewing(false);
        });
    }, 300);
    return () => clearTimeout(timer);
  }, [defJson, account, name, markErrors]);

  return { preview, previewErrors, previewFailure, previewing };
}
