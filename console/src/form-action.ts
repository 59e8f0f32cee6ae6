import { useState } from 'preact/hooks';
import { ApiFailure } from './api';

/**
 * A form's submit handler with its busy flag and error text: `action` runs once per submit; a failure
 * becomes the text `describe` makes of the API's refusal, or "cannot be reached" when there was no answer.
 */
export function useFormAction(action: () => Promise<void>, describe: (failure: ApiFailure) => string) {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await action();
    } catch (failure) {
      setError(failure instanceof ApiFailure ? describe(failure) : 'The service cannot be reached.');
    } finally {
      setBusy(false);
    }
  };
  return { error, busy, submit };
}
