import { z } from 'zod';
import { isoDateTime, jsonObject, text, type FieldMap, fieldsOf } from './fields';

/** A recording session: one sitting of one person with one device. */
export const sessionFields: FieldMap = fieldsOf('Session', { sortable: ['startedAt', 'endedAt', 'title'] });

export const sessionCreate = z
  .object({
    title: text(200),
    device: text(200).nullish(),
    startedAt: isoDateTime,
    endedAt: isoDateTime.nullish(),
    notes: z.string().max(10_000).nullish(),
    metadata: jsonObject.optional(),
  })
  .strict();

export const sessionUpdate = sessionCreate.partial().strict();

export type SessionCreate = z.infer<typeof sessionCreate>;
export type SessionUpdate = z.infer<typeof sessionUpdate>;
