import { ConaxCallResult, ConaxClient, ConaxTransientError } from '../../application/ports/conax-client.port';
import { loginPayload, parseReply, soapEnvelope } from './conax-messages';

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

const NODE_ENCODINGS: Record<string, BufferEncoding> = { 'utf-8': 'utf8', utf8: 'utf8', 'iso-8859-1': 'latin1', latin1: 'latin1' };

/**
 * Conax over SOAP 1.1. Keeps one login session; a `not_logged_in` fault drops it and counts as transient,
 * so the connector's retry logs in again. Every call has its own timeout.
 */
export class SoapConaxClient implements ConaxClient {
  private sessionId: string | null = null;
  private readonly bufferEncoding: BufferEncoding;

  constructor(private readonly options: SoapConaxClientOptions) {
    const encoding = NODE_ENCODINGS[options.encoding.toLowerCase()];
    if (!encoding) throw new Error(`Unsupported Conax encoding ${options.encoding}.`);
    this.bufferEncoding = encoding;
  }

  async createPairing(payload: string): Promise<ConaxCallResult> {
    const sessionId = this.sessionId ?? (await this.login());
    const response = await this.post(soapEnvelope(payload, sessionId), 'CreatePairing');
    const reply = parseReply(response);
    if (reply.kind === 'fault' && reply.code === NOT_LOGGED_IN) {
      this.sessionId = null;
      throw new ConaxTransientError('Conax session expired');
    }
    if (reply.kind === 'fault') return { kind: 'fault', code: reply.code, text: reply.text, response };
    if (reply.kind === 'pairing') {
      const match = /^OK\s+(\S+)$/.exec(reply.status.trim());
      if (match) return { kind: 'accepted', response, referenceNumber: match[1] };
      return { kind: 'fault', code: 'CONAX_ERROR', text: reply.status, response };
    }
    throw new ConaxTransientError(`Unreadable Conax reply (${reply.kind === 'unreadable' ? reply.reason : reply.kind})`);
  }

  async close(): Promise<void> {
    this.sessionId = null;
  }

  private async login(): Promise<string> {
    const reply = parseReply(await this.post(soapEnvelope(loginPayload(this.options.username, this.options.password), null), 'Login'));
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
        headers: { 'Content-Type': `text/xml; charset=${this.options.encoding}`, SOAPAction: `"${action}"` },
        body: Buffer.from(envelope, this.bufferEncoding),
        signal: AbortSignal.timeout(this.options.callTimeoutMs),
      });
    } catch (error) {
      throw new ConaxTransientError(`Conax unreachable: ${(error as Error).message}`, { cause: error });
    }
    const text = Buffer.from(await response.arrayBuffer()).toString(this.bufferEncoding);
    if (response.status >= 500 && parseReply(text).kind !== 'fault') {
      throw new ConaxTransientError(`Conax answered HTTP ${response.status}`);
    }
    return text;
  }
}
