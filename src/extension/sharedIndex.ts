/**
 * A folder's shared index in PostgreSQL (`dicom.index.database` set to a postgresql:// URL): one
 * connection per folder, opened on first use. The password is not kept in settings: the URL's own,
 * else the standard PGPASSWORD/.pgpass environment, else the one kept in VS Code's secret storage,
 * else asked for once (when the server wants one) and then kept there. URLs are shown without it.
 */
import * as vscode from 'vscode';
import { assertPgIndex, PgSchemaRefusedError } from '../core/store/postgresSchema';
import { PostgresStore, PostgresStoreError } from '../core/store/postgresStore';
import { hasPassword, parsePgUrl, PgUrlError, withPassword } from '../core/store/postgresUrl';

/** What a folder's shared index is, as far as this window knows. */
export type SharedIndexState =
  /** An index of ours in the schema: the tree and the summary read it. */
  | { state: 'indexed'; store: PostgresStore }
  /** Reachable, no index in the schema yet (the first run creates it). */
  | { state: 'empty'; store: PostgresStore }
  /** Not usable: the message says why (server down, wrong password, another program's schema, a bad URL). */
  | { state: 'failed'; message: string };

const secretKey = (display: string) => `dicom.index.database.password:${display}`;

export class SharedIndex {
  private store: PostgresStore | undefined;
  private connecting: Promise<SharedIndexState> | undefined;
  private last: SharedIndexState | undefined;

  constructor(
    readonly url: string,
    private readonly secrets: vscode.SecretStorage,
  ) {}

  /** The URL as people see it (no password). */
  get display(): string {
    try {
      return parsePgUrl(this.url).display;
    } catch {
      return 'postgresql://…';
    }
  }

  /** The state last found (undefined: not looked at yet). */
  get known(): SharedIndexState | undefined {
    return this.last;
  }

  /** Connects (once; again after a failure) and says whether the schema holds an index of ours. */
  async open(): Promise<SharedIndexState> {
    if (this.connecting) return this.connecting;
    if (this.store && this.last && this.last.state !== 'failed') {
      // A schema found empty may have been filled since (by this window's run, or another machine's).
      if (this.last.state === 'empty') this.last = await this.classify(this.store);
      return this.last;
    }
    // A failed or dropped connection: connect again (closing what a failed classify left open).
    const stale = this.store;
    this.store = undefined;
    void stale?.close();
    this.connecting = this.connect()
      .then((r) => (this.last = r))
      .finally(() => (this.connecting = undefined));
    return this.connecting;
  }

  /** The URL with the password that worked (for an index run's own connection). */
  async connectionUrl(): Promise<string> {
    if (hasPassword(this.url)) return this.url;
    const saved = await this.secrets.get(secretKey(this.display));
    return saved ? withPassword(this.url, saved) : this.url;
  }

  private async connect(): Promise<SharedIndexState> {
    let target;
    try {
      target = parsePgUrl(this.url);
    } catch (e) {
      if (e instanceof PgUrlError) return { state: 'failed', message: `the setting dicom.index.database is not a usable URL: ${e.message}` };
      throw e;
    }
    const attempt = async (url: string) => PostgresStore.connect(parsePgUrl(url));
    try {
      this.store = await attempt(await this.connectionUrl());
    } catch (e) {
      if (!(e instanceof PostgresStoreError) || !e.auth || hasPassword(this.url)) return { state: 'failed', message: (e as Error).message };
      // The server wants a password this window does not have (or the kept one is wrong): ask once.
      const password = await vscode.window.showInputBox({
        title: 'DICOM: shared index',
        prompt: `Password for ${target.display}`,
        password: true,
        ignoreFocusOut: true,
      });
      if (password === undefined) return { state: 'failed', message: `${(e as Error).message} (no password given)` };
      try {
        this.store = await attempt(withPassword(this.url, password));
      } catch (again) {
        return { state: 'failed', message: (again as Error).message };
      }
      await this.secrets.store(secretKey(target.display), password);
    }
    return this.classify(this.store);
  }

  private async classify(store: PostgresStore): Promise<SharedIndexState> {
    try {
      await assertPgIndex(store);
      return { state: 'indexed', store };
    } catch (e) {
      // No index yet, or one of an older version: the next index run creates or rebuilds it.
      if (e instanceof PgSchemaRefusedError && /has no index in schema|has schema version/.test(e.message)) return { state: 'empty', store };
      return { state: 'failed', message: (e as Error).message };
    }
  }

  /** Forgets the connection (the setting changed, the folder closed, a run failed): the next use connects again. */
  async close(): Promise<void> {
    const s = this.store;
    this.store = undefined;
    this.last = undefined;
    await s?.close();
  }
}
