import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { getMetadataStorage } from 'class-validator';
import { Environment } from '../../src/infrastructure/config/environment';

/** The README's configuration table, row by row: each variable it names, with the default it gives (a `code` value, or none). */
function readmeSettings(): Map<string, string | null> {
  const readme = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Configuration'));
  const table = section.slice(section.indexOf('| variable | default | meaning |'), section.indexOf('\n\n', section.indexOf('| variable |')));
  const settings = new Map<string, string | null>();
  for (const line of table.split('\n').slice(2)) {
    const [, names, defaults] = line.split(/(?<!\\)\|/).map((cell) => cell.trim());
    const variables = [...names.matchAll(/`([A-Z_]+)`/g)].map((m) => m[1]);
    const parts = defaults.split(' / ');
    variables.forEach((variable, i) => {
      const part = parts.length === variables.length ? parts[i] : parts[0];
      settings.set(variable, /`([^`]*)`/.exec(part)?.[1] ?? null);
    });
  }
  return settings;
}

/** The configuration is the Environment class; the README documents it. Neither may drift from the other. */
describe('configuration: the README table against the Environment class', () => {
  const variables = [...new Set(getMetadataStorage().getTargetValidationMetadatas(Environment, '', true, false).map((m) => m.propertyName))];
  const defaults = new Environment() as unknown as Record<string, string | undefined>;
  const documented = readmeSettings();

  it('declares the settings the service reads', () => {
    expect(variables.length).toBeGreaterThan(50);
  });

  it('documents every variable of the class, and no other', () => {
    expect([...documented.keys()].sort()).toEqual([...variables].sort());
  });

  it('gives each variable the default the class has', () => {
    const drift = variables.filter((variable) => defaults[variable] !== undefined && documented.get(variable) !== defaults[variable]);
    expect(drift.map((variable) => `${variable}: README ${documented.get(variable)}, class ${defaults[variable]}`)).toEqual([]);
  });
});
