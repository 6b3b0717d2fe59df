import { describe, expect, it } from 'vitest';
import { parseReleaseCommand, tokenize } from '../../../src/slack/release-command.js';

describe('/release command parsing', () => {
  it.each([
    ['', { name: 'help' }],
    ['help', { name: 'help' }],
    ['bogus 2.4', { name: 'help', unknown: 'bogus' }],
    ['constructor', { name: 'help', unknown: 'constructor' }],
    ['__proto__ x', { name: 'help', unknown: '__proto__' }],
    ['create 2.4', { name: 'create', version: '2.4', createJiraVersions: false }],
    [
      'create 2.4 freeze=2026-12-01 ship=2026-12-10 jira=create',
      {
        name: 'create',
        version: '2.4',
        freeze: { text: '2026-12-01' },
        ship: { text: '2026-12-10' },
        createJiraVersions: true,
      },
    ],
    [
      'create 2.5 freeze=2026-12-01 14:30 Europe/Berlin ship=2026-12-08T10:00',
      {
        name: 'create',
        version: '2.5',
        freeze: { text: '2026-12-01 14:30', zone: 'Europe/Berlin' },
        ship: { text: '2026-12-08T10:00' },
        createJiraVersions: false,
      },
    ],
    [
      'schedule 2.5 ship=2026-12-09 UTC',
      { name: 'schedule', version: '2.5', ship: { text: '2026-12-09', zone: 'UTC' } },
    ],
    ['remind 2.5', { name: 'remind', version: '2.5' }],
    ['notes 2.5', { name: 'notes', version: '2.5' }],
    ['calendar', { name: 'calendar', page: 1 }],
    ['calendar page=2', { name: 'calendar', page: 2 }],
    ['freeze 2.4', { name: 'freeze', version: '2.4', note: undefined }],
    ['FREEZE 2.4 rc build 7', { name: 'freeze', version: '2.4', note: 'rc build 7' }],
    ['unfreeze 2.4', { name: 'unfreeze', version: '2.4', reason: undefined }],
    ['cancel 2.4 no longer needed', { name: 'cancel', version: '2.4', reason: 'no longer needed' }],
    ['status', { name: 'status' }],
    ['status 2.4', { name: 'status', version: '2.4' }],
    ['list', { name: 'list' }],
    ['log 2.4', { name: 'log', version: '2.4', page: 1 }],
    ['log 2.4 page=3', { name: 'log', version: '2.4', page: 3 }],
    ['ship 2.4', { name: 'ship', version: '2.4' }],
    [
      'role set qa <!subteam^S456|@qa> <@U123|ana> quorum=2',
      { name: 'role-set', role: 'qa', members: ['S456', 'U123'], quorum: 2 },
    ],
    ['role remove qa', { name: 'role-remove', role: 'qa' }],
    ['role list', { name: 'role-list' }],
    [
      'exception 2.4 BLOG-12 blog-service hotfix for login',
      {
        name: 'exception',
        version: '2.4',
        issueKey: 'BLOG-12',
        service: 'blog-service',
        reason: 'hotfix for login',
        images: [],
      },
    ],
    [
      'exception 2.4 blog-12 blog-service lower-case like a branch name',
      {
        name: 'exception',
        version: '2.4',
        issueKey: 'BLOG-12',
        service: 'blog-service',
        reason: 'lower-case like a branch name',
        images: [],
      },
    ],
    [
      'exception 2.4 BLOG-12 blog-service image=reg.example.com:5000/blog:2.4.1 login fix',
      {
        name: 'exception',
        version: '2.4',
        issueKey: 'BLOG-12',
        service: 'blog-service',
        reason: 'login fix',
        images: ['reg.example.com:5000/blog:2.4.1'],
      },
    ],
    ['log 2.4 oldest', { name: 'log', version: '2.4', page: 1, oldest: true }],
    ['log 2.4 page=50000', { name: 'log', version: '2.4', page: 50000 }],
    ['log 2.4 before=1234', { name: 'log', version: '2.4', page: 1, before: 1234 }],
    ['candidate 2.4', { name: 'candidate', ref: '2.4' }],
    ['candidate 2.4 3', { name: 'candidate', ref: '2.4@3' }],
    ['candidate 2.4@2', { name: 'candidate', ref: '2.4@2' }],
    ['diff 2.3 2.4@2', { name: 'diff', from: '2.3', to: '2.4@2' }],
    [
      'allow blog-service reg/blog:2.0 hotfix by hand',
      { name: 'allow', service: 'blog-service', image: 'reg/blog:2.0', reason: 'hotfix by hand' },
    ],
    [
      'allow 2.4 blog-service reg/blog@sha256:' + 'a'.repeat(64) + ' pinned',
      {
        name: 'allow',
        version: '2.4',
        service: 'blog-service',
        image: 'reg/blog@sha256:' + 'a'.repeat(64),
        reason: 'pinned',
      },
    ],
    ['announce 2.4', { name: 'announce', version: '2.4' }],
  ])('%j', (text, expected) => {
    expect(parseReleaseCommand(text)).toEqual(expected);
  });

  it.each([
    ['create', 'Usage: `/release create'],
    ['create 2.4 freeze=2026-13-01', 'is not a real date'],
    ['create 2.4 freeze=tomorrow', 'is not a date'],
    ['schedule 2.4 freeze=2026-12-01 Mars/Olympus', 'is not a time zone'],
    ['schedule 2.4', 'Usage'],
    ['create 2.4 color=blue', 'Unknown option'],
    ['cancel 2.4', 'Usage: `/release cancel <version> <reason>`'],
    ['freeze', 'Usage: `/release freeze'],
    ['log 2.4 page=0', 'is not a page'],
    ['role set qa', 'Usage: `/release role set'],
    ['role set QA! U123', 'is not a valid role name'],
    ['role set qa U123 quorum=0', 'quorum must be a whole number'],
    ['exception 2.4 blog_12 svc why', 'is not a Jira issue key'],
    ['exception 2.4 BLOG-12 Blog_Service why', 'is not a service name'],
    ['exception 2.4 BLOG-12 svc image=Reg/Blog:$(id) why', 'is not an image reference'],
    ['candidate', 'Usage: `/release candidate'],
    ['candidate 2.4 latest', 'Usage: `/release candidate'],
    ['diff 2.4', 'Usage: `/release diff'],
    ['allow blog-service reg/blog:2.0', 'Usage: `/release allow'],
    ['allow blog-service reg/blog hotfix', 'Usage: `/release allow'],
    ['allow Blog_Service reg/blog:2.0 hotfix', 'is not a service name'],
  ])('%j is refused', (text, message) => {
    expect(() => parseReleaseCommand(text)).toThrow(message);
  });

  it('keeps mentions whole even when their label has spaces', () => {
    expect(tokenize('role set qa <@U1|Ana Maria> U2')).toEqual([
      'role',
      'set',
      'qa',
      '<@U1|Ana Maria>',
      'U2',
    ]);
  });
});
