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

export const descriptors: readonly ResourceDescriptor[] = [users, sessions, recordings, algos, runs, eventLog];

export type Services = Map<string, ResourceService>;

export function createServices(db: Database, list: readonly ResourceDescriptor[] = descriptors): Services {
  const byName = new Map(list.map((d) => [d.name, d]));
  const lookup = (name: string): ResourceDescriptor => {
    const d = byName.get(name);
    if (!d) throw new Error(`no resource named ${name}`);
    return d;
  };
  return new Map(list.map((d) => [d.name, new ResourceService(d, db.prisma, db.schema, lookup)]));
}
