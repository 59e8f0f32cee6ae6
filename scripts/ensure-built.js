#!/usr/bin/env node
/**
 * Builds dist/ (`npm run build`) only when it is missing or older than a source file, so the commands that
 * run a built entry point (`npm run read-model`, `connector`, …) do not rebuild, every time, the dist/ that a
 * running service is using.
 */
const { spawnSync } = require('node:child_process');
const { existsSync, readdirSync, statSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..');
const builtAt = (file) => (existsSync(file) ? statSync(file).mtimeMs : 0);

function newestSource(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestSource(path) : statSync(path).mtimeMs);
  }
  return newest;
}

const built = Math.min(builtAt(join(root, 'dist', 'main.js')), builtAt(join(root, 'dist', 'console', 'index.html')));
const sources = Math.max(newestSource(join(root, 'src')), newestSource(join(root, 'console')), builtAt(join(root, 'package.json')));
if (built < sources) {
  const build = spawnSync('npm', ['run', '-s', 'build'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  process.exit(build.status ?? 1);
}
