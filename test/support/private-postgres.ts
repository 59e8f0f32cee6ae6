import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './fault-harness';

/**
 * A PostgreSQL cluster of a test's own (initdb on a free port, from the Debian packages already on the
 * machine), for scenarios that stop or crash the database: the shared server at 5432 serves every other
 * test in parallel and must never go down. As root, the server runs as the `postgres` user (PostgreSQL
 * refuses root).
 */
export class PrivatePostgres {
  private constructor(
    private readonly bin: string,
    private readonly dataDir: string,
    readonly port: number,
  ) {}

  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }

  static async create(): Promise<PrivatePostgres> {
    const version = readdirSync('/usr/lib/postgresql').sort().pop();
    if (!version) throw new Error('no PostgreSQL server binaries under /usr/lib/postgresql');
    const bin = `/usr/lib/postgresql/${version}/bin`;
    const dataDir = mkdtempSync(join(tmpdir(), 'private-pg-'));
    if (process.getuid?.() === 0) chownSync(dataDir, uidOf('postgres'), gidOf('postgres'));
    const cluster = new PrivatePostgres(bin, dataDir, await freePort());
    cluster.run('initdb', ['-D', dataDir, '-U', 'postgres', '-A', 'trust', '--no-sync']);
    cluster.start();
    return cluster;
  }

  start(): void {
    const options = `-p ${this.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=${this.dataDir} -c fsync=off -c max_connections=200`;
    this.run('pg_ctl', ['-D', this.dataDir, '-o', options, '-w', '-l', join(this.dataDir, 'server.log'), 'start']);
  }

  /** `immediate`: the server dies without a checkpoint, as in a power cut; it runs crash recovery at the next start. */
  stop(mode: 'fast' | 'immediate' = 'fast'): void {
    this.run('pg_ctl', ['-D', this.dataDir, '-m', mode, '-w', 'stop']);
  }

  /** Freezes the whole cluster (the postmaster and every backend) with SIGSTOP, as a stalled disk or VM would; `resume` thaws it. */
  pause(): void {
    this.signalAll('SIGSTOP');
  }

  resume(): void {
    this.signalAll('SIGCONT');
  }

  /** A backend may end between the listing and its signal (ESRCH): a process that is gone needs none. */
  private signalAll(signal: NodeJS.Signals): void {
    for (const pid of this.processes()) {
      try {
        process.kill(pid, signal);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
      }
    }
  }

  private processes(): number[] {
    const postmaster = Number(readFileSync(join(this.dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    const children = spawnSync('pgrep', ['-P', String(postmaster)], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean).map(Number);
    return [postmaster, ...children];
  }

  destroy(): void {
    spawnSync(...this.command('pg_ctl', ['-D', this.dataDir, '-m', 'immediate', '-w', 'stop']), { stdio: 'ignore' });
    rmSync(this.dataDir, { recursive: true, force: true });
  }

  private command(tool: string, args: string[]): [string, string[]] {
    const path = join(this.bin, tool);
    return process.getuid?.() === 0 ? ['runuser', ['-u', 'postgres', '--', path, ...args]] : [path, args];
  }

  private run(tool: string, args: string[]): void {
    const [file, argv] = this.command(tool, args);
    execFileSync(file, argv, { stdio: ['ignore', 'ignore', 'pipe'] });
  }
}

const uidOf = (user: string) => Number(execFileSync('id', ['-u', user], { encoding: 'utf8' }).trim());
const gidOf = (user: string) => Number(execFileSync('id', ['-g', user], { encoding: 'utf8' }).trim());
