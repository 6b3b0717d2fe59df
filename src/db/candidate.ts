import { and, asc, eq, inArray } from '../vendor/drizzle.js';
import type { CandidateWorkload } from '../domain/candidate.js';
import { query, type Reader, type Tx } from './database.js';
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
  return query(db, (db) => {
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
  });
}

/** The revisions of a release that have a bill of materials, oldest first. */
export function candidateRevisions(db: Reader, releaseId: number): Promise<number[]> {
  return query(db, (db) => {
    return db
      .selectDistinct({ revision: candidateWorkloads.revision })
      .from(candidateWorkloads)
      .where(eq(candidateWorkloads.releaseId, releaseId))
      .orderBy(asc(candidateWorkloads.revision))
      .all()
      .map((r) => r.revision);
  });
}

/** Replaces the bill of materials of one revision with `workloads`. */
export function storeCandidate(
  tx: Tx,
  releaseId: number,
  revision: number,
  workloads: readonly CandidateWorkload[],
): Promise<void> {
  return query(tx, (tx) => {
    tx.delete(candidateWorkloads)
      .where(and(eq(candidateWorkloads.releaseId, releaseId), eq(candidateWorkloads.revision, revision)))
      .run();
    for (const w of workloads)
      tx.insert(candidateWorkloads)
        .values({ releaseId, revision, ...w })
        .run();
  });
}

/** Sets one workload of a revision as it is now (inserting it when it is new to the candidate). */
export function putCandidateWorkload(
  tx: Tx,
  releaseId: number,
  revision: number,
  workload: CandidateWorkload,
): Promise<void> {
  return query(tx, (tx) => {
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
        set: { service: workload.service, containers: workload.containers, generation: workload.generation },
      })
      .run();
  });
}

export function removeCandidateWorkload(
  tx: Tx,
  releaseId: number,
  revision: number,
  key: Pick<CandidateWorkload, 'namespace' | 'kind' | 'name'>,
): Promise<void> {
  return query(tx, (tx) => {
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
  return query(tx, (tx) => {
    const { images, ...rest } = row;
    for (const image of images)
      tx.insert(admittedImages)
        .values({ ...rest, image })
        .onConflictDoNothing()
        .run();
  });
}

export function listAdmittedImages(db: Reader, releaseIds: readonly number[]): Promise<AdmittedImageRow[]> {
  return query(db, (db) => {
    if (releaseIds.length === 0) return [];
    return db
      .select()
      .from(admittedImages)
      .where(inArray(admittedImages.releaseId, [...releaseIds]))
      .orderBy(asc(admittedImages.id))
      .all();
  });
}
