import { AppendResult, EventStore, NewStreamAppend, WrongExpectedRevisionError } from '../application/ports/event-store.port';

/**
 * `appendToNewStreams` for a store with no write of its own for many streams: each append expecting no stream,
 * all at once (the SQL stores' group commit still writes them together), an existing stream answered null.
 */
export async function appendEachToNewStream(store: Pick<EventStore, 'appendToStream'>, appends: readonly NewStreamAppend[]): Promise<Array<AppendResult | null>> {
  return Promise.all(
    appends.map(async ({ streamId, events, view }) => {
      try {
        return await store.appendToStream(streamId, events, 'no_stream', view);
      } catch (error) {
        if (error instanceof WrongExpectedRevisionError) return null;
        throw error;
      }
    }),
  );
}
