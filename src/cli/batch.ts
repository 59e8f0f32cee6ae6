import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { parseArgs } from 'node:util';
import { Presets, SingleBar } from 'cli-progress';
import { BATCHABLE_TYPES } from '../domain/batch/batch.decider';
import { call, CommandError, runTool, serviceUrl, tokenFor } from './service-client';

const USAGE = `usage: npm run batch -- FILE [--type TYPE] [--key IDEMPOTENCY_KEY]
  FILE   a JSON array of the type's create bodies, or a CSV (.csv) whose header names their members
  TYPE   one of ${BATCHABLE_TYPES.join(', ')} (default CREATE_PAIRING)
  KEY    default: the file's sha256, so uploading the same file again answers the same batch (nothing twice)
`;

interface Batch {
  id: string;
  type: string;
  total: number;
  accepted: number;
  rejected: number;
  created: number;
  state: 'RUNNING' | 'DONE';
  invalid_items: Array<{ line: number; error: string }>;
}

/**
 * `npm run batch -- FILE`: uploads a batch (SPEC §10) to the running service, then follows it with a progress
 * bar until every item is handled, and lists the invalid items by line. Where and who: SERVICE_URL and
 * SERVICE_TOKEN (or SERVICE_USERNAME / SERVICE_PASSWORD / SERVICE_ORGANISATION), as `npm run parked`.
 */
async function main(args: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args, allowPositionals: true, options: { type: { type: 'string', default: 'CREATE_PAIRING' }, key: { type: 'string' } } });
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  const [file, ...extra] = parsed.positionals;
  const type = parsed.values.type as string;
  if (!file || extra.length || !BATCHABLE_TYPES.includes(type as (typeof BATCHABLE_TYPES)[number])) {
    process.stderr.write(USAGE);
    return 2;
  }
  let content: Buffer;
  try {
    content = readFileSync(file);
  } catch (error) {
    throw new CommandError(`${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  const key = parsed.values.key ?? `file-sha256-${createHash('sha256').update(type).update(content).digest('hex')}`;
  const base = serviceUrl();
  const token = await tokenFor(base, 'a user of the organisation the requests are for');
  const csv = extname(file).toLowerCase() === '.csv';
  process.stdout.write(`Uploading ${file} (${content.length} bytes, ${csv ? 'CSV' : 'JSON'}) as ${type}…\n`);
  let batch = await call<Batch>(base, `/conax_web_services/provisioning_requests/batches?type=${encodeURIComponent(type)}`, {
    method: 'POST',
    token,
    contentType: csv ? 'text/csv' : 'application/json',
    headers: { 'Idempotency-Key': key },
    body: content,
  });
  process.stdout.write(`Batch ${batch.id}: ${batch.total} items, ${batch.accepted} accepted, ${batch.rejected} refused at submission.\n`);
  const bar = new SingleBar({ format: 'creating |{bar}| {percentage}% | {value}/{total} items | {created} created, {rejected} refused', hideCursor: true, noTTYOutput: true, notTTYSchedule: 2000 }, Presets.shades_classic);
  const handled = (b: Batch) => b.created + b.rejected;
  bar.start(batch.total, handled(batch), { created: batch.created, rejected: batch.rejected });
  while (batch.state !== 'DONE') {
    await new Promise((resolve) => setTimeout(resolve, 500));
    batch = await call<Batch>(base, `/conax_web_services/provisioning_requests/batches/show?batch_identifier=${encodeURIComponent(`id=${batch.id}`)}`, { method: 'GET', token });
    bar.update(handled(batch), { created: batch.created, rejected: batch.rejected });
  }
  bar.stop();
  process.stdout.write(`Done: ${batch.created} requests created (process_id ${batch.id}), ${batch.rejected} items refused.\n`);
  for (const item of batch.invalid_items) process.stdout.write(`  line ${item.line}: ${item.error}\n`);
  if (batch.rejected > batch.invalid_items.length) process.stdout.write(`  … and ${batch.rejected - batch.invalid_items.length} more (the first ${batch.invalid_items.length} are listed).\n`);
  return 0;
}

runTool(() => main(process.argv.slice(2)));
