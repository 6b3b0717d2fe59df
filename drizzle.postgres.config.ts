import { defineConfig } from 'drizzle-kit';

// The PostgreSQL schema's migrations: `npx drizzle-kit generate --config drizzle.postgres.config.ts`.
export default defineConfig({
  dialect: 'postgresql',
  schema: './src/db/postgres/schema.ts',
  out: './migrations/postgres',
});
