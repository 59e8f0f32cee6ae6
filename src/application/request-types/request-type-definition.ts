import { DraftBase, DraftOf, Priority, ProcessName, RequestData, RequestType, SealedSecret, SubscriptionIdentifier } from '../../domain/provisioning-request';
import { Catalogue } from '../ports/catalogue.port';
import { ConaxCall, ConaxCallResult, ConaxClient, ConaxOperation } from '../ports/conax-client.port';

/** What every create route carries besides its type's own content. */
export interface CreationInput {
  subscription: SubscriptionIdentifier | null;
  processImmediately: boolean;
  scheduledDate: Date | null;
  priority: Priority;
  /** Client-chosen key that makes a retry return the first result instead of creating again. */
  idempotencyKey: string | null;
  organisation: string;
  /**
   * The batch item it comes from (SPEC §10): its id is derived from the batch and the line (so a batch resumed
   * after a crash creates nothing twice), and it carries the utility's process name and the batch id.
   */
  batchItem?: { batchId: string; line: number; processName: ProcessName };
}

/** What a type may consult to build its draft. */
export interface DraftSources {
  catalogue: Catalogue;
  newId(): string;
  limits: { maxSmartcards: number; maxStbs: number };
  /** Seals a secret under the request's own key (made now, destroyed once the request is final). */
  seal(requestId: string, secret: string): Promise<SealedSecret>;
  /** Why Conax's configured charset cannot carry this text (null: it can), for texts checked at creation. */
  unsendableText(text: string): string | null;
}

export type RequestDataOf<T extends RequestType> = RequestData & { type: T };

/**
 * Everything the application knows about one request type beyond the life cycle every type shares. The
 * domain's part (content rules, creation event) is REQUEST_TYPE_RULES; the HTTP route's body is the type's
 * DTO in the HTTP adapter's table; the Conax payload's XML is the SOAP adapter's, keyed by the operation.
 */
export interface RequestTypeDefinition<T extends RequestType, Input> {
  readonly type: T;
  /** The create route under conax_web_services/provisioning_requests/, and the command's name in metrics. */
  readonly route: string;
  /**
   * What the caller asked for, in a canonical form: equal fingerprints mean the same request. A released
   * type's fingerprint never changes, so that a retry with an Idempotency-Key still matches its first request.
   */
  fingerprint(input: Input & CreationInput): unknown[];
  /**
   * The draft of a new request, with what its decision needs from outside resolved (catalogue entries, ids).
   * Throws a DomainError naming the field when the input names nothing that exists. Runs only for a stream
   * that does not exist yet: a retry of a stored request never consults anything.
   */
  draft(input: Input & CreationInput, base: DraftBase & { type: T }, sources: DraftSources): DraftOf<T> | Promise<DraftOf<T>>;
  conax: {
    operation: ConaxOperation;
    /** What the request asks Conax to do. */
    call(request: RequestDataOf<T>): ConaxCall;
    /**
     * After a call that may have been carried out without its answer reaching us: asks Conax whether it was,
     * and answers the result to record instead of calling again (null: not done, call).
     */
    alreadyDone(client: ConaxClient, call: ConaxCall): Promise<ConaxCallResult | null>;
    /** The sealed secret the connector opens for the call (the PIN of UPDATE_CA_PIN_TO_GIVEN_VALUE). */
    sealedSecret?(request: RequestDataOf<T>): SealedSecret;
  };
}
