import { ExponentialBackoff, handleWhen, retry } from 'cockatiel';
import { PoisonMessageError, RetryPolicy } from '../../application/ports/message-bus.port';

/**
 * The one retry rule both bus adapters apply to a consumer's handler: bounded exponential backoff with
 * jitter; a poison message is not retried. Resolves with the last error when every attempt failed.
 */
export function handlerRetries(policy: RetryPolicy) {
  const withRetries = retry(
    handleWhen((error) => !(error instanceof PoisonMessageError)),
    {
      maxAttempts: Math.max(0, policy.maxAttempts - 1),
      backoff: new ExponentialBackoff({ initialDelay: policy.initialDelayMs, maxDelay: policy.maxDelayMs }),
    },
  );
  return async (run: () => Promise<void>): Promise<Error | null> => {
    try {
      await withRetries.execute(run);
      return null;
    } catch (error) {
      return error instanceof Error ? error : new Error(String(error));
    }
  };
}
