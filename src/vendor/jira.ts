/** The part of jira.js the bot uses (loaded only when Jira is configured). */
export { Version3Client } from 'jira.js';
