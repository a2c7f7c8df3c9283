/**
 * A node-postgres pool that survives connections dying while checked out (server restart,
 * failover, pg_terminate_backend).
 *
 * drizzle's transaction() sends BEGIN before its try/finally: when BEGIN fails on a connection
 * that died while idle (the pool had not noticed yet), the client is never released. Each such
 * leak costs a pool slot forever; after `max` of them every request waits for a slot that never
 * comes, and only a restart helps. Here a checked-out client whose connection ends is released
 * (and so discarded) at once, and a second release by its holder is a no-op. Clients already
 * closed are not handed out.
 */
import pg from 'pg';

type Releasable = pg.PoolClient & { _queryable?: boolean; _ending?: boolean };

export class ResilientPool extends pg.Pool {
  override connect(): Promise<pg.PoolClient>;
  override connect(callback: (err: Error | undefined, client: pg.PoolClient | undefined, done: (release?: any) => void) => void): void;
  override connect(
    callback?: (err: Error | undefined, client: pg.PoolClient | undefined, done: (release?: any) => void) => void,
  ): Promise<pg.PoolClient> | void {
    // The callback form is pg's own pool.query(), which always releases its client itself.
    if (callback) return super.connect(callback);
    return this.checkout(3);
  }

  private async checkout(attempts: number): Promise<pg.PoolClient> {
    const client = (await super.connect()) as Releasable;
    const poolRelease = client.release;
    if (client._queryable === false || client._ending) {
      poolRelease(new Error('connection closed while idle'));
      if (attempts > 1) return this.checkout(attempts - 1);
      throw new Error('Connection terminated: no usable connection in the pool');
    }
    let released = false;
    const release = (err?: Error | boolean) => {
      if (released) return;
      released = true;
      client.removeListener('end', onEnd);
      poolRelease(err);
    };
    const onEnd = () => release(new Error('connection ended while checked out'));
    client.once('end', onEnd);
    client.release = release;
    return client;
  }
}
