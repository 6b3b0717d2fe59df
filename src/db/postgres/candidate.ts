// The release candidate's statements on PostgreSQL (the SQLite forms are in src/db/candidate.ts).
import { and, asc, eq, inArray } from '../../vendor/drizzle.js';
import type { CandidateWorkload } from '../../domain/candidate.js';
import type { CandidateForms } from '../candidate.js';
import { admittedImages, candidateWorkloads } from './schema.js';

export const candidateForms: CandidateForms = {
  async listCandidate(db, releaseId, revision) {
    const rows = await db
      .select()
      .from(candidateWorkloads)
      .where(and(eq(candidateWorkloads.releaseId, releaseId), eq(candidateWorkloads.revision, revision)))
      .orderBy(
        asc(candidateWorkloads.service),
        asc(candidateWorkloads.namespace),
        asc(candidateWorkloads.kind),
        asc(candidateWorkloads.name),
      );
    return rows.map((row): CandidateWorkload => ({
      namespace: row.namespace,
      kind: row.kind,
      name: row.name,
      service: row.service,
      containers: row.containers,
      generation: row.generation,
    }));
  },

  async candidateRevisions(db, releaseId) {
    const rows = await db
      .selectDistinct({ revision: candidateWorkloads.revision })
      .from(candidateWorkloads)
      .where(eq(candidateWorkloads.releaseId, releaseId))
      .orderBy(asc(candidateWorkloads.revision));
    return rows.map((r) => r.revision);
  },

  async storeCandidate(db, releaseId, revision, workloads) {
    await db
      .delete(candidateWorkloads)
      .where(and(eq(candidateWorkloads.releaseId, releaseId), eq(candidateWorkloads.revision, revision)));
    if (workloads.length > 0) {
      await db.insert(candidateWorkloads).values(workloads.map((w) => ({ releaseId, revision, ...w })));
    }
  },

  async putCandidateWorkload(db, releaseId, revision, workload) {
    await db
      .insert(candidateWorkloads)
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
      });
  },

  async removeCandidateWorkload(db, releaseId, revision, key) {
    await db
      .delete(candidateWorkloads)
      .where(
        and(
          eq(candidateWorkloads.releaseId, releaseId),
          eq(candidateWorkloads.revision, revision),
          eq(candidateWorkloads.namespace, key.namespace),
          eq(candidateWorkloads.kind, key.kind),
          eq(candidateWorkloads.name, key.name),
        ),
      );
  },

  async admitImages(db, row) {
    const { images, ...rest } = row;
    if (images.length === 0) return;
    await db
      .insert(admittedImages)
      .values(images.map((image) => ({ ...rest, image })))
      .onConflictDoNothing();
  },

  async listAdmittedImages(db, releaseIds) {
    if (releaseIds.length === 0) return [];
    return await db
      .select()
      .from(admittedImages)
      .where(inArray(admittedImages.releaseId, [...releaseIds]))
      .orderBy(asc(admittedImages.id));
  },
};
