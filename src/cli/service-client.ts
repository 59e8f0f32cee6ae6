/**
 * The service's own routes, as the command-line tools call them (`npm run parked`, `npm run batch`). Where:
 * SERVICE_URL (default http://127.0.0.1:3000); who: SERVICE_TOKEN, or SERVICE_USERNAME / SERVICE_PASSWORD /
 * SERVICE_ORGANISATION.
 */
const API = '/crmapi/rest/v2';

interface Envelope<T> {
  status: { code: string; message: string | null; description: string | null };
  data: T;
}

/** A refusal or a failure the tool reports as one line (no stack). */
export class CommandError extends Error {}

export function serviceUrl(): string {
  return (process.env.SERVICE_URL ?? 'http://127.0.0.1:3000').replace(/\/$/, '');
}

/** Calls a route and answers its envelope's data; a status other than OK is a CommandError saying it. */
export async function call<T>(base: string, path: string, init: Omit<RequestInit, 'headers'> & { token?: string; contentType?: string; headers?: Record<string, string> }): Promise<T> {
  const headers: Record<string, string> = { 'Content-Type': init.contentType ?? 'application/json', ...init.headers };
  if (init.token) headers.Authorization = `Bearer ${init.token}`;
  const response = await fetch(`${base}${API}${path}`, { ...init, headers });
  const envelope = (await response.json().catch(() => null)) as Envelope<T> | null;
  if (!envelope) throw new CommandError(`${path}: HTTP ${response.status} without an envelope`);
  if (envelope.status.code !== 'OK') {
    throw new CommandError(`${envelope.status.code}: ${envelope.status.message ?? ''} ${envelope.status.description ?? ''}`.trim());
  }
  return envelope.data;
}

export async function tokenFor(base: string, who: string): Promise<string> {
  if (process.env.SERVICE_TOKEN) return process.env.SERVICE_TOKEN;
  const { SERVICE_USERNAME: username, SERVICE_PASSWORD: password, SERVICE_ORGANISATION: organisation } = process.env;
  if (!username || !password || !organisation) {
    throw new CommandError(`Set SERVICE_TOKEN, or SERVICE_USERNAME, SERVICE_PASSWORD and SERVICE_ORGANISATION (${who}).`);
  }
  const data = await call<{ token: string }>(base, '/authentication/token', { method: 'POST', body: JSON.stringify({ username, password, organisation }) });
  return data.token;
}

/** Runs a tool's main: its exit code, or 1 with the error's line (a stack only for what is not a CommandError). */
export function runTool(main: () => Promise<number>): void {
  main().then(
    (code) => process.exit(code),
    (error) => {
      process.stderr.write(`${error instanceof CommandError ? error.message : (error as Error).stack}\n`);
      process.exit(1);
    },
  );
}
