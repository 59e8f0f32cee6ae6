import { SingleBar, Presets } from 'cli-progress';
import { eventCodecFor, openStorage } from '../infrastructure/adapters';
import { loadConfigOrExit } from '../infrastructure/config/app-config';
import { ReadModelRebuild, RebuildProgress } from '../infrastructure/sql/read-model-rebuild';

/**
 * `npm run read-model -- rebuild`: rebuild the request view from the event store into a fresh table and
 * swap it in (safe while the service runs). `npm run read-model -- check`: rebuild beside the live view and
 * report every difference (exit 1 when there is one).
 */
function progressBar(): RebuildProgress {
  const bar = new SingleBar(
    { format: 'projecting |{bar}| {percentage}% | position {value}/{total} | {rate} events/s', hideCursor: true, noTTYOutput: true, notTTYSchedule: 2000 },
    Presets.shades_classic,
  );
  return {
    start: (total) => bar.start(Math.max(total, 1), 0, { rate: 0 }),
    update: (position, rate) => bar.update(position, { rate: Math.round(rate) }),
    stop: () => bar.stop(),
  };
}

async function main(): Promise<number> {
  const command = process.argv[2];
  if (command !== 'rebuild' && command !== 'check') {
    process.stderr.write('usage: npm run read-model -- rebuild|check\n');
    return 2;
  }
  const config = loadConfigOrExit({ LOG_LEVEL: 'warn', ...process.env }, 'read-model');
  const storage = await openStorage(config);
  try {
    const rebuild = new ReadModelRebuild(storage.db, storage.eventStore, eventCodecFor(config), progressBar(), config.readModel);
    const started = Date.now();
    if (command === 'rebuild') {
      const events = await rebuild.rebuild();
      const seconds = (Date.now() - started) / 1000;
      process.stdout.write(`Rebuilt the request view from ${events} events in ${seconds.toFixed(1)} s and swapped it in.\n`);
      return 0;
    }
    const differences = await rebuild.check();
    if (differences.length === 0) {
      process.stdout.write('The live read model equals a rebuild from the event store.\n');
      return 0;
    }
    for (const d of differences) process.stdout.write(`${d.kind}\t${d.id}\n`);
    process.stdout.write(`${differences.length} difference(s) between the live read model and a rebuild.\n`);
    return 1;
  } finally {
    await storage.close();
  }
}

main().then(
  (code) => process.exit(code),
  (error) => {
    process.stderr.write(`${(error as Error).stack}\n`);
    process.exit(1);
  },
);
