#!/usr/bin/env node
// Runs the built service (dist/main.js) with every PostgreSQL statement counted by its text, and prints the
// counts on SIGINT: how BENCHMARKS.md counts statements per create (load it, then Ctrl-C or `kill -INT`).
// A measuring aid for the benchmarks, not part of the service.
const { join } = require('node:path');
const pg = require('pg');

const counts = new Map();
const query = pg.Client.prototype.query;
pg.Client.prototype.query = function (config, ...rest) {
  const text = typeof config === 'string' ? config : config?.text;
  const key = String(text).replace(/\s+/g, ' ').slice(0, 90);
  counts.set(key, (counts.get(key) ?? 0) + 1);
  return query.call(this, config, ...rest);
};
process.on('SIGINT', () => {
  const sorted = [...counts].sort((a, b) => b[1] - a[1]);
  process.stderr.write(`statements: ${sorted.reduce((sum, [, count]) => sum + count, 0)}\n`);
  for (const [text, count] of sorted.slice(0, 25)) process.stderr.write(`${count}\t${text}\n`);
  process.exit(0);
});
require(join(__dirname, '..', 'dist', 'main.js'));
