/**
 * Test data through the same services the API uses: users (optionally with a password) and
 * their API keys. `createUser` returns the user and a valid API key for it.
 */
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import type { Express } from 'express';
import type { PrismaClient, Role } from '../../src/generated/prisma/client';
import { issueApiKey, type IssuedKey } from '../../src/auth/api-keys';
import { createUser as createUserRow, type PublicUser } from '../../src/auth/users';

export interface TestUser {
  user: PublicUser;
  /** A valid API key (bk_api_…) of the user. */
  token: string;
  key: IssuedKey;
}

export interface UserOptions {
  role?: Role;
  email?: string;
  name?: string;
  /** Set one to be able to log in (hashing costs tens of milliseconds, so it is optional). */
  password?: string;
  disabled?: boolean;
}

export async function createUser(db: { prisma: PrismaClient }, options: UserOptions = {}): Promise<TestUser> {
  const user = await createUserRow(db.prisma, {
    email: options.email ?? `user-${randomUUID().slice(0, 8)}@example.com`,
    name: options.name ?? 'Test User',
    role: options.role ?? 'MEMBER',
    ...(options.password === undefined ? {} : { password: options.password }),
  });
  const key = await issueApiKey(db.prisma, { userId: user.id, name: 'test key' }, user.id);
  if (options.disabled) {
    const disabled = await db.prisma.user.update({ where: { id: user.id }, data: { disabledAt: new Date() } });
    user.disabledAt = disabled.disabledAt;
  }
  return { user, token: key.token, key };
}

export function authHeader(token: string): { Authorization: string } {
  return { Authorization: `Bearer ${token}` };
}

/** Logs in through the API; returns the login token (fails the test on anything but 200). */
export async function login(app: Express, email: string, password: string): Promise<string> {
  const res = await request(app).post('/api/v1/auth/login').send({ email, password });
  if (res.status !== 200) throw new Error(`login failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.token as string;
}
