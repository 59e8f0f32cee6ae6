import { Logger } from '@nestjs/common';
import { ExponentialBackoff, handleWhen, retry } from 'cockatiel';
import { PoisonMessageError, RetryPolicy } from '../../application/ports/message-bus.port';
import { isStorageUnavailable } from '../storage-errors';

/** The handler was still failing on an unavailable database when its consumer stopped: neither handled nor parked. */
export const STOPPED_WHILE_WAITING = 'stopped while waiting for storage' as const;

const logger = new Logger('MessageHandler');

/**
 * The one retry rule both bus adapters apply to a consumer's handler: bounded exponential backoff with
 * jitter; a poison message is not retried. Resolves with the last error when every attempt failed, and the
 * bus parks the message. A database that is down or full is no fault of the message, nor is a refused or
 * reset connection anywhere in the error's causes (a broker that is gone, for the connector's own publish): such failures are
 * retried, every `maxDelayMs`, for as long as they last, and the message is never parked for them (it waits
 * at the head of its queue); when the consumer stops meanwhile, STOPPED_WHILE_WAITING (not handled: the
 * message is delivered again).
 */
export function handlerRetries(policy: RetryPolicy) {
  const withRetries = retry(
    handleWhen((error) => !(error instanceof PoisonMessageError)),
    {
      maxAttempts: Math.max(0, policy.maxAttempts - 1),
      backoff: new ExponentialBackoff({ initialDelay: policy.initialDelayMs, maxDelay: policy.maxDelayMs }),
    },
  );
  return async (run: () => Promise<void>, stopped: () => boolean = () => false): Promise<Error | null | typeof STOPPED_WHILE_WAITING> => {
    for (;;) {
      try {
        await withRetries.execute(run);
        return null;
      } catch (error) {
        const failure = error instanceof Error ? error : new Error(String(error));
        if (!isStorageUnavailable(failure)) return failure;
        if (stopped()) return STOPPED_WHILE_WAITING;
        logger.warn(`A database is unavailable (${failure.message}); the message waits and is tried again in ${policy.maxDelayMs} ms.`);
        await new Promise((resolve) => setTimeout(resolve, policy.maxDelayMs));
        if (stopped()) return STOPPED_WHILE_WAITING;
      }
    }
  };
}
