import { spawnSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The commands that run a built entry point (`npm run read-model`, `connector`, `parked`, …) go through
 * scripts/ensure-built.js: with dist/ up to date (npm test builds it first) they do not build again, so they
 * never rewrite the dist/ a running service uses; and nest-cli.json no longer empties dist/ on a build.
 */
describe('commands on a built dist/', () => {
  const root = join(__dirname, '..', '..');

  it('do not rebuild an up-to-date dist/', () => {
    const before = statSync(join(root, 'dist', 'main.js')).mtimeMs;
    const run = spawnSync(process.execPath, [join(root, 'scripts', 'ensure-built.js')], { cwd: root, encoding: 'utf8' });
    expect(run.status).toBe(0);
    expect(statSync(join(root, 'dist', 'main.js')).mtimeMs).toBe(before);
  });

  it('never empty dist/ when building', () => {
    expect(require(join(root, 'nest-cli.json')).compilerOptions.deleteOutDir).toBe(false);
    const scripts = require(join(root, 'package.json')).scripts as Record<string, string>;
    for (const name of ['read-model', 'connector', 'parked', 'catalog', 'conax-simulator', 'hash-password', 'bench', 'batch']) {
      expect(scripts[name]).toMatch(/^node scripts\/ensure-built\.js && node dist\//);
    }
  });
});
