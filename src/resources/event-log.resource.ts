import { eventLogFields } from '../models/event-log.model';
import { defineResource } from './descriptor';

/** The audit trail: read only; members see only their own actions. Newest first by default. */
export const eventLog = defineResource({
  name: 'event-log',
  label: 'event',
  model: 'EventLog',
  fields: eventLogFields,
  ownership: 'actor',
  ownerField: 'actorId',
  readOnly: true,
  defaultSort: '-occurredAt',
});
