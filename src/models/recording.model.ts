import { z } from 'zod';
import { Modality, RecordingStatus } from '../generated/prisma/client';
import { bigintInput, isoDateTime, jsonObject, text, type FieldMap, fieldsOf } from './fields';

export const modalities = Object.values(Modality);
export const recordingStatuses = Object.values(RecordingStatus);

/** A recording: one stored data file of a session (EEG, ECG, audio, …). */
export const recordingFields: FieldMap = fieldsOf('Recording', {
  sortable: ['name', 'recordedAt', 'status', 'durationMs', 'sizeBytes'],
  hidden: ['contentKey'],
});

// Letters spelled out rather than an /i flag: JSON Schema (OpenAPI) patterns cannot carry flags.
const mediaType = z
  .string()
  .trim()
  .max(255)
  .regex(/^[A-Za-z0-9!#$&^_.+-]+\/[A-Za-z0-9!#$&^_.+-]+(\s*;.*)?$/, 'must be a media type such as application/x-edf')
  .meta({ examples: ['application/x-edf'] });

export const recordingCreate = z
  .object({
    sessionId: z.uuid().nullish(),
    name: text(255),
    modality: z.enum(Modality),
    status: z.enum(RecordingStatus).optional(),
    format: mediaType,
    sampleRateHz: z.number().positive().max(1e9).nullish(),
    channelCount: z.number().int().min(1).max(100_000).nullish(),
    durationMs: z.number().int().min(0).max(2_147_483_647).nullish(),
    sizeBytes: bigintInput.refine((v) => v >= 0n, 'must not be negative').nullish(),
    sha256: z
      .string()
      .regex(/^[0-9a-f]{64}$/, 'must be 64 lower-case hex digits')
      .nullish(),
    storageUri: z.url().max(2048).nullish(),
    recordedAt: isoDateTime.nullish(),
    metadata: jsonObject.optional(),
  })
  .strict();

export const recordingUpdate = recordingCreate.partial().strict();

export type RecordingCreate = z.infer<typeof recordingCreate>;
export type RecordingUpdate = z.infer<typeof recordingUpdate>;
