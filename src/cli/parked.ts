/**
 * `npm run parked -- list | redrive event SUBSCRIBER POSITION | redrive message ID | discard event … | discard message ID`:
 * parked work through the service's own operations routes (the same path as the console), so every re-drive
 * and discard is checked (operations role) and recorded by the service. Where: SERVICE_URL (default
 * http://127.0.0.1:3000); who: SERVICE_TOKEN, or SERVICE_USERNAME / SERVICE_PASSWORD / SERVICE_ORGANISATION.
 */
import { call, runTool, serviceUrl, tokenFor } from './service-client';

const USAGE =
  'usage: npm run parked -- list\n' +
  '       npm run parked -- redrive|discard event SUBSCRIBER POSITION\n' +
  '       npm run parked -- redrive|discard message ID\n';

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
  const base = serviceUrl();
  const [command, kind, ...rest] = args;
  const acting = command === 'redrive' || command === 'discard';
  const validTarget = (kind === 'event' && rest.length === 2 && /^\d+$/.test(rest[1])) || (kind === 'message' && rest.length === 1);
  if (!(command === 'list' && kind === undefined) && !(acting && validTarget)) {
    process.stderr.write(USAGE);
    return 2;
  }
  const token = await tokenFor(base, 'a user with the operations role');
  if (command === 'list') {
    printList(await call<ParkedList>(base, '/operations/parked', { method: 'GET', token }));
    return 0;
  }
  const target = kind === 'event' ? { kind, subscriber: rest[0], position: rest[1] } : { kind, id: rest[0] };
  await call(base, `/operations/parked/${command}`, { method: 'POST', token, body: JSON.stringify(target) });
  process.stdout.write(`${command === 'redrive' ? 'Re-driven' : 'Discarded'}: ${rest.join(' ')} (recorded as an operator action).\n`);
  return 0;
}

runTool(() => main(process.argv.slice(2)));
