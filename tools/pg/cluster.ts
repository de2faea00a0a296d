/**
 * A throwaway PostgreSQL cluster for tests (../shared/docs/postgresql-testing.md): `initdb` in a
 * temporary folder, the server on 127.0.0.1 at a free port (run as the `postgres` user when the tests
 * run as root: the server refuses root), stopped and removed by `stop()`. One cluster per test run.
 * Where PostgreSQL is not installed, `findPostgres()` says how to install it and tests skip.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

export const INSTALL_HINT = "PostgreSQL is not installed: tests of the PostgreSQL store are skipped. Install it with 'apt-get install postgresql' (CI does).";

/**
 * For a test suite's `before`: skips it, saying how to install PostgreSQL, when the server is not
 * installed; in CI (which installs it) that is an error instead, so CI never skips these tests.
 */
export function skipUnlessPostgres(suite: { skip(): void }): void {
  if (findPostgres()) return;
  if (process.env.CI) throw new Error(`${INSTALL_HINT} (CI must not skip these tests)`);
  console.log(`    (${INSTALL_HINT})`);
  suite.skip();
}

/** The server binaries' folder, or null. */
export function findPostgres(): string | null {
  const root = '/usr/lib/postgresql';
  const versions = fs.existsSync(root) ? fs.readdirSync(root).filter((v) => fs.existsSync(path.join(root, v, 'bin', 'pg_ctl'))) : [];
  if (versions.length) return path.join(root, versions.sort((a, b) => Number(b) - Number(a))[0], 'bin');
  const onPath = spawnSync('sh', ['-c', 'command -v pg_ctl'], { encoding: 'utf8' }).stdout.trim();
  return onPath ? path.dirname(fs.realpathSync(onPath)) : null;
}

export interface Cluster {
  /** postgresql://postgres@127.0.0.1:PORT/ (add a database name). */
  base: string;
  port: number;
  dir: string;
  /** A new database, its URL. */
  createDatabase(name: string): string;
  /** A login that must give its password (scram-sha-256) and may create schemas in `database`: its URL, without the password. */
  addPasswordUser(user: string, password: string, database: string): string;
  /** Stops the server at once (as a crash would) and starts it again on the same port. */
  crashAndRestart(): void;
  stopServer(): void;
  startServer(): void;
  stop(): void;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

export async function startCluster(): Promise<Cluster> {
  const bin = findPostgres();
  if (!bin) throw new Error(INSTALL_HINT);
  const asRoot = process.getuid?.() === 0;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dwi-pg-'));
  const run = (tool: string, args: string[]) => {
    const cmd = path.join(bin, tool);
    return asRoot ? execFileSync('runuser', ['-u', 'postgres', '--', cmd, ...args], { stdio: 'pipe' }) : execFileSync(cmd, args, { stdio: 'pipe' });
  };
  if (asRoot) fs.chownSync(dir, Number(execFileSync('id', ['-u', 'postgres']).toString().trim()), Number(execFileSync('id', ['-g', 'postgres']).toString().trim()));
  const port = await freePort();
  const data = path.join(dir, 'data');
  run('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8', '--locale=C']);
  const start = () => run('pg_ctl', ['-D', data, '-l', path.join(dir, 'log'), '-w', '-o', `-h 127.0.0.1 -p ${port} -k ${dir} -c fsync=off`, 'start']);
  const stopServer = () => {
    try {
      run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
    } catch {
      /* already stopped */
    }
  };
  start();
  const base = `postgresql://postgres@127.0.0.1:${port}/`;
  return {
    base,
    port,
    dir,
    createDatabase(name) {
      run('createdb', ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', name]);
      return `${base}${name}`;
    },
    addPasswordUser(user, password, database) {
      const sql = (q: string) => run('psql', ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', '-d', database, '-v', 'ON_ERROR_STOP=1', '-c', q]);
      sql(`CREATE ROLE ${user} LOGIN PASSWORD '${password.replace(/'/g, "''")}'`);
      sql(`GRANT CREATE, CONNECT ON DATABASE ${database} TO ${user}`);
      // The first matching line wins: this user, from anywhere, by password; everyone else as before.
      const hba = path.join(data, 'pg_hba.conf');
      fs.writeFileSync(hba, `host all ${user} 127.0.0.1/32 scram-sha-256\n${fs.readFileSync(hba, 'utf8')}`);
      run('pg_ctl', ['-D', data, 'reload']);
      return `postgresql://${user}@127.0.0.1:${port}/${database}`;
    },
    crashAndRestart() {
      const pid = Number(fs.readFileSync(path.join(data, 'postmaster.pid'), 'utf8').split('\n')[0]);
      process.kill(pid, 'SIGKILL');
      for (let i = 0; i < 100 && fs.existsSync(path.join(data, 'postmaster.pid')); i++) {
        try {
          process.kill(pid, 0);
        } catch {
          break;
        }
        execFileSync('sleep', ['0.05']);
      }
      start();
    },
    stopServer,
    startServer: start,
    stop() {
      stopServer();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
