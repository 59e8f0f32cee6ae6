#!/usr/bin/env node
/**
 * A real single-node Apache Kafka broker (KRaft, combined broker+controller) run from Maven Central jars,
 * for tests and local use. No Docker needed: Java and Maven are enough.
 *
 *   node scripts/kafka.js up [--quiet]   start one (or reuse the running one); prints 127.0.0.1:<port>
 *   node scripts/kafka.js down           stop it and delete its data
 *
 * Also a module: startBroker / killBroker / restartBroker / stopBroker, for tests that kill the broker.
 */
const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');

const ROOT = path.join(__dirname, '..');
const POM = path.join(__dirname, 'kafka', 'pom.xml');
const LIBS = process.env.KAFKA_LIBS_DIR || path.join(ROOT, '.tmp', 'kafka', 'libs');
const DEFAULT_HOME = path.join(ROOT, '.tmp', 'kafka', 'default');

function log(message) {
  if (!process.argv.includes('--quiet')) process.stderr.write(`[kafka] ${message}\n`);
}

function ensureJars() {
  if (fs.existsSync(LIBS) && fs.readdirSync(LIBS).some((f) => f.startsWith('kafka_2.13-'))) return;
  log('fetching Kafka jars from Maven Central (first run only)…');
  fs.mkdirSync(LIBS, { recursive: true });
  const result = spawnSync(
    'mvn',
    ['-B', '-q', '-Dstyle.color=never', '-f', POM, 'dependency:copy-dependencies', `-DoutputDirectory=${LIBS}`, '-DincludeScope=runtime'],
    // stdout is reserved for the bootstrap address that `up` prints: Maven's output goes to stderr.
    { stdio: ['ignore', 2, 2] },
  );
  if (result.status !== 0) throw new Error('mvn could not fetch the Kafka jars');
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function java(args, options = {}) {
  return spawnSync('java', ['-cp', `${LIBS}/*`, ...args], { encoding: 'utf8', ...options });
}

function canConnect(port) {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

async function waitUntilReady(state, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  const logFile = path.join(state.home, 'broker.log');
  while (Date.now() < deadline) {
    if (!isAlive(state.pid)) throw new Error(`Kafka exited during start; see ${logFile}`);
    const text = fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8') : '';
    if (/Kafka Server started|KafkaRaftServer.*started/.test(text) && (await canConnect(state.port))) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`Kafka did not start within ${timeoutMs} ms; see ${logFile}`);
}

function isAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function writeProperties(state) {
  const properties = {
    'process.roles': 'broker,controller',
    'node.id': '1',
    'controller.quorum.voters': `1@127.0.0.1:${state.controllerPort}`,
    listeners: `PLAINTEXT://127.0.0.1:${state.port},CONTROLLER://127.0.0.1:${state.controllerPort}`,
    'advertised.listeners': `PLAINTEXT://127.0.0.1:${state.port},CONTROLLER://127.0.0.1:${state.controllerPort}`,
    'controller.listener.names': 'CONTROLLER',
    'inter.broker.listener.name': 'PLAINTEXT',
    'listener.security.protocol.map': 'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
    'log.dirs': path.join(state.home, 'data'),
    'num.partitions': '3',
    'offsets.topic.replication.factor': '1',
    'offsets.topic.num.partitions': '5',
    'transaction.state.log.replication.factor': '1',
    'transaction.state.log.min.isr': '1',
    'share.coordinator.state.topic.replication.factor': '1',
    'share.coordinator.state.topic.min.isr': '1',
    'group.initial.rebalance.delay.ms': '0',
    'auto.create.topics.enable': 'false',
  };
  const file = path.join(state.home, 'broker.properties');
  fs.writeFileSync(file, Object.entries(properties).map(([k, v]) => `${k}=${v}`).join('\n') + '\n');
  return file;
}

function launch(state) {
  const out = fs.openSync(path.join(state.home, 'broker.log'), 'a');
  const child = spawn(
    'java',
    ['-Xms256m', '-Xmx512m', '-XX:+UseSerialGC', '-cp', `${LIBS}/*`, 'kafka.Kafka', path.join(state.home, 'broker.properties')],
    { detached: true, stdio: ['ignore', out, out] },
  );
  child.unref();
  state.pid = child.pid;
  fs.writeFileSync(path.join(state.home, 'state.json'), JSON.stringify(state));
}

/** Starts a fresh broker in `home` (a new temp dir by default); resolves with its state ({bootstrap, pid, …}). */
async function startBroker({ home = fs.mkdtempSync(path.join(os.tmpdir(), 'kafka-')), timeoutMs = 90_000 } = {}) {
  ensureJars();
  fs.mkdirSync(home, { recursive: true });
  const state = { home, port: await freePort(), controllerPort: await freePort(), pid: 0 };
  state.bootstrap = `127.0.0.1:${state.port}`;
  const properties = writeProperties(state);
  const clusterId = java(['kafka.tools.StorageTool', 'random-uuid']).stdout.trim().split('\n').pop();
  const format = java(['kafka.tools.StorageTool', 'format', '-t', clusterId, '-c', properties]);
  if (format.status !== 0) throw new Error(`kafka storage format failed: ${format.stderr || format.stdout}`);
  launch(state);
  await waitUntilReady(state, timeoutMs);
  return state;
}

/** SIGKILLs the broker: no clean shutdown, as a crash would. */
async function killBroker(state) {
  if (isAlive(state.pid)) process.kill(state.pid, 'SIGKILL');
  while (isAlive(state.pid)) await new Promise((r) => setTimeout(r, 50));
}

/** Starts the broker again on the same ports and data. */
async function restartBroker(state, timeoutMs = 90_000) {
  fs.appendFileSync(path.join(state.home, 'broker.log'), '\n--- restart ---\n');
  const logFile = path.join(state.home, 'broker.log');
  const before = fs.readFileSync(logFile, 'utf8').length;
  launch(state);
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!isAlive(state.pid)) throw new Error(`Kafka exited during restart; see ${logFile}`);
    const text = fs.readFileSync(logFile, 'utf8').slice(before);
    if (/Kafka Server started|KafkaRaftServer.*started/.test(text) && (await canConnect(state.port))) return state;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`Kafka did not restart within ${timeoutMs} ms`);
}

async function stopBroker(state, { keepData = false } = {}) {
  if (isAlive(state.pid)) {
    process.kill(state.pid, 'SIGTERM');
    const deadline = Date.now() + 20_000;
    while (isAlive(state.pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    if (isAlive(state.pid)) process.kill(state.pid, 'SIGKILL');
  }
  if (!keepData) fs.rmSync(state.home, { recursive: true, force: true });
}

async function cli() {
  const command = process.argv[2];
  const stateFile = path.join(DEFAULT_HOME, 'state.json');
  const existing = fs.existsSync(stateFile) ? JSON.parse(fs.readFileSync(stateFile, 'utf8')) : null;
  if (command === 'up') {
    if (existing && isAlive(existing.pid) && (await canConnect(existing.port))) {
      console.log(existing.bootstrap);
      return;
    }
    fs.rmSync(DEFAULT_HOME, { recursive: true, force: true });
    const state = await startBroker({ home: DEFAULT_HOME });
    log(`broker running (pid ${state.pid}); stop it with: npm run kafka:down`);
    console.log(state.bootstrap);
  } else if (command === 'down') {
    if (existing) await stopBroker(existing);
    log('broker stopped');
  } else {
    process.stderr.write('usage: node scripts/kafka.js up|down\n');
    process.exitCode = 2;
  }
}

module.exports = { startBroker, killBroker, restartBroker, stopBroker, ensureJars };

if (require.main === module) {
  cli().catch((error) => {
    process.stderr.write(`${error.message}\n`);
    process.exitCode = 1;
  });
}
