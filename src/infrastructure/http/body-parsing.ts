import { Transform } from 'node:stream';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import secureJson from 'secure-json-parse';
import { ApiError } from './api-error';

/**
 * The deepest nesting of arrays and objects a body may have. The deepest valid body is four levels (the
 * body, a set, an item, an identifier); class-transformer walks a body recursively and overflows the
 * stack on a few thousand levels, which must be a 400, not a 500.
 */
export const MAX_JSON_DEPTH = 32;

/** Whether the JSON text nests arrays or objects deeper than `max` (brackets inside strings do not count). */
export function nestsDeeperThan(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: the next character is escaped
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > max) return true;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return false;
}

/** The one route that takes an upload (SPEC §10's batches): a JSON array or CSV, under its own size cap. */
export interface UploadRoute {
  /** The route's full path, as Fastify names it. */
  url: string;
  limitBytes: number;
}

const CSV_MEDIA_TYPE = /^text\/csv\s*(;|$)/i;
const JSON_MEDIA_TYPE = /^application\/([\w.+-]+\+)?json\s*(;|$)/i;
const CHARSET = /;\s*charset\s*=\s*"?([^";\s]+)"?/i;

/**
 * Body handling before Nest sees the request, so that every failure of it still answers in the envelope
 * (the parser's errors reach the global exception filter through Nest's error handler): a body that is not
 * JSON is 415, a body over the cap 413, malformed JSON 400, a JSON value that is not an object or nested
 * deeper than MAX_JSON_DEPTH 400. A
 * request without a body gets `{}`. The upload route also takes a JSON array, or CSV as its text, under its own cap.
 */
export function registerJsonBodyOnly(fastify: FastifyInstance, limitBytes: number, uploads: UploadRoute): void {
  const isUpload = (request: FastifyRequest) => request.routeOptions?.url === uploads.url;
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: Number.MAX_SAFE_INTEGER }, (request: FastifyRequest, body: Buffer | string, done) => {
    const type = request.headers['content-type'] ?? '';
    const upload = isUpload(request);
    const csv = upload && CSV_MEDIA_TYPE.test(type);
    if (!JSON_MEDIA_TYPE.test(type) && !csv) {
      const expected = upload ? 'application/json or text/csv' : 'application/json';
      return done(new ApiError('UNSUPPORTED_MEDIA_TYPE', `The body must be ${upload ? 'JSON or CSV' : 'JSON'}.`, `Content-Type: ${type || 'missing'}; expected ${expected}`), undefined);
    }
    const encoding = String(request.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
    if (encoding !== 'identity' && encoding !== '') {
      return done(new ApiError('UNSUPPORTED_MEDIA_TYPE', 'The body encoding is not supported.', `Content-Encoding: ${encoding.slice(0, 32)} is not accepted; send the JSON uncompressed`), undefined);
    }
    const charset = CHARSET.exec(type)?.[1]?.toLowerCase() ?? 'utf-8';
    if (charset !== 'utf-8' && charset !== 'utf8') {
      return done(new ApiError('UNSUPPORTED_MEDIA_TYPE', 'The body encoding is not supported.', `unsupported charset "${charset.toUpperCase()}"`), undefined);
    }
    if (body.length === 0) return done(null, {});
    const text = body.toString('utf8');
    if (csv) return done(null, text); // read by the upload's own route, row by row
    if (nestsDeeperThan(text, MAX_JSON_DEPTH)) {
      return done(new ApiError('INVALID_PARAMETER', 'The body is nested too deeply.', `body: at most ${MAX_JSON_DEPTH} levels of arrays and objects`), undefined);
    }
    let parsed: unknown;
    try {
      // `__proto__` survives JSON.parse as an own key that class-transformer silently drops: refused outright.
      // (secure-json-parse only looks closer when the text could hold one, so a plain body parses at full speed.)
      parsed = secureJson.parse(text, undefined, { protoAction: 'error', constructorAction: 'ignore' });
    } catch (error) {
      // The parser's own message quotes the input: only where it broke is said, never the bytes themselves.
      const at = /position (\d+)/.exec((error as Error).message)?.[1];
      const why = /prototype property/.test((error as Error).message) ? 'a __proto__ member is not allowed' : at === undefined ? 'not valid JSON' : `not valid JSON at position ${at}`;
      return done(new ApiError('INVALID_PARAMETER', 'The body is not valid JSON.', `body: ${why}`), undefined);
    }
    if (upload && Array.isArray(parsed)) return done(null, parsed);
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
      return done(new ApiError('INVALID_PARAMETER', 'The body must be a JSON object.', 'body: expected an object'), undefined);
    }
    done(null, parsed);
  });
  // The cap is checked on the bytes as they arrive (and on Content-Length before any is read).
  fastify.addHook('preParsing', async (request, _reply, payload) => {
    if (request.headers['content-length'] === undefined && request.headers['transfer-encoding'] === undefined) return payload; // no body
    const limit = isUpload(request) ? uploads.limitBytes : limitBytes;
    const declared = Number(request.headers['content-length'] ?? 0);
    if (declared > limit) throw tooLarge(limit);
    // With a Content-Length, Node's parser hands over exactly that many bytes: only a chunked body needs counting.
    if (request.headers['transfer-encoding'] === undefined) return payload;
    let received = 0;
    return payload.pipe(
      new Transform({
        transform(chunk: Buffer, _encoding, callback) {
          received += chunk.length;
          callback(received > limit ? tooLarge(limit) : null, chunk);
        },
      }),
    );
  });
  fastify.addHook('preValidation', async (request) => {
    if (request.body === undefined || request.body === null) request.body = {};
  });
}

function tooLarge(limitBytes: number): ApiError {
  return new ApiError('PAYLOAD_TOO_LARGE', 'The body is too large.', `body: at most ${limitBytes} bytes`);
}
