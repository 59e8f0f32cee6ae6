import { CallSecrets, ConaxCallResult, ConaxClient, ConaxTransientError, PairingStatus, SubscriptionStatus } from '../../application/ports/conax-client.port';
import { ConaxOperation } from '../../application/ports/conax-client.port';
import { ConaxCharset, UnencodableTextError, charsetOfContentType, conaxCharset, decodeText, encodeText, firstUnencodable } from './conax-charset';
import { loginPayload, pairingStatusPayload, ParsedReply, parseReply, queryAnswerOf, soapBodyOf, soapEnvelope, subscriptionStatusPayload, withPin } from './conax-messages';

export interface SoapConaxClientOptions {
  url: string;
  username: string;
  password: string;
  /** Character encoding of requests and replies (Conax's provider setting), e.g. UTF-8 or ISO-8859-1. */
  encoding: string;
  callTimeoutMs: number;
}

/** Conax answers this fault code when the session has expired or never existed. */
export const NOT_LOGGED_IN = 'not_logged_in';

/** A request whose text the configured charset cannot hold is refused by the service, never folded. */
export const UNENCODABLE_REQUEST = 'UNENCODABLE_CHARACTER';

/**
 * Conax over SOAP 1.1. Keeps one login session; a `not_logged_in` fault drops it and counts as transient,
 * so the connector's retry logs in again. Every call has its own timeout.
 */
export class SoapConaxClient implements ConaxClient {
  private sessionId: string | null = null;
  private readonly charset: ConaxCharset;

  constructor(private readonly options: SoapConaxClientOptions) {
    const charset = conaxCharset(options.encoding);
    if (!charset) throw new Error(`Unsupported Conax encoding ${options.encoding}.`);
    this.charset = charset;
  }

  async call(operation: ConaxOperation, payload: string, secrets: CallSecrets = {}): Promise<ConaxCallResult> {
    const unencodable = firstUnencodable(payload, this.charset);
    if (unencodable !== null) {
      const text = new UnencodableTextError(this.charset, unencodable).message;
      return { kind: 'fault', code: UNENCODABLE_REQUEST, text: `The request cannot be sent to Conax: ${text}`, response: '' };
    }
    // The PIN goes into the text only here, as it is sent; what is recorded and published keeps the mask.
    const sent = secrets.pin === undefined ? payload : withPin(payload, secrets.pin);
    const { reply, response } = await this.exchange(sent, operation);
    if (reply.kind === 'fault') return { kind: 'fault', code: reply.code, text: reply.text, response };
    const query = queryAnswerOf(operation, reply);
    if (query === 'unreadable') throw new ConaxTransientError(`Unreadable answer to ${operation} (${reply.kind})`);
    if (query !== null) return { kind: 'accepted', response, referenceNumber: query.referenceNumber, result: query.result };
    if (reply.kind === 'result' && reply.operation === operation) {
      const match = /^OK\s+(\S+)$/.exec(reply.status.trim());
      if (match) return { kind: 'accepted', response, referenceNumber: match[1] };
      return { kind: 'fault', code: 'CONAX_ERROR', text: reply.status, response };
    }
    throw new ConaxTransientError(`Unreadable Conax reply (${reply.kind === 'unreadable' ? reply.reason : reply.kind})`);
  }

  async pairingStatusForCard(smartcardCaId: string): Promise<PairingStatus> {
    const { reply, response } = await this.exchange(pairingStatusPayload(smartcardCaId), 'GetPairingStatusForCard');
    if (reply.kind !== 'status') throw new ConaxTransientError(`Unreadable pairing status (${reply.kind})`);
    return { paired: reply.paired, stbCaIds: reply.stbCaIds, referenceNumber: reply.referenceNumber, response };
  }

  async subscriptionStatusForCard(smartcardCaId: string): Promise<SubscriptionStatus> {
    const { reply, response } = await this.exchange(subscriptionStatusPayload(smartcardCaId), 'GetActiveSubscriptionsForCard');
    if (reply.kind !== 'subscriptions') throw new ConaxTransientError(`Unreadable subscription status (${reply.kind})`);
    return { active: reply.active, cancelled: reply.cancelled, response };
  }

  /** One call within the session; a `not_logged_in` fault drops the session and is transient (the retry logs in). */
  private async exchange(payload: string, action: string): Promise<{ reply: ParsedReply; response: string }> {
    const sessionId = this.sessionId ?? (await this.login());
    const response = await this.post(soapEnvelope(payload, sessionId, this.charset), action);
    const reply = parseReply(response);
    if (reply.kind === 'fault' && reply.code === NOT_LOGGED_IN) {
      this.sessionId = null;
      throw new ConaxTransientError('Conax session expired');
    }
    return { reply, response: soapBodyOf(response) };
  }

  async close(): Promise<void> {
    this.sessionId = null;
  }

  private async login(): Promise<string> {
    const login = soapEnvelope(loginPayload(this.options.username, this.options.password), null, this.charset);
    const reply = parseReply(await this.post(login, 'Login'));
    if (reply.kind !== 'login') {
      throw new ConaxTransientError(`Conax login failed (${reply.kind === 'fault' ? `${reply.code}: ${reply.text}` : reply.kind})`);
    }
    this.sessionId = reply.sessionId;
    return reply.sessionId;
  }

  /** SOAP 1.1 sends faults with HTTP 500, so a 500 whose body is a fault is an answer, not a failure. */
  private async post(envelope: string, action: string): Promise<string> {
    let response: Response;
    try {
      response = await fetch(this.options.url, {
        method: 'POST',
        headers: { 'Content-Type': `text/xml; charset=${this.charset}`, SOAPAction: `"${action}"` },
        body: encodeText(envelope, this.charset),
        signal: AbortSignal.timeout(this.options.callTimeoutMs),
      });
    } catch (error) {
      // Refused or unresolvable: nothing left this process. Anything else (a timeout, a reset) may have.
      const code = ((error as { cause?: { code?: string } }).cause?.code ?? '') as string;
      const notSent = ['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN'].includes(code);
      throw new ConaxTransientError(`Conax unreachable: ${(error as Error).message}`, { cause: error, maybeDelivered: !notSent });
    }
    // Read the reply in the charset it declares (Conax's own setting), else in the configured one.
    const declared = /charset=/i.test(response.headers.get('content-type') ?? '') ? charsetOfContentType(response.headers.get('content-type') ?? '') : this.charset;
    const text = decodeText(Buffer.from(await response.arrayBuffer()), declared);
    if (response.status >= 500 && parseReply(text).kind !== 'fault') {
      throw new ConaxTransientError(`Conax answered HTTP ${response.status}`);
    }
    return text;
  }
}
