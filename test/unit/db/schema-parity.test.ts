import { getTableConfig as pgTableConfig, PgTable } from 'drizzle-orm/pg-core';
import { getTableConfig as sqliteTableConfig, SQLiteTable } from 'drizzle-orm/sqlite-core';
import { describe, expect, it } from 'vitest';
import * as postgres from '../../../src/db/postgres/schema.js';
import * as sqlite from '../../../src/db/schema.js';

/** What both dialects must agree on: tables, columns, nullability, keys, defaults, indexes, references. */
interface Shape {
  columns: Record<string, { notNull: boolean; primary: boolean; unique: boolean; hasDefault: boolean }>;
  indexes: Record<string, { columns: string[]; unique: boolean }>;
  references: string[];
}

type Config = ReturnType<typeof sqliteTableConfig> | ReturnType<typeof pgTableConfig>;

function shapeOf(config: Config): Shape {
  const columns: Shape['columns'] = {};
  for (const column of config.columns) {
    columns[column.name] = {
      notNull: column.notNull,
      primary: column.primary,
      unique: column.isUnique,
      // An identity column has no default in drizzle's terms; SQLite's autoincrement key has none either.
      hasDefault: column.hasDefault && !column.primary,
    };
  }
  const indexes: Shape['indexes'] = {};
  for (const index of config.indexes) {
    const { name, columns: on, unique } = index.config;
    indexes[name ?? '?'] = {
      columns: on.map((c) => ('name' in c ? String(c.name) : '?')),
      unique: Boolean(unique),
    };
  }
  const references = config.foreignKeys
    .map((fk) => {
      const ref = fk.reference();
      const names = (cols: { name: string }[]) => cols.map((c) => c.name).join(',');
      return `${names(ref.columns)} → ${ref.foreignTable[Symbol.for('drizzle:Name') as never] as string}(${names(ref.foreignColumns)})`;
    })
    .sort();
  return { columns, indexes, references };
}

function tables<T>(
  schema: Record<string, unknown>,
  isTable: (v: unknown) => v is T,
  config: (t: T) => Config,
) {
  return Object.fromEntries(
    Object.values(schema)
      .filter(isTable)
      .map((table) => {
        const c = config(table);
        return [c.name, shapeOf(c)];
      }),
  );
}

describe('the two schemas (SQLite, the embedded default; PostgreSQL, the shared store)', () => {
  const fromSqlite = tables(sqlite, (v): v is SQLiteTable => v instanceof SQLiteTable, sqliteTableConfig);
  const fromPostgres = tables(postgres, (v): v is PgTable => v instanceof PgTable, pgTableConfig);

  it('have the same tables', () => {
    expect(Object.keys(fromPostgres).sort()).toEqual(Object.keys(fromSqlite).sort());
    expect(Object.keys(fromSqlite)).toHaveLength(13);
  });

  it.each(Object.keys(fromSqlite).sort())(
    'agree on %s: columns, nullability, keys, indexes, references',
    (name) => {
      expect(fromPostgres[name]).toEqual(fromSqlite[name]);
    },
  );
});
