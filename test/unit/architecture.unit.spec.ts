import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

/** The layering rules of .dependency-cruiser.cjs (also run by `npm run lint`) hold for src/. */
describe('architecture', () => {
  it('keeps domain ← application ← infrastructure, a pure domain and no import cycles', () => {
    const root = join(__dirname, '..', '..');
    const run = spawnSync(process.execPath, [join(root, 'node_modules', 'dependency-cruiser', 'bin', 'dependency-cruise.mjs'), 'src', '--config', '.dependency-cruiser.cjs', '--output-type', 'err'], {
      cwd: root,
      encoding: 'utf8',
    });
    expect(run.stdout + run.stderr).toContain('no dependency violations found');
    expect(run.status).toBe(0);
  }, 60_000);
});
