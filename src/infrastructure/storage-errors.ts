/**
 * Whether an error says a database cannot be reached or cannot write right now (down, stalled, out of disk,
 * busy), as opposed to a statement it refuses. Connection-level codes (refused, reset, timed out) count
 * wherever they come from, in the error or its causes: a broker that is gone is no message's fault either. Such errors are transient: callers answer 503 and retry;
 * a subscriber never parks an event for one.
 */
export function isStorageUnavailable(error: unknown): boolean {
  if (!error || typeof error !== 'object') return false;
  const { code, message } = error as { code?: unknown; message?: unknown };
  const text = typeof code === 'string' ? code : '';
  // PostgreSQL SQLSTATE classes: 08 connection exception, 53 insufficient resources (53100 disk full), 57P operator intervention.
  if (/^(08|53|57P)/.test(text)) return true;
  if (['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENOSPC', 'EIO'].includes(text)) return true;
  if (/^SQLITE_(FULL|IOERR|BUSY|LOCKED|CANTOPEN|READONLY|PROTOCOL)/.test(text)) return true;
  // pg-pool and pg say these in the message only.
  if (typeof message === 'string' && /timeout exceeded when trying to connect|Connection terminated|connection timeout|Query read timeout/i.test(message)) return true;
  const cause = (error as { cause?: unknown }).cause;
  return cause !== undefined && cause !== error && isStorageUnavailable(cause);
}
