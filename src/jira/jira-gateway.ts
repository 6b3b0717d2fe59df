// One cohesive thing, kept whole: the Jira adapter (scope, issue look-ups in bulk, versions, write-back),
// every call through one client, one retry policy and one timeout.
import type { Version3Client } from '../vendor/jira.js';
import { z } from '../vendor/zod.js';
import type { Config } from '../config.js';
import { AppError } from '../domain/errors.js';
import type { GateIssue } from '../domain/gate.js';
import {
  COUNTED_TYPES,
  jiraVersionName,
  jqlString,
  scopeCondition,
  scopeJql,
  summarizeScope,
  summaryFromCounts,
  type ReleaseScope,
  type ScopeIssue,
  type VersionInProject,
} from '../domain/scope.js';

export type { ReleaseScope, VersionInProject } from '../domain/scope.js';
import type { Logger } from '../logger.js';
import type { Clock, IssueLookup, ReleaseTracker, ScopeSource } from '../use-cases/ports.js';
import { BoundedCache, SingleFlight } from '../support/bounded-cache.js';
import { DEFAULT_RETRY, withRetry, type RetryPolicy } from './errors.js';

type JiraConfig = NonNullable<Config['jira']>;

const versionSchema = z.object({
  id: z.string(),
  name: z.string(),
  released: z.boolean().optional(),
  projectId: z.number().optional(),
});
const versionPageSchema = z.object({ values: z.array(versionSchema), isLast: z.boolean().optional() });
const projectSchema = z.object({ id: z.string(), key: z.string() });

const issueSchema = z.object({
  key: z.string(),
  fields: z.object({
    summary: z.string().nullish(),
    status: z.object({ name: z.string(), statusCategory: z.object({ key: z.string() }).nullish() }).nullish(),
    issuetype: z.object({ name: z.string() }).nullish(),
    assignee: z.object({ displayName: z.string().nullish() }).nullish(),
    priority: z.object({ name: z.string() }).nullish(),
    fixVersions: z.array(z.object({ name: z.string() })).nullish(),
  }),
});
const searchPageSchema = z.object({
  issues: z.array(issueSchema).default([]),
  nextPageToken: z.string().nullish(),
});
const keyPageSchema = z.object({
  issues: z.array(z.object({ key: z.string() })).default([]),
  nextPageToken: z.string().nullish(),
});
const countSchema = z.object({ count: z.number().int().nonnegative() });
/** Asked for; Jira may answer fewer per page, and nextPageToken says whether more follow. */
const KEY_PAGE_SIZE = 5000;

const SCOPE_FIELDS = ['summary', 'status', 'issuetype', 'assignee', 'priority', 'fixVersions'];
const PAGE_SIZE = 100;
const SCOPE_CACHE_ENTRIES = 200;
const ISSUE_CACHE_ENTRIES = 10_000;
const CATEGORIES = new Set(['new', 'indeterminate', 'done']);

function toScopeIssue(raw: z.output<typeof issueSchema>): ScopeIssue {
  const category = raw.fields.status?.statusCategory?.key ?? 'undefined';
  return {
    key: raw.key,
    summary: raw.fields.summary ?? '',
    status: raw.fields.status?.name ?? 'Unknown',
    statusCategory: (CATEGORIES.has(category) ? category : 'undefined') as ScopeIssue['statusCategory'],
    type: raw.fields.issuetype?.name ?? 'Unknown',
    assignee: raw.fields.assignee?.displayName ?? null,
    priority: raw.fields.priority?.name ?? null,
    fixVersions: (raw.fields.fixVersions ?? []).map((v) => v.name),
  };
}

/** Jira's bulkfetch takes at most 100 issues a request. */
const BULK_FETCH_MAX = 100;
/** Bulk fetches out at once; further misses gather for the next one. */
const BULK_FETCH_CONCURRENCY = 2;

interface PendingLookup {
  resolve: (issue: GateIssue | null) => void;
  reject: (error: unknown) => void;
  options: { cacheSeconds: number; deadline: number };
}

/** `POST /rest/api/3/issue/bulkfetch`: the issues found, and the ones Jira could not return just now. */
const bulkIssuesSchema = z.object({
  issues: z.array(issueSchema).default([]),
  issueErrors: z
    .array(z.object({ id: z.string().nullish(), errorMessage: z.string().nullish() }))
    .default([]),
});

function toGateIssue(key: string, raw: z.infer<typeof issueSchema>): GateIssue {
  return {
    key,
    type: raw.fields.issuetype?.name ?? 'Unknown',
    fixVersions: (raw.fields.fixVersions ?? []).map((v) => v.name),
  };
}

/** Everything release-bot asks of Jira, through jira.js, with retries and reasons. */
export class JiraGateway implements ReleaseTracker, IssueLookup, ScopeSource {
  private clientLoad: Promise<Version3Client> | undefined;
  private readonly scopeCache: BoundedCache<string, Promise<ReleaseScope>>;
  private readonly summaryCache: BoundedCache<string, Promise<ReleaseScope>>;
  /** Set once an older Jira answered 404 to approximate-count: summaries then read every ticket. */
  private countsUnavailable = false;
  private readonly issueCache: BoundedCache<string, GateIssue | null>;
  private readonly issueLookups = new SingleFlight<string, GateIssue | null>();
  /** Misses waiting for the next bulk fetch (a few milliseconds gather them into one request). */
  private readonly pendingLookups = new Map<string, PendingLookup>();
  private lookupsScheduled = false;
  private bulkFetchesInFlight = 0;
  /** Set once a Jira answered 404 to bulkfetch (Data Center, older Cloud): one GET per issue from then on. */
  private bulkFetchUnavailable = false;
  requests = 0;

  constructor(
    readonly config: JiraConfig,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly retry: RetryPolicy = DEFAULT_RETRY,
    /** Wraps every HTTP request (metrics). */
    private readonly timed: <T>(call: () => Promise<T>) => Promise<T> = (call) => call(),
  ) {
    const now = () => this.clock.now().getTime();
    this.scopeCache = new BoundedCache(SCOPE_CACHE_ENTRIES, now);
    this.summaryCache = new BoundedCache(SCOPE_CACHE_ENTRIES, now);
    this.issueCache = new BoundedCache(ISSUE_CACHE_ENTRIES, now);
  }

  get baseUrl(): string {
    return this.config.baseUrl;
  }

  versionName(release: string): string {
    return jiraVersionName(this.config.versionNameTemplate, release);
  }

  /** jira.js loads with the first request, not at start: an idle bot with Jira configured does not pay for it. */
  private client(): Promise<Version3Client> {
    this.clientLoad ??= import('../vendor/jira.js').then(
      ({ Version3Client }) =>
        new Version3Client({
          host: this.config.baseUrl,
          authentication: { basic: { email: this.config.email, apiToken: this.config.apiToken } },
          baseRequestConfig: { timeout: this.config.timeoutSeconds * 1000 },
        }),
    );
    return this.clientLoad;
  }

  private call<T>(what: string, run: (client: Version3Client) => Promise<T>, deadline?: number): Promise<T> {
    return withRetry(
      what,
      async () => {
        const client = await this.client();
        this.requests++;
        return this.timed(() => run(client));
      },
      this.retry,
      deadline,
    );
  }

  async findVersions(release: string): Promise<VersionInProject[]> {
    const versionName = this.versionName(release);
    return Promise.all(
      this.config.projects.map(async (project) => {
        const page = versionPageSchema.parse(
          await this.call(`read the versions of ${project}`, (client) =>
            client.projectVersions.getProjectVersionsPaginated<unknown>({
              projectIdOrKey: project,
              query: versionName,
              maxResults: 50,
            }),
          ),
        );
        const found = page.values.find((v) => v.name.toLowerCase() === versionName.toLowerCase());
        return {
          project,
          versionName,
          version: found ? { id: found.id, name: found.name, released: found.released ?? false } : undefined,
          url: found
            ? `${this.config.baseUrl}/projects/${project}/versions/${found.id}`
            : `${this.config.baseUrl}/projects/${project}?selectedItem=com.atlassian.jira.jira-projects-plugin:release-page`,
        };
      }),
    );
  }

  /** The release's tickets in every configured project that has the version; cached briefly. */
  scope(release: string, options: { fresh?: boolean } = {}): Promise<ReleaseScope> {
    return this.cached(this.scopeCache, release, () => this.fetchScope(release), options.fresh);
  }

  /** One read per release and cache lifetime; a failed read is forgotten at once. */
  private cached(
    cache: BoundedCache<string, Promise<ReleaseScope>>,
    release: string,
    read: () => Promise<ReleaseScope>,
    fresh = false,
  ): Promise<ReleaseScope> {
    const key = release.toLowerCase();
    const hit = cache.get(key);
    if (!fresh && hit) return hit;
    const scope = read();
    cache.set(key, scope, this.config.scopeCacheSeconds * 1000);
    scope.catch(() => cache.delete(key));
    return scope;
  }

  private async fetchScope(release: string): Promise<ReleaseScope> {
    const before = this.requests;
    const versions = await this.findVersions(release);
    const projects = versions.filter((v) => v.version).map((v) => v.project);
    const versionName = this.versionName(release);
    const jql = scopeJql(projects.length > 0 ? projects : this.config.projects, versionName);
    const issues = projects.length > 0 ? await this.search(jql, versionName) : [];
    return {
      summary: summarizeScope(issues),
      complete: true,
      versions,
      issues,
      jql,
      searchUrl: `${this.config.baseUrl}/issues/?jql=${encodeURIComponent(jql)}`,
      fetchedAt: this.clock.now(),
      requests: this.requests - before,
    };
  }

  /**
   * The release's counts and not-done tickets in a handful of requests, whatever the scope's size: the
   * not-done tickets read whole, the done ones counted from key-only pages (exact), and the done ones'
   * types from approximate-count (estimates, said so). Falls back to the full read where approximate-count
   * is missing (an older Jira).
   */
  scopeSummary(release: string): Promise<ReleaseScope> {
    return this.cached(this.summaryCache, release, () =>
      this.countsUnavailable ? this.scope(release) : this.fetchSummary(release),
    );
  }

  private async fetchSummary(release: string): Promise<ReleaseScope> {
    const before = this.requests;
    const versions = await this.findVersions(release);
    const projects = versions.filter((v) => v.version).map((v) => v.project);
    const versionName = this.versionName(release);
    const condition = scopeCondition(projects.length > 0 ? projects : this.config.projects, versionName);
    const jql = `${condition} ORDER BY key ASC`;
    const done = `${condition} AND statusCategory = ${jqlString('Done')}`;
    let notDone: ScopeIssue[] = [];
    let summary = summaryFromCounts([], 0, {});
    if (projects.length > 0) {
      try {
        notDone = await this.search(
          `${condition} AND statusCategory != ${jqlString('Done')} ORDER BY key ASC`,
          versionName,
        );
        const doneCount = await this.countKeys(done, versionName);
        const byType: Record<string, number> = {};
        for (const type of COUNTED_TYPES) {
          byType[type] = await this.approximateCount(`${done} AND issuetype = ${jqlString(type)}`);
        }
        summary = summaryFromCounts(notDone, doneCount, byType);
      } catch (error) {
        if (!(error instanceof AppError && error.reason === 'not_found')) throw error;
        this.countsUnavailable = true;
        this.logger.warn(
          { err: error },
          'Jira has no approximate-count endpoint; scope summaries read every ticket from now on',
        );
        return this.scope(release);
      }
    }
    return {
      summary,
      complete: false,
      versions,
      issues: notDone,
      jql,
      searchUrl: `${this.config.baseUrl}/issues/?jql=${encodeURIComponent(jql)}`,
      fetchedAt: this.clock.now(),
      requests: this.requests - before,
    };
  }

  /** Every ticket a JQL finds, with the fields the scope shows. */
  private async search(jql: string, versionName: string): Promise<ScopeIssue[]> {
    const issues: ScopeIssue[] = [];
    let nextPageToken: string | undefined;
    do {
      const token = nextPageToken;
      const page = searchPageSchema.parse(
        await this.call(`search the tickets of ${versionName}`, (client) =>
          client.issueSearch.searchForIssuesUsingJqlEnhancedSearchPost<unknown>({
            jql,
            fields: SCOPE_FIELDS,
            maxResults: PAGE_SIZE,
            ...(token ? { nextPageToken: token } : {}),
          }),
        ),
      );
      issues.push(...page.issues.map(toScopeIssue));
      nextPageToken = page.nextPageToken ?? undefined;
    } while (nextPageToken);
    return issues;
  }

  /** An exact count: key-only pages, the largest Jira serves. */
  private async countKeys(jql: string, versionName: string): Promise<number> {
    let count = 0;
    let nextPageToken: string | undefined;
    do {
      const token = nextPageToken;
      const page = keyPageSchema.parse(
        await this.call(`count the done tickets of ${versionName}`, (client) =>
          client.issueSearch.searchForIssuesUsingJqlEnhancedSearchPost<unknown>({
            jql,
            fields: ['key'],
            maxResults: KEY_PAGE_SIZE,
            ...(token ? { nextPageToken: token } : {}),
          }),
        ),
      );
      count += page.issues.length;
      nextPageToken = page.nextPageToken ?? undefined;
    } while (nextPageToken);
    return count;
  }

  /** Jira's estimate (it may miss the latest updates): used only where the reply says it is one. */
  private async approximateCount(jql: string): Promise<number> {
    return countSchema.parse(
      await this.call('count tickets', (client) => client.issueSearch.countIssues<unknown>({ jql })),
    ).count;
  }

  /** Creates the version in every configured project that lacks it; returns the projects it was created in. */
  async createVersions(release: string): Promise<string[]> {
    const missing = (await this.findVersions(release)).filter((v) => !v.version);
    for (const { project, versionName } of missing) {
      const { id } = projectSchema.parse(
        await this.call(`read project ${project}`, (client) =>
          client.projects.getProject<unknown>({ projectIdOrKey: project }),
        ),
      );
      await this.call(`create version ${versionName} in ${project}`, (client) =>
        client.projectVersions.createVersion<unknown>({ name: versionName, projectId: Number(id) }),
      );
    }
    this.scopeCache.delete(release.toLowerCase());
    this.summaryCache.delete(release.toLowerCase());
    return missing.map((m) => m.project);
  }

  async markReleased(release: string, at: Date, description?: string): Promise<string | undefined> {
    const releaseDate = at.toISOString().slice(0, 10);
    try {
      const versions = await this.findVersions(release);
      const failures: string[] = [];
      for (const { project, version, versionName } of versions) {
        if (!version) {
          failures.push(`${project} has no version ${versionName}`);
          continue;
        }
        try {
          await this.call(`mark ${versionName} released in ${project}`, (client) =>
            client.projectVersions.updateVersion<unknown>({
              id: version.id,
              released: true,
              releaseDate,
              ...(description === undefined ? {} : { description }),
            }),
          );
        } catch (error) {
          failures.push(`${project}: ${(error as Error).message}`);
        }
      }
      return failures.length > 0 ? `Jira was not fully updated: ${failures.join('; ')}.` : undefined;
    } catch (error) {
      this.logger.warn({ err: error, release }, 'marking Jira versions released failed');
      return `Jira was not updated: ${(error as Error).message}`;
    }
  }

  /**
   * Fills the gate's issue cache with a frozen release's whole scope, read in bulk (search pages, one
   * request at a time), so a pipeline asking about one of its tickets does not wait for Jira. Resolves to
   * how many tickets were cached.
   */
  async warmIssues(release: string, cacheSeconds: number): Promise<number> {
    const scope = await this.scope(release, { fresh: true });
    for (const issue of scope.issues) {
      this.issueCache.set(
        issue.key,
        { key: issue.key, type: issue.type, fixVersions: issue.fixVersions ?? [] },
        cacheSeconds * 1000,
      );
    }
    return scope.issues.length;
  }

  /** Gate look-ups that were not in the cache and went to Jira (tickets outside every warmed scope). */
  coldLookups = 0;

  /**
   * Type and fixVersions of the given issues, cached briefly for the gate. Simultaneous look-ups of one
   * key share a request; retries stop at the caller's deadline.
   */
  async issues(
    keys: readonly string[],
    options: { cacheSeconds: number; deadline: number },
  ): Promise<Map<string, GateIssue>> {
    const found = await Promise.all(
      keys.map((key) => {
        const cached = this.issueCache.get(key);
        if (cached !== undefined) return Promise.resolve(cached);
        this.coldLookups++;
        return this.issueLookups.run(key, () => this.fetchIssue(key, options));
      }),
    );
    return new Map(found.filter((i): i is GateIssue => i !== null).map((i) => [i.key, i]));
  }

  /**
   * A miss joins the next bulk fetch. Up to two fetches run at once; misses that arrive while both are out
   * wait for one to return and then go together (up to 100 a request). A lone miss goes out at once, and
   * a burst of 200 costs a handful of requests instead of 200.
   */
  private fetchIssue(
    key: string,
    options: { cacheSeconds: number; deadline: number },
  ): Promise<GateIssue | null> {
    if (options.deadline - Date.now() <= 0) {
      return Promise.reject(new AppError('timeout', `No time left to look up ${key} in Jira.`));
    }
    if (this.bulkFetchUnavailable) return this.getIssue(key, options);
    return new Promise((resolve, reject) => {
      this.pendingLookups.set(key, { resolve, reject, options });
      this.scheduleLookups();
    });
  }

  private scheduleLookups(): void {
    if (this.lookupsScheduled || this.bulkFetchesInFlight >= BULK_FETCH_CONCURRENCY) return;
    this.lookupsScheduled = true;
    // Misses of the same turn of the event loop share the request.
    setImmediate(() => {
      this.lookupsScheduled = false;
      if (this.pendingLookups.size === 0 || this.bulkFetchesInFlight >= BULK_FETCH_CONCURRENCY) return;
      const batch = new Map([...this.pendingLookups].slice(0, BULK_FETCH_MAX));
      for (const key of batch.keys()) this.pendingLookups.delete(key);
      this.bulkFetchesInFlight++;
      void this.bulkFetch(batch).finally(() => {
        this.bulkFetchesInFlight--;
        if (this.pendingLookups.size > 0) this.scheduleLookups();
      });
      if (this.pendingLookups.size > 0) this.scheduleLookups();
    });
  }

  private async bulkFetch(batch: Map<string, PendingLookup>): Promise<void> {
    const keys = [...batch.keys()];
    // The batch is retried until the latest of its callers' deadlines; each caller stops at its own.
    const deadline = Math.max(...[...batch.values()].map((p) => p.options.deadline));
    try {
      const answer = bulkIssuesSchema.parse(
        await this.call(
          `look up ${keys.length === 1 ? keys[0] : `${keys.length} issues`}`,
          (client) =>
            client.issues.bulkFetchIssues<unknown>({
              issueIdsOrKeys: keys,
              fields: ['issuetype', 'fixVersions'],
            }),
          deadline,
        ),
      );
      const found = new Map(answer.issues.map((raw) => [raw.key, raw]));
      // Errors name issues by id, which a key does not tell: with any error, a missing key is not "absent".
      const someFailed = answer.issueErrors.length > 0;
      for (const [key, pending] of batch) {
        const raw = found.get(key);
        if (!raw && someFailed) {
          pending.reject(new AppError('unavailable', `Jira could not return ${key} just now.`));
          continue;
        }
        // Jira leaves out keys that do not exist or that release-bot may not see: like a GET's 404.
        const issue = raw ? toGateIssue(key, raw) : null;
        this.issueCache.set(key, issue, pending.options.cacheSeconds * 1000);
        pending.resolve(issue);
      }
    } catch (error) {
      if (error instanceof AppError && error.reason === 'not_found' && !this.bulkFetchUnavailable) {
        this.bulkFetchUnavailable = true;
        this.logger.warn(
          { err: error },
          'Jira has no bulkfetch endpoint; the gate looks up one issue per request from now on',
        );
        for (const [key, pending] of batch)
          this.getIssue(key, pending.options).then(pending.resolve, pending.reject);
        return;
      }
      for (const pending of batch.values()) pending.reject(error);
    }
  }

  private async getIssue(
    key: string,
    options: { cacheSeconds: number; deadline: number },
  ): Promise<GateIssue | null> {
    let issue: GateIssue | null = null;
    try {
      // One GET per issue: a search for an unknown key fails the whole query in Jira, a GET just 404s.
      const raw = issueSchema.parse(
        await this.call(
          `look up ${key}`,
          (client) =>
            client.issues.getIssue<unknown>({
              issueIdOrKey: key,
              fields: ['issuetype', 'fixVersions'],
            }),
          options.deadline,
        ),
      );
      issue = toGateIssue(key, raw);
    } catch (error) {
      if (!(error instanceof AppError) || error.reason !== 'not_found') throw error;
    }
    this.issueCache.set(key, issue, options.cacheSeconds * 1000);
    return issue;
  }
}
