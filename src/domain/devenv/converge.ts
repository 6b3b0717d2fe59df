/** What one convergence pass did to the cluster, by object name. */
export interface ConvergeReport {
  applied: string[];
  updated: string[];
  deleted: string[];
  unchanged: number;
  conflictsRetried: number;
}

export function emptyReport(): ConvergeReport {
  return { applied: [], updated: [], deleted: [], unchanged: 0, conflictsRetried: 0 };
}

/** How many objects the pass wrote: a reconcile that found nothing to repair writes none. */
export function writesIn(report: ConvergeReport): number {
  return report.applied.length + report.updated.length + report.deleted.length;
}
