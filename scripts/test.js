#!/usr/bin/env node
/**
 * `npm test`: the whole suite, starting what it needs. It builds dist/ (one e2e test runs the built
 * service as a child process and SIGKILLs it). When KAFKA_BROKERS is unset a single-node Apache
 * Kafka broker is started from Maven Central jars (scripts/kafka.js) for the e2e tests, and stopped after.
 * Extra arguments go to jest (e.g. `npm test -- test/unit`).
 */
const { spawnSync } = require('node:child_process');
const { join } = require('node:path');

const root = join(__dirname, '..');
const env = { ...process.env };
let broker = null;

function run(args) {
  return spawnSync(process.execPath, [require.resolve('jest/bin/jest'), ...args], { cwd: root, env, stdio: 'inherit' });
}

function main() {
  // The crash-recovery e2e test runs the built service as a real process; the browser tests load the built console.
  const build = spawnSync(process.execPath, [require.resolve('@nestjs/cli/bin/nest.js'), 'build'], { cwd: root, env, stdio: 'inherit' });
  if (build.status !== 0) {
    process.stderr.write('nest build failed.\n');
    return 1;
  }
  const bundle = spawnSync(process.execPath, [join(root, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--config', 'console/vite.config.mjs'], { cwd: root, env, stdio: 'inherit' });
  if (bundle.status !== 0) {
    process.stderr.write('The console build (vite) failed.\n');
    return 1;
  }
  const kafkaScript = join(__dirname, 'kafka.js');
  const wantsKafka = !env.KAFKA_BROKERS && env.SKIP_KAFKA !== '1' && require('node:fs').existsSync(kafkaScript);
  if (wantsKafka) {
    const started = spawnSync(process.execPath, [kafkaScript, 'up', '--quiet'], { cwd: root, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
    if (started.status !== 0) {
      process.stderr.write('Could not start the Kafka broker for the e2e tests.\n');
      return 1;
    }
    const address = /127\.0\.0\.1:\d+/.exec(started.stdout);
    if (!address) {
      process.stderr.write(`The Kafka script printed no bootstrap address: ${JSON.stringify(started.stdout)}\n`);
      return 1;
    }
    broker = address[0];
    env.KAFKA_BROKERS = broker;
    env.KAFKA_STARTED_BY_TESTS = '1';
    process.stderr.write(`Kafka broker for the tests: ${broker}\n`);
  }
  try {
    return run(process.argv.slice(2)).status ?? 1;
  } finally {
    if (broker) spawnSync(process.execPath, [kafkaScript, 'down'], { cwd: root, env, stdio: 'inherit' });
  }
}

process.exitCode = main();
