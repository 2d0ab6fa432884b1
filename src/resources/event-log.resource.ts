import { eventLogFields } from '../models/event-log.model';
import type { Delegate, ResourceDescriptor } from './descriptor';

/** The audit trail: read only; members see only their own actions. Newest first by default. */
export const eventLog: ResourceDescriptor = {
  name: 'event-log',
  label: 'event',
  model: 'EventLog',
  delegate: (db) => db.eventLog as unknown as Delegate,
  fields: eventLogFields,
  ownership: 'actor',
  ownerField: 'actorId',
  readOnly: true,
  defaultSort: '-occurredAt',
};
