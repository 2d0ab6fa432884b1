/**
 * Test data for algorithm runs: a published algo, recordings (optionally with content), worker
 * keys, and the worker calls through supertest.
 */
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import type { Express } from 'express';
import type { PrismaClient } from '../../src/generated/prisma/client';
import { issueApiKey } from '../../src/auth/api-keys';
import { authHeader, type TestUser } from './factories';

export async function createAlgo(
  app: Express,
  owner: TestUser,
  options: { parameters?: Record<string, unknown>; status?: 'DRAFT' | 'PUBLISHED' | 'DEPRECATED'; name?: string; version?: string } = {},
): Promise<{ id: string; name: string; version: string }> {
  const res = await request(app)
    .post('/api/v1/algos')
    .set(authHeader(owner.token))
    .send({
      name: options.name ?? `algo-${randomUUID().slice(0, 8)}`,
      version: options.version ?? '1.0.0',
      parameters: options.parameters ?? {},
      status: options.status ?? 'PUBLISHED',
    });
  if (res.status !== 201) throw new Error(`algo: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as { id: string; name: string; version: string };
}

export async function createRecording(app: Express, owner: TestUser, extra: Record<string, unknown> = {}): Promise<{ id: string }> {
  const res = await request(app)
    .post('/api/v1/recordings')
    .set(authHeader(owner.token))
    .send({ name: `rec-${randomUUID().slice(0, 8)}`, modality: 'AUDIO', format: 'text/plain', ...extra });
  if (res.status !== 201) throw new Error(`recording: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as { id: string };
}

/** A WORKER-scope API key of `owner`. */
export async function workerKey(db: { prisma: PrismaClient }, owner: TestUser): Promise<{ token: string; id: string }> {
  const key = await issueApiKey(db.prisma, { userId: owner.user.id, name: 'worker', scope: 'WORKER' }, owner.user.id);
  return { token: key.token, id: key.id };
}

export interface Lease {
  run: { id: string; status: string; attempts: number; recordingId: string; parameters: Record<string, unknown> };
  leaseId: string;
  algo: { id: string; name: string; version: string };
  recording: { id: string; contentUrl: string | null };
}

export const worker = (app: Express, token: string) => ({
  claim: (body: Record<string, unknown> = {}) => request(app).post('/api/v1/runs/claim').set(authHeader(token)).send(body),
  report: (id: string, verb: 'heartbeat' | 'complete' | 'fail', body: Record<string, unknown>) =>
    request(app).post(`/api/v1/runs/${id}/${verb}`).set(authHeader(token)).send(body),
});

export async function startRuns(app: Express, user: TestUser, algoId: string, body: unknown): Promise<Array<{ id: string }>> {
  const res = await request(app)
    .post(`/api/v1/algos/${algoId}/runs`)
    .set(authHeader(user.token))
    .send(body as object);
  if (res.status !== 201) throw new Error(`runs: ${res.status} ${JSON.stringify(res.body)}`);
  return Array.isArray(body) ? (res.body.data as Array<{ id: string }>) : [res.body as { id: string }];
}
