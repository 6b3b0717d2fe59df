import { countServices, imagesOf } from '../../domain/candidate.js';
import { diffLines } from '../../domain/release-notes.js';
import type { CandidateDiffView, CandidateView } from '../../use-cases/candidate.js';
import { fitLines, packLines, SLACK_LIMITS } from './fit.js';
import { context, escapeText, header, section, type Block, type Reply } from './kit.js';

/** Text a reply's lists may take, leaving room for its header and footer within Slack's message ceiling. */
const LIST_TEXT = SLACK_LIMITS.messageBlockText - 1_500;

function candidateJson(version: string): string {
  return `\`GET /api/v1/releases/${encodeURIComponent(version)}/candidate.json\` (gate token)`;
}

function listBlocks(lines: readonly string[], more: (hidden: number) => string): Block[] {
  const { text } = fitLines(lines, { limit: LIST_TEXT, more });
  return packLines(text.split('\n'), SLACK_LIMITS.sectionText).map(section);
}

/** `/release candidate`: service → images of one revision. */
export function candidateReply(view: CandidateView): Reply {
  const { release, revision, workloads } = view;
  const lines = workloads.map(
    (w) =>
      `• *${escapeText(w.service)}* ${escapeText(`${w.namespace}/${w.kind}/${w.name}`)}: ${imagesOf(w)
        .map((i) => `\`${escapeText(i)}\``)
        .join(', ')}`,
  );
  const older = view.revisions.filter((r) => r !== revision);
  return {
    text: `Release candidate of ${release.version}, revision ${revision}`,
    blocks: [
      header(`Candidate: ${release.version} (revision ${revision})`),
      context(
        `${countServices(workloads)} services in ${workloads.length} workloads, as read from the cluster.` +
          (older.length > 0
            ? ` Other revisions: ${older.join(', ')} (\`/release diff ${release.version}@${older.at(-1)} ${release.version}@${revision}\`).`
            : ''),
      ),
      ...(lines.length > 0
        ? listBlocks(lines, (hidden) => `_…and ${hidden} more: ${candidateJson(release.version)}_`)
        : [section('_No workloads in the freeze namespaces._')]),
    ],
  };
}

/** `/release diff`: services added, removed and changed between two candidates. */
export function candidateDiffReply(view: CandidateDiffView): Reply {
  const name = (v: CandidateView) => `${v.release.version}@${v.revision}`;
  const title = `${name(view.from)} → ${name(view.to)}`;
  const lines = diffLines(view.diff).map((l) => `• ${escapeText(l)}`);
  const { added, removed, changed } = view.diff;
  return {
    text: `Candidate diff ${title}`,
    blocks: [
      header(`Diff: ${title}`),
      context(`${added.length} added, ${removed.length} removed, ${changed.length} changed.`),
      ...(lines.length > 0
        ? listBlocks(lines, (hidden) => `_…and ${hidden} more: ${candidateJson(view.to.release.version)}_`)
        : [section('_The two candidates run the same images._')]),
    ],
  };
}
