import { fieldsOf, type FieldMap } from './fields';

/** The audit trail (read only). */
export const eventLogFields: FieldMap = fieldsOf('EventLog', { sortable: ['occurredAt'] });
