// One cohesive thing, kept whole: Jira Cloud's REST v3 on loopback for the tests and the playground, with the
// little JQL the bot sends.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface StandInIssue {
  key: string;
  summary: string;
  status: string;
  category: 'new' | 'indeterminate' | 'done';
  type: string;
  fixVersions: string[];
  assignee?: string;
}

export interface StandInVersion {
  id: string;
  name: string;
  released: boolean;
  releaseDate?: string;
  description?: string;
  projectId: number;
}

interface InjectedFailure {
  match: (method: string, path: string) => boolean;
  status: number;
  headers?: Record<string, string>;
  times: number;
}

export const JIRA_EMAIL = 'bot@acme.test';
export const JIRA_TOKEN = 'jira-api-token-123';

/** Parses a JQL string literal starting at `text[0] === '"'`; returns the value and the rest. */
function readJqlString(text: string): [string, string] {
  let value = '';
  for (let i = 1; i < text.length; i++) {
    const c = text[i]!;
    if (c === '\\') value += text[++i] ?? '';
    else if (c === '"') return [value, text.slice(i + 1)];
    else value += c;
  }
  throw new Error('unterminated JQL string');
}

interface JqlQuery {
  projects: string[] | undefined;
  fixVersion: string | undefined;
  statusCategory: { not: boolean; name: string } | undefined;
  issuetype: string | undefined;
}

/**
 * Just enough JQL for the queries release-bot sends: project =/in, fixVersion =, statusCategory =/!=,
 * issuetype =, ORDER BY.
 */
function evaluateJql(jql: string): JqlQuery {
  let rest = jql.trim();
  let projects: string[] | undefined;
  let fixVersion: string | undefined;
  let statusCategory: JqlQuery['statusCategory'];
  let issuetype: string | undefined;
  while (rest.length > 0) {
    const category = /^statusCategory (!?=) /.exec(rest);
    if (category) {
      const [value, after] = readJqlString(rest.slice(category[0].length));
      statusCategory = { not: category[1] === '!=', name: value };
      rest = after.trim();
      continue;
    }
    if (rest.startsWith('issuetype = ')) {
      const [value, after] = readJqlString(rest.slice('issuetype = '.length));
      issuetype = value;
      rest = after.trim();
      continue;
    }
    if (rest.startsWith('project = ')) {
      const [value, after] = readJqlString(rest.slice('project = '.length));
      projects = [value];
      rest = after.trim();
    } else if (rest.startsWith('project in (')) {
      rest = rest.slice('project in ('.length);
      projects = [];
      while (rest.startsWith('"')) {
        const [value, after] = readJqlString(rest);
        projects.push(value);
        rest = after.replace(/^\s*,\s*/, '');
      }
      if (!rest.startsWith(')')) throw new Error(`bad JQL near ${rest}`);
      rest = rest.slice(1).trim();
    } else if (rest.startsWith('fixVersion = ')) {
      const [value, after] = readJqlString(rest.slice('fixVersion = '.length));
      fixVersion = value;
      rest = after.trim();
    } else if (rest.startsWith('AND ')) {
      rest = rest.slice(4).trim();
    } else if (rest.startsWith('ORDER BY key ASC')) {
      rest = rest.slice('ORDER BY key ASC'.length).trim();
    } else {
      throw new Error(`JQL the stand-in does not understand: ${rest}`);
    }
  }
  return { projects, fixVersion, statusCategory, issuetype };
}

const CATEGORY_NAMES: Record<string, string> = { new: 'To Do', indeterminate: 'In Progress', done: 'Done' };

/** What a stand-in holds, to be saved and given back (the playground keeps its Jira across restarts). */
export interface JiraSnapshot {
  projects: [string, { id: number; versions: StandInVersion[] }][];
  issues: StandInIssue[];
  nextId: number;
}

/**
 * Jira Cloud's REST API v3 on loopback, with Atlassian's request and response shapes: the tests' Jira, and
 * the playground's seeded one (one stand-in, so the playground shows what the tests hold the bot to).
 */
export class JiraStandIn {
  readonly projects = new Map<string, { id: number; versions: StandInVersion[] }>();
  readonly issues: StandInIssue[] = [];
  /** Every request, for tests to count; a long-running playground keeps none (`keepRequests: false`). */
  readonly requests: { method: string; path: string; body: unknown }[] = [];
  /** Told after every request that changed something (a version created or updated). */
  onWrite: () => void = () => undefined;
  private readonly email: string;
  private readonly token: string;
  private readonly keepRequests: boolean;
  /** False: answers 404 to bulkfetch, like a Jira without it (Data Center). */
  bulkFetch = true;
  readonly receivedJql: string[] = [];
  private readonly failures: InjectedFailure[] = [];
  private server?: Server;
  private nextId = 10000;
  delayMs = 0;
  /** False: answers 404 to approximate-count, as a Jira without the endpoint does. */
  approximateCount = true;
  url = '';

  constructor(options: { email?: string; token?: string; keepRequests?: boolean } = {}) {
    this.email = options.email ?? JIRA_EMAIL;
    this.token = options.token ?? JIRA_TOKEN;
    this.keepRequests = options.keepRequests ?? true;
  }

  snapshot(): JiraSnapshot {
    return { projects: [...this.projects.entries()], issues: [...this.issues], nextId: this.nextId };
  }

  restore(snapshot: JiraSnapshot): this {
    this.projects.clear();
    for (const [key, project] of snapshot.projects) this.projects.set(key, project);
    this.issues.splice(0, this.issues.length, ...snapshot.issues);
    this.nextId = snapshot.nextId;
    return this;
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      void this.handle(req).then(({ status, body, headers }) => {
        res.writeHead(status, { 'content-type': 'application/json;charset=UTF-8', ...headers });
        res.end(body === undefined ? '' : JSON.stringify(body));
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  addProject(key: string, ...versionNames: string[]): this {
    const id = this.nextId++;
    this.projects.set(key, {
      id,
      versions: versionNames.map((name) => ({
        id: String(this.nextId++),
        name,
        released: false,
        projectId: id,
      })),
    });
    return this;
  }

  addIssues(project: string, count: number, make: (i: number) => Partial<StandInIssue>): this {
    const start = this.issues.filter((i) => i.key.startsWith(`${project}-`)).length;
    for (let i = 1; i <= count; i++) {
      this.issues.push({
        key: `${project}-${start + i}`,
        summary: `Ticket ${start + i}`,
        status: 'Done',
        category: 'done',
        type: 'Story',
        fixVersions: [],
        ...make(i),
      });
    }
    return this;
  }

  /** The next `times` requests matching method and path prefix answer `status` (with headers). */
  fail(
    method: string,
    pathPrefix: string,
    status: number,
    options: { headers?: Record<string, string>; times?: number } = {},
  ): void {
    this.failures.push({
      match: (m, p) => m === method && p.startsWith(pathPrefix),
      status,
      headers: options.headers,
      times: options.times ?? 1,
    });
  }

  version(project: string, name: string): StandInVersion | undefined {
    return this.projects.get(project)?.versions.find((v) => v.name === name);
  }

  requestsTo(method: string, pathPrefix: string): number {
    return this.requests.filter((r) => r.method === method && r.path.startsWith(pathPrefix)).length;
  }

  /** Issue look-ups that named `key`: one GET, or a bulk fetch listing it. */
  lookupsOf(key: string): number {
    return this.requests.filter(
      (r) =>
        (r.method === 'GET' && r.path === `/rest/api/3/issue/${key}`) ||
        (r.method === 'POST' &&
          r.path === '/rest/api/3/issue/bulkfetch' &&
          (r.body as { issueIdsOrKeys?: string[] }).issueIdsOrKeys?.includes(key) === true),
    ).length;
  }

  /** Every request that looked issues up, single or in bulk. */
  issueLookupRequests(): number {
    return (
      this.requestsTo('GET', '/rest/api/3/issue/') + this.requestsTo('POST', '/rest/api/3/issue/bulkfetch')
    );
  }

  private async handle(
    req: IncomingMessage,
  ): Promise<{ status: number; body?: unknown; headers?: Record<string, string> }> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', this.url);
    const method = req.method ?? 'GET';
    let body: unknown;
    try {
      body = raw ? JSON.parse(raw) : undefined;
    } catch {
      return { status: 400, body: { errorMessages: ['Unexpected character in the JSON body.'], errors: {} } };
    }
    if (this.keepRequests) this.requests.push({ method, path: url.pathname, body });
    if (this.delayMs > 0) await new Promise((r) => setTimeout(r, this.delayMs));

    const expected = `Basic ${Buffer.from(`${this.email}:${this.token}`).toString('base64')}`;
    if (req.headers.authorization !== expected) {
      return {
        status: 401,
        body: {
          errorMessages: ['You are not authenticated. Authentication required to perform this operation.'],
          errors: {},
        },
      };
    }
    const failure = this.failures.find((f) => f.times > 0 && f.match(method, url.pathname));
    if (failure) {
      failure.times--;
      return {
        status: failure.status,
        headers: failure.headers,
        body: { errorMessages: [`Injected ${failure.status}`], errors: {} },
      };
    }
    const answer = this.route(method, url, body);
    const writes = method === 'PUT' || (method === 'POST' && url.pathname === '/rest/api/3/version');
    if (writes && answer.status < 300) this.onWrite();
    return answer;
  }

  private route(method: string, url: URL, body: unknown): { status: number; body?: unknown } {
    const path = url.pathname;
    let m: RegExpExecArray | null;
    if (method === 'POST' && path === '/rest/api/3/search/approximate-count') {
      if (!this.approximateCount) return { status: 404, body: { errorMessages: ['Not found'], errors: {} } };
      const query = this.query((body as { jql: string }).jql);
      if ('error' in query) return { status: 400, body: { errorMessages: [query.error], errors: {} } };
      return { status: 200, body: { count: query.matching.length } };
    }
    if (method === 'POST' && path === '/rest/api/3/search/jql')
      return this.search(
        body as { jql: string; fields?: string[]; maxResults?: number; nextPageToken?: string },
      );
    if (method === 'GET' && (m = /^\/rest\/api\/3\/project\/([^/]+)\/version$/.exec(path))) {
      const project = this.projects.get(decodeURIComponent(m[1]!));
      if (!project)
        return {
          status: 404,
          body: { errorMessages: [`No project could be found with key '${m[1]}'.`], errors: {} },
        };
      const query = (url.searchParams.get('query') ?? '').toLowerCase();
      const values = project.versions
        .filter((v) => v.name.toLowerCase().includes(query))
        .map((v) => this.versionJson(v));
      return {
        status: 200,
        body: { self: url.href, maxResults: 50, startAt: 0, total: values.length, isLast: true, values },
      };
    }
    if (method === 'GET' && (m = /^\/rest\/api\/3\/project\/([^/]+)$/.exec(path))) {
      const key = decodeURIComponent(m[1]!);
      const project = this.projects.get(key);
      if (!project)
        return {
          status: 404,
          body: { errorMessages: [`No project could be found with key '${key}'.`], errors: {} },
        };
      return {
        status: 200,
        body: {
          id: String(project.id),
          key,
          name: key,
          self: `${this.url}/rest/api/3/project/${project.id}`,
        },
      };
    }
    if (method === 'POST' && path === '/rest/api/3/version') {
      const { name, projectId } = body as { name: string; projectId: number };
      const project = [...this.projects.values()].find((p) => p.id === projectId);
      if (!project)
        return {
          status: 400,
          body: { errorMessages: [], errors: { project: 'Project must be specified.' } },
        };
      if (project.versions.some((v) => v.name === name))
        return {
          status: 400,
          body: {
            errorMessages: [],
            errors: { name: 'A version with this name already exists in this project.' },
          },
        };
      const version = { id: String(this.nextId++), name, released: false, projectId };
      project.versions.push(version);
      return { status: 201, body: this.versionJson(version) };
    }
    if (method === 'PUT' && (m = /^\/rest\/api\/3\/version\/(\d+)$/.exec(path))) {
      const version = [...this.projects.values()].flatMap((p) => p.versions).find((v) => v.id === m![1]);
      if (!version)
        return { status: 404, body: { errorMessages: ['Could not find version for id'], errors: {} } };
      const update = body as Partial<StandInVersion>;
      if (typeof update.description === 'string' && Buffer.byteLength(update.description) > 16_384)
        return {
          status: 400,
          body: {
            errorMessages: [],
            errors: { description: 'The description must not exceed 16384 bytes.' },
          },
        };
      Object.assign(version, update);
      return { status: 200, body: this.versionJson(version) };
    }
    if (method === 'POST' && path === '/rest/api/3/issue/bulkfetch' && this.bulkFetch) {
      const keys = (body as { issueIdsOrKeys?: unknown }).issueIdsOrKeys;
      if (!Array.isArray(keys) || keys.length === 0 || keys.length > 100)
        return {
          status: 400,
          body: { errorMessages: ['issueIdsOrKeys must hold 1 to 100 issue IDs or keys.'], errors: {} },
        };
      // Atlassian: issues that do not exist or cannot be seen are left out, and are not errors.
      const issues = this.issues.filter((i) => keys.includes(i.key)).map((i) => this.issueJson(i));
      return { status: 200, body: { expand: 'schema,names', issues, issueErrors: [] } };
    }
    if (method === 'GET' && (m = /^\/rest\/api\/3\/issue\/([^/]+)$/.exec(path))) {
      const issue = this.issues.find((i) => i.key === decodeURIComponent(m![1]!));
      if (!issue)
        return {
          status: 404,
          body: {
            errorMessages: ['Issue does not exist or you do not have permission to see it.'],
            errors: {},
          },
        };
      return { status: 200, body: this.issueJson(issue) };
    }
    return { status: 404, body: { errorMessages: [`No stand-in route for ${method} ${path}`], errors: {} } };
  }

  private search(request: { jql: string; fields?: string[]; maxResults?: number; nextPageToken?: string }): {
    status: number;
    body: unknown;
  } {
    this.receivedJql.push(request.jql);
    const query = this.query(request.jql);
    if ('error' in query) return { status: 400, body: { errorMessages: [query.error], errors: {} } };
    const { matching } = query;
    const start = request.nextPageToken ? Number(Buffer.from(request.nextPageToken, 'base64').toString()) : 0;
    // Atlassian: the most items per page when only id or key are requested (5000), else 100.
    const keysOnly = (request.fields ?? []).every((f) => f === 'key' || f === 'id');
    const size = Math.min(request.maxResults ?? 50, keysOnly ? 5000 : 100);
    const page = matching.slice(start, start + size);
    const next =
      start + size < matching.length ? Buffer.from(String(start + size)).toString('base64') : undefined;
    return {
      status: 200,
      body: {
        issues: page.map((i) => this.issueJson(i)),
        ...(next ? { nextPageToken: next } : {}),
        isLast: !next,
      },
    };
  }

  private query(jql: string): { matching: StandInIssue[] } | { error: string } {
    let query: JqlQuery;
    try {
      query = evaluateJql(jql);
    } catch (error) {
      return { error: (error as Error).message };
    }
    const matching = this.issues.filter(
      (i) =>
        (!query.projects || query.projects.some((p) => i.key.startsWith(`${p}-`))) &&
        (query.fixVersion === undefined || i.fixVersions.includes(query.fixVersion)) &&
        (query.statusCategory === undefined ||
          (CATEGORY_NAMES[i.category] === query.statusCategory.name) !== query.statusCategory.not) &&
        (query.issuetype === undefined || i.type === query.issuetype),
    );
    return { matching };
  }

  private versionJson(v: StandInVersion): Record<string, unknown> {
    return {
      self: `${this.url}/rest/api/3/version/${v.id}`,
      id: v.id,
      name: v.name,
      archived: false,
      released: v.released,
      projectId: v.projectId,
      ...(v.releaseDate ? { releaseDate: v.releaseDate } : {}),
      ...(v.description ? { description: v.description } : {}),
    };
  }

  private issueJson(i: StandInIssue): Record<string, unknown> {
    const categoryNames = { new: 'To Do', indeterminate: 'In Progress', done: 'Done' };
    return {
      id: String(10000 + this.issues.indexOf(i)),
      key: i.key,
      self: `${this.url}/rest/api/3/issue/${i.key}`,
      fields: {
        summary: i.summary,
        status: {
          name: i.status,
          statusCategory: { id: 1, key: i.category, name: categoryNames[i.category], colorName: 'blue-gray' },
        },
        issuetype: { name: i.type, subtask: false },
        assignee: i.assignee ? { accountId: `acc-${i.assignee}`, displayName: i.assignee } : null,
        priority: { name: 'Medium' },
        fixVersions: i.fixVersions.map((name) => ({ name, id: '1', released: false })),
      },
    };
  }
}
