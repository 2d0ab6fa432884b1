/** The tables the API serves: one descriptor each, one line here to register it. */
import type { Database } from '../db/connection';
import type { ResourceDescriptor } from './descriptor';
import { algos } from './algos.resource';
import { eventLog } from './event-log.resource';
import { recordings } from './recordings.resource';
import { sessions } from './sessions.resource';
import { users } from './users.resource';
import { runs } from './runs.resource';
import { ResourceService } from './service';
import { SqlReads } from './sql-read';
import { sqlNames } from '../db/sql-names';

export const descriptors = [users, sessions, recordings, algos, runs, eventLog] as const satisfies readonly ResourceDescriptor[];

/** The event-log entity types of the registered resources (src/resources/audit.ts adds the auth ones). */
export type ResourceEntityType = NonNullable<(typeof descriptors)[number]['entityType']>;

export type Services = Map<string, ResourceService>;

/** The service of a registered resource (an unregistered name is a programming error). */
export function lookupService(services: Services, name: string): ResourceService {
  const service = services.get(name);
  if (!service) throw new Error(`no resource named ${name}`);
  return service;
}

/**
 * The services of the resources in `list`. Reads without include= go through SQL
 * (src/resources/sql-read.ts) unless `options.reads` is 'prisma' (the generic path, which the
 * read-path tests compare it with); single-row writes run as one statement where they can
 * (src/resources/sql-write.ts) unless `options.oneStatementWrites` is false.
 */
export function createServices(
  db: Pick<Database, 'prisma' | 'pool' | 'schema'>,
  list: readonly ResourceDescriptor[] = descriptors,
  options: { reads?: 'sql' | 'prisma'; oneStatementWrites?: boolean } = {},
): Services {
  const byName = new Map<string, ResourceDescriptor>(list.map((d) => [d.name, d]));
  const lookup = (name: string): ResourceDescriptor => {
    const d = byName.get(name);
    if (!d) throw new Error(`no resource named ${name}`);
    return d;
  };
  // Resource names are plain strings in descriptors: a typo is caught here, at start-up.
  for (const d of list) {
    const named = [...Object.entries(d.relations ?? {}), ...(d.parent ? [['parent', d.parent] as const] : [])];
    for (const [key, spec] of named) {
      if (spec && !byName.has(spec.resource)) throw new Error(`${d.name}.${key}: no resource named ${spec.resource}`);
    }
  }
  const reads = (d: ResourceDescriptor): SqlReads | undefined =>
    options.reads === 'prisma' ? undefined : new SqlReads(d, db.pool, sqlNames(db.schema).table(d.model));
  return new Map(
    list.map((d) => [d.name, new ResourceService(d, db.prisma, db.schema, lookup, reads(d), options.oneStatementWrites ?? true)]),
  );
}
