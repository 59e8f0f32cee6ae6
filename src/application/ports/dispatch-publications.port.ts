/**
 * The dispatch saga's own state: which attempt of each request was handed to the connector's topic, and
 * when (the outcome timeout runs from then). Written with the saga's checkpoint, in one transaction.
 */
export interface DispatchPublications {
  /**
   * Records that `attempt` of a request was handed to the connector's topic at `publishedAt`, with the
   * processor's checkpoint, in one transaction (an older attempt never overwrites a newer one). A null
   * position moves no checkpoint (a re-drive of a parked event).
   */
  record(processor: string, position: bigint | null, requestId: string, attempt: number, publishedAt: Date): Promise<void>;
}

export const DISPATCH_PUBLICATIONS = Symbol('DispatchPublications');
