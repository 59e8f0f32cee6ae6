/**
 * The console's only way out: the service's own API on the same origin. The token lives in this module's
 * memory only (never in a URL, never in storage), so a reload logs out.
 */
const BASE = '/crmapi/rest/v2';

export interface Envelope<T> {
  status: { code: string; message: string | null; description: string | null };
  data: T;
}

export class ApiFailure extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly description: string | null,
  ) {
    super(message);
  }
}

let token: string | null = null;

export interface Session {
  username: string;
  organisation: string;
  roles: string[];
}

/** The claims the console shows (the service checks them; the console only hides what it would refuse). */
function sessionOf(jwt: string): Session {
  const payload = JSON.parse(atob(jwt.split('.')[1].replace(/-/g, '+').replace(/_/g, '/'))) as Record<string, unknown>;
  return {
    username: String(payload.username ?? ''),
    organisation: String(payload.organisation ?? ''),
    roles: Array.isArray(payload.roles) ? payload.roles.map(String) : [],
  };
}

/** GET: `params` as the query string; POST: as the JSON body. Undefined and empty members are left out. */
export async function call<T>(method: 'GET' | 'POST', path: string, params: Record<string, unknown> = {}): Promise<T> {
  const defined = Object.fromEntries(Object.entries(params).filter(([, v]) => v !== undefined && v !== ''));
  if (method === 'GET') {
    const query = new URLSearchParams(Object.entries(defined).map(([k, v]) => [k, String(v)])).toString();
    return send<T>('GET', query ? `${path}?${query}` : path);
  }
  return send<T>('POST', path, { contentType: 'application/json', body: JSON.stringify(defined) });
}

/** A file as the body, as it is (a batch upload: JSON or CSV), with the query `query`. */
export function upload<T>(path: string, query: Record<string, string>, file: File, headers: Record<string, string> = {}): Promise<T> {
  const contentType = /\.csv$/i.test(file.name) ? 'text/csv' : 'application/json';
  return send<T>('POST', `${path}?${new URLSearchParams(query).toString()}`, { contentType, body: file, headers });
}

async function send<T>(method: 'GET' | 'POST', pathAndQuery: string, content?: { contentType: string; body: BodyInit; headers?: Record<string, string> }): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json', ...content?.headers };
  if (token) headers.Authorization = `Bearer ${token}`;
  if (content) headers['Content-Type'] = content.contentType;
  const response = await fetch(`${BASE}${pathAndQuery}`, { method, headers, body: content?.body, credentials: 'omit' });
  const envelope = (await response.json().catch(() => null)) as Envelope<T> | null;
  if (!envelope) throw new ApiFailure('UNAVAILABLE', `The service answered HTTP ${response.status}.`, null);
  if (envelope.status.code !== 'OK') throw new ApiFailure(envelope.status.code, envelope.status.message ?? envelope.status.code, envelope.status.description);
  return envelope.data;
}

export async function logIn(username: string, password: string, organisation: string): Promise<Session> {
  const data = await call<{ token: string }>('POST', '/authentication/token', { username, password, organisation });
  token = data.token;
  return sessionOf(data.token);
}

export async function logOut(): Promise<void> {
  if (token) await call('POST', '/authentication/token/release').catch(() => undefined);
  token = null;
}

export interface RequestView {
  id: string;
  number: string;
  type: string;
  sequence_number: string | null;
  scheduled_date: string | null;
  executed_date: string | null;
  priority: string;
  process_immediately: boolean;
  life_cycle_state: 'PENDING' | 'COMPLETED' | 'REJECTED';
  request: string | null;
  response: string | null;
  reference_number: string | null;
  error_code: string | null;
  error_description: string | null;
  process_name: string;
  process_id: string | null;
  subscription: { id: string | null; number: string | null } | null;
  log_information: {
    created_date: string;
    created_by_user: { id: string; username: string; person_name: string | null; email: string | null };
    updated_date: string;
    updated_by_user: { id: string; username: string; person_name: string | null; email: string | null };
  };
  parameters_set: Record<string, string | number>[];
  /** A query type's parsed answer once COMPLETED. */
  result: Record<string, unknown> | null;
}

export interface HistoryEntry {
  event_id: string;
  type: string;
  revision: number;
  position: string;
  timestamp: string;
  user: { username: string; person_name: string | null };
  correlation_id: string;
  causation_id: string | null;
  schema_version: number;
  data: unknown;
}

// The service's own shapes (type-only: nothing of the application is bundled).
export type { BatchReport as Batch } from '../../src/application/batches/batch-report';
import type { BatchSummary } from '../../src/application/ports/batch-store.port';
/** A batch as `batches/list` answers it. */
export type BatchRow = Omit<BatchSummary, 'organisation'>;
