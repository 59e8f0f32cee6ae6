/**
 * `npm run parked -- list | redrive event SUBSCRIBER POSITION | redrive message ID | discard event … | discard message ID`:
 * parked work through the service's own operations routes (the same path as the console), so every re-drive
 * and discard is checked (operations role) and recorded by the service. Where: SERVICE_URL (default
 * http://127.0.0.1:3000); who: SERVICE_TOKEN, or SERVICE_USERNAME / SERVICE_PASSWORD / SERVICE_ORGANISATION.
 */
const API = '/crmapi/rest/v2';

interface Envelope<T> {
  status: { code: string; message: string | null; description: string | null };
  data: T;
}

const USAGE =
  'usage: npm run parked -- list\n' +
  '       npm run parked -- redrive|discard event SUBSCRIBER POSITION\n' +
  '       npm run parked -- redrive|discard message ID\n';

class CommandError extends Error {}

async function call<T>(base: string, path: string, init: RequestInit & { token?: string }): Promise<T> {
  const headers: Record<string, string> = { 'Content-Type': 'application/json' };
  if (init.token) headers.Authorization = `Bearer ${init.token}`;
  const response = await fetch(`${base}${API}${path}`, { ...init, headers });
  const envelope = (await response.json().catch(() => null)) as Envelope<T> | null;
  if (!envelope) throw new CommandError(`${path}: HTTP ${response.status} without an envelope`);
  if (envelope.status.code !== 'OK') {
    throw new CommandError(`${envelope.status.code}: ${envelope.status.message ?? ''} ${envelope.status.description ?? ''}`.trim());
  }
  return envelope.data;
}

async function tokenFor(base: string): Promise<string> {
  if (process.env.SERVICE_TOKEN) return process.env.SERVICE_TOKEN;
  const { SERVICE_USERNAME: username, SERVICE_PASSWORD: password, SERVICE_ORGANISATION: organisation } = process.env;
  if (!username || !password || !organisation) {
    throw new CommandError('Set SERVICE_TOKEN, or SERVICE_USERNAME, SERVICE_PASSWORD and SERVICE_ORGANISATION (a user with the operations role).');
  }
  const data = await call<{ token: string }>(base, '/authentication/token', { method: 'POST', body: JSON.stringify({ username, password, organisation }) });
  return data.token;
}

type ParkedList = {
  events: { subscriber: string; position: string; stream_id: string; type: string; reason: string; parked_at: string }[];
  messages: { id: string; source_topic: string; key: string; reason: string; parked_at: string }[];
};

function printList(list: ParkedList): void {
  process.stdout.write(`Parked events: ${list.events.length}\n`);
  for (const e of list.events) process.stdout.write(`  event\t${e.subscriber}\t${e.position}\t${e.type}\t${e.stream_id}\t${e.parked_at}\t${e.reason}\n`);
  process.stdout.write(`Dead letters: ${list.messages.length}\n`);
  for (const m of list.messages) process.stdout.write(`  message\t${m.id}\t${m.source_topic}\t${m.key}\t${m.parked_at}\t${m.reason}\n`);
}

async function main(args: string[]): Promise<number> {
  const base = (process.env.SERVICE_URL ?? 'http://127.0.0.1:3000').replace(/\/$/, '');
  const [command, kind, ...rest] = args;
  const acting = command === 'redrive' || command === 'discard';
  const validTarget = (kind === 'event' && rest.length === 2 && /^\d+$/.test(rest[1])) || (kind === 'message' && rest.length === 1);
  if (!(command === 'list' && kind === undefined) && !(acting && validTarget)) {
    process.stderr.write(USAGE);
    return 2;
  }
  const token = await tokenFor(base);
  if (command === 'list') {
    printList(await call<ParkedList>(base, '/operations/parked', { method: 'GET', token }));
    return 0;
  }
  const target = kind === 'event' ? { kind, subscriber: rest[0], position: rest[1] } : { kind, id: rest[0] };
  await call(base, `/operations/parked/${command}`, { method: 'POST', token, body: JSON.stringify(target) });
  process.stdout.write(`${command === 'redrive' ? 'Re-driven' : 'Discarded'}: ${rest.join(' ')} (recorded as an operator action).\n`);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error) => {
    process.stderr.write(`${error instanceof CommandError ? error.message : (error as Error).stack}\n`);
    process.exit(1);
  },
);
