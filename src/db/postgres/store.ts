import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';
import { drizzle } from '../../vendor/drizzle-pg.js';
import { currentEpoch, FencedOut } from '../fencing.js';
import {
  openUnit,
  runCommitted,
  StoreUnavailable,
  type OpenUnit,
  type PgDb,
  type PostgresForms,
  type PostgresHandle,
  type Store,
  type UnitOptions,
} from '../query.js';
import { candidateForms } from './candidate.js';
import { devenvsForms } from './devenvs.js';
import { fencingForms } from './fencing.js';
import { gateForms } from './gate.js';
import { outboxForms } from './outbox.js';
import { releasesForms } from './releases.js';
import { rolesForms } from './roles.js';
import { scheduleForms } from './schedule.js';
import { votesForms } from './votes.js';

/** What a unit of work on PostgreSQL reads and writes through: its connection, and the forms for it. */
export interface PostgresTx extends PostgresHandle {
  readonly pg: PgDb;
}

const FORMS: PostgresForms = {
  outbox: outboxForms,
  releases: releasesForms,
  votes: votesForms,
  roles: rolesForms,
  schedule: scheduleForms,
  candidate: candidateForms,
  fencing: fencingForms,
  gate: gateForms,
  devenvs: devenvsForms,
};

/**
 * drizzle on a connection, without the schema: the forms build their queries from the tables themselves,
 * and a schema would make drizzle derive its relational map again for every unit of work (a hot path).
 */
function handleOn(client: pg.Pool | pg.PoolClient): PostgresTx {
  return { pg: drizzle(client), forms: FORMS };
}

/**
 * SQLSTATEs after which a unit of work is run again from the start: a serialization failure and a
 * deadlock. Both mean PostgreSQL rolled the whole transaction back, so nothing of the attempt stays.
 */
const RETRYABLE = new Set(['40001', '40P01']);

export interface PostgresStoreSettings {
  /** Attempts of one unit of work before its serialization failure is passed on (the first included). */
  maxAttempts: number;
  /** The wait before the second attempt; doubled for each one after, with jitter. */
  retryBaseMs: number;
  random: () => number;
}

const DEFAULTS: PostgresStoreSettings = { maxAttempts: 5, retryBaseMs: 5, random: Math.random };

/**
 * The PostgreSQL store: a pool, each unit of work one transaction on one connection, at SERIALIZABLE
 * (units taken in turn on one thing, `inTurnOn`, at READ COMMITTED after their advisory lock).
 *
 * The choice for every read-modify-write the use cases do (votes and the quorum they complete, the gate's
 * "asked before?" and its revision bumps, environment limits and name claims, schedule run keys, outbox
 * steps): SERIALIZABLE with a bounded retry on 40001/40P01. SQLite ran those one at a time for free; here
 * two replicas run them at once, and SERIALIZABLE makes any interleaving that could differ from some
 * one-at-a-time order fail and start again, without a lock to name at each site. A retry is safe because
 * a unit of work only touches the database (the port's rule: Slack, Jira and the cluster are reached
 * through the outbox, after the commit). The unique constraints stay as the second line.
 *
 * Fencing: a unit run under a leadership epoch (runFenced) first reads the fence row FOR SHARE. A new
 * holder's raise of the fence (an UPDATE of that row) then waits for every fenced unit in flight to end,
 * and every unit that starts after it sees the new fence and is refused: no write of a former leader
 * commits after a newer leader took over.
 */
export class PostgresStore implements Store<PostgresTx> {
  private readonly settings: PostgresStoreSettings;
  private readonly db: PostgresTx;

  constructor(
    private readonly pool: pg.Pool,
    settings: Partial<PostgresStoreSettings> = {},
  ) {
    this.settings = { ...DEFAULTS, ...settings };
    this.db = handleOn(pool);
  }

  async transaction<T>(work: (tx: PostgresTx) => Promise<T>, options: UnitOptions = {}): Promise<T> {
    const joined = this.joined();
    if (joined) return work(joined);
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.attempt(work, options.inTurnOn);
      } catch (error) {
        if (isConnectionFailure(error)) throw new StoreUnavailable(error);
        if (!isRetryable(error) || attempt >= this.settings.maxAttempts) throw error;
        const backoff = this.settings.retryBaseMs * 2 ** (attempt - 1) * (0.5 + this.settings.random());
        await sleep(backoff);
      }
    }
  }

  read<T>(work: (db: PostgresTx) => Promise<T> | T): Promise<T> {
    const joined = this.joined();
    return Promise.resolve()
      .then(() => work(joined ?? this.db))
      .catch((error: unknown) => {
        throw !joined && isConnectionFailure(error) ? new StoreUnavailable(error) : error;
      });
  }

  /** The open unit of work of this store the caller runs in, if any. */
  private joined(): PostgresTx | undefined {
    const unit = openUnit.getStore();
    return unit?.open && unit.store === this ? (unit.tx as PostgresTx) : undefined;
  }

  private async attempt<T>(work: (tx: PostgresTx) => Promise<T>, inTurnOn: string | undefined): Promise<T> {
    const client = await this.pool.connect();
    const tx = handleOn(client);
    const unit: OpenUnit = { open: true, tx, store: this, committed: [] };
    let broken = false;
    let locked = false;
    try {
      // Before BEGIN, so the transaction's snapshot is taken after the unit before it committed: it reads
      // that unit's writes instead of failing on them. Session-level: it ends with the connection.
      if (inTurnOn !== undefined) {
        await client.query('select pg_advisory_lock(hashtext($1))', [inTurnOn]);
        locked = true;
      }
      // In turn on one thing: READ COMMITTED, each statement seeing what the unit before it committed (no
      // serialization failures to retry). Otherwise SERIALIZABLE, retried on conflict (see the class).
      await client.query(
        `begin isolation level ${inTurnOn === undefined ? 'serializable' : 'read committed'}`,
      );
      await checkFence(client);
      const result = await openUnit.run(unit, () => work(tx));
      unit.open = false;
      await client.query('commit');
      runCommitted(unit);
      return result;
    } catch (error) {
      unit.open = false;
      // A connection that cannot even roll back is dropped from the pool, not handed to the next unit.
      await client.query('rollback').catch(() => (broken = true));
      throw error;
    } finally {
      if (locked && !broken) {
        await client
          .query('select pg_advisory_unlock(hashtext($1))', [inTurnOn])
          .catch(() => (broken = true));
      }
      client.release(broken);
    }
  }
}

/** Refuses the unit of work when the work runs under an epoch older than the fence (see the class). */
async function checkFence(client: pg.PoolClient): Promise<void> {
  const epoch = currentEpoch();
  if (epoch === undefined) return;
  const row = await client.query<{ epoch: number }>('select epoch from leadership where id = 1 for share');
  const fence = row.rows[0]?.epoch;
  if (fence !== undefined && fence > epoch) throw new FencedOut(epoch, fence);
}

/**
 * The server did not answer or the connection broke (not a statement the server refused): no connect within
 * the timeout, no reply within the statement's (a hung server or network), a reset, class 08 (connection
 * exception) or 57P0x (the server shutting down). Drizzle wraps the driver's error as its cause.
 */
function isConnectionFailure(error: unknown): boolean {
  for (let e: unknown = error; e instanceof Error; e = e.cause) {
    const raw = (e as { code?: unknown }).code;
    const code = typeof raw === 'string' ? raw : '';
    if (
      code.startsWith('08') ||
      /^57P0[123]$/.test(code) ||
      /^E(CONNREFUSED|CONNRESET|PIPE|TIMEDOUT)$/.test(code)
    )
      return true;
    if (/Query read timeout|timeout exceeded when trying to connect|Connection terminated/i.test(e.message))
      return true;
  }
  return false;
}

function isRetryable(error: unknown): boolean {
  const code = (error as { code?: unknown } | undefined)?.code;
  const causeCode = ((error as { cause?: { code?: unknown } } | undefined)?.cause as { code?: unknown })
    ?.code;
  return RETRYABLE.has(String(code)) || RETRYABLE.has(String(causeCode));
}
