import { and, asc, eq, inArray } from '../vendor/drizzle.js';
import type { CandidateWorkload } from '../domain/candidate.js';
import { type Reader, type Tx, queryEither, type PostgresFormsOf } from './database.js';
import { admittedImages, candidateWorkloads } from './schema.js';

function toWorkload(row: typeof candidateWorkloads.$inferSelect): CandidateWorkload {
  return {
    namespace: row.namespace,
    kind: row.kind,
    name: row.name,
    service: row.service,
    containers: row.containers,
    generation: row.generation,
  };
}

/** The bill of materials of one revision, by service then workload. */
export function listCandidate(db: Reader, releaseId: number, revision: number): Promise<CandidateWorkload[]> {
  return queryEither(db, {
    sqlite: (db) => {
      return db
        .select()
        .from(candidateWorkloads)
        .where(and(eq(candidateWorkloads.releaseId, releaseId), eq(candidateWorkloads.revision, revision)))
        .orderBy(
          asc(candidateWorkloads.service),
          asc(candidateWorkloads.namespace),
          asc(candidateWorkloads.kind),
          asc(candidateWorkloads.name),
        )
        .all()
        .map(toWorkload);
    },
    postgres: (h) => h.forms.candidate.listCandidate(h.pg, releaseId, revision),
  });
}

/** The revisions of a release that have a bill of materials, oldest first. */
export function candidateRevisions(db: Reader, releaseId: number): Promise<number[]> {
  return queryEither(db, {
    sqlite: (db) => {
      return db
        .selectDistinct({ revision: candidateWorkloads.revision })
        .from(candidateWorkloads)
        .where(eq(candidateWorkloads.releaseId, releaseId))
        .orderBy(asc(candidateWorkloads.revision))
        .all()
        .map((r) => r.revision);
    },
    postgres: (h) => h.forms.candidate.candidateRevisions(h.pg, releaseId),
  });
}

/** Replaces the bill of materials of one revision with `workloads`. */
export function storeCandidate(
  tx: Tx,
  releaseId: number,
  revision: number,
  workloads: readonly CandidateWorkload[],
): Promise<void> {
  return queryEither(tx, {
    sqlite: (tx) => {
      tx.delete(candidateWorkloads)
        .where(and(eq(candidateWorkloads.releaseId, releaseId), eq(candidateWorkloads.revision, revision)))
        .run();
      for (const w of workloads)
        tx.insert(candidateWorkloads)
          .values({ releaseId, revision, ...w })
          .run();
    },
    postgres: (h) => h.forms.candidate.storeCandidate(h.pg, releaseId, revision, workloads),
  });
}

/** Sets one workload of a revision as it is now (inserting it when it is new to the candidate). */
export function putCandidateWorkload(
  tx: Tx,
  releaseId: number,
  revision: number,
  workload: CandidateWorkload,
): Promise<void> {
  return queryEither(tx, {
    sqlite: (tx) => {
      tx.insert(candidateWorkloads)
        .values({ releaseId, revision, ...workload })
        .onConflictDoUpdate({
          target: [
            candidateWorkloads.releaseId,
            candidateWorkloads.revision,
            candidateWorkloads.namespace,
            candidateWorkloads.kind,
            candidateWorkloads.name,
          ],
          set: {
            service: workload.service,
            containers: workload.containers,
            generation: workload.generation,
          },
        })
        .run();
    },
    postgres: (h) => h.forms.candidate.putCandidateWorkload(h.pg, releaseId, revision, workload),
  });
}

export function removeCandidateWorkload(
  tx: Tx,
  releaseId: number,
  revision: number,
  key: Pick<CandidateWorkload, 'namespace' | 'kind' | 'name'>,
): Promise<void> {
  return queryEither(tx, {
    sqlite: (tx) => {
      tx.delete(candidateWorkloads)
        .where(
          and(
            eq(candidateWorkloads.releaseId, releaseId),
            eq(candidateWorkloads.revision, revision),
            eq(candidateWorkloads.namespace, key.namespace),
            eq(candidateWorkloads.kind, key.kind),
            eq(candidateWorkloads.name, key.name),
          ),
        )
        .run();
    },
    postgres: (h) => h.forms.candidate.removeCandidateWorkload(h.pg, releaseId, revision, key),
  });
}

/** A new revision starts as the one before it; the change that caused it is applied on top. */
export async function copyCandidate(
  tx: Tx,
  releaseId: number,
  fromRevision: number,
  toRevision: number,
): Promise<void> {
  await storeCandidate(tx, releaseId, toRevision, await listCandidate(tx, releaseId, fromRevision));
}

export type AdmittedImageRow = typeof admittedImages.$inferSelect;

/** Admits images for a service; an image admitted before keeps its first record. */
export function admitImages(
  tx: Tx,
  row: Omit<typeof admittedImages.$inferInsert, 'id' | 'image'> & { images: readonly string[] },
): Promise<void> {
  return queryEither(tx, {
    sqlite: (tx) => {
      const { images, ...rest } = row;
      for (const image of images)
        tx.insert(admittedImages)
          .values({ ...rest, image })
          .onConflictDoNothing()
          .run();
    },
    postgres: (h) => h.forms.candidate.admitImages(h.pg, row),
  });
}

export function listAdmittedImages(db: Reader, releaseIds: readonly number[]): Promise<AdmittedImageRow[]> {
  return queryEither(db, {
    sqlite: (db) => {
      if (releaseIds.length === 0) return [];
      return db
        .select()
        .from(admittedImages)
        .where(inArray(admittedImages.releaseId, [...releaseIds]))
        .orderBy(asc(admittedImages.id))
        .all();
    },
    postgres: (h) => h.forms.candidate.listAdmittedImages(h.pg, releaseIds),
  });
}

/** The PostgreSQL forms of the statements above (src/db/postgres/candidate.ts). */
export type CandidateForms = PostgresFormsOf<{
  listCandidate: typeof listCandidate;
  candidateRevisions: typeof candidateRevisions;
  storeCandidate: typeof storeCandidate;
  putCandidateWorkload: typeof putCandidateWorkload;
  removeCandidateWorkload: typeof removeCandidateWorkload;
  admitImages: typeof admitImages;
  listAdmittedImages: typeof listAdmittedImages;
}>;
