/**
 * Password login, logout and password change. A failed login costs the same whether the
 * e-mail is known or not (a dummy hash is checked for unknown ones), answers the same 401,
 * and counts against the login rate limit per account and per IP.
 */
import type { PrismaClient } from '../generated/prisma/client';
import { HttpError, unauthorized } from '../core/errors';
import { recordEvent } from '../resources/audit';
import { insertKey } from './api-keys';
import { hashPassword, needsRehash, prepareDummyHash, verifyDummyPassword, verifyPassword } from './passwords';
import type { Principal } from './principal';
import { LoginLimiter } from './rate-limits';
import { loginFailures } from '../telemetry/metrics';
import { changePassword, PUBLIC_USER_SELECT, setPasswordHash, type PublicUser } from './users';

export interface AuthOptions {
  loginTtlMs: number;
  loginMaxFailures: number;
  loginFailureWindowMs: number;
}

export interface LoginResult {
  token: string;
  expiresAt: Date;
  user: PublicUser;
}

export const LOGIN_TOKEN_NAME = 'login';

export class AuthService {
  readonly limiter: LoginLimiter;

  constructor(
    private readonly prisma: PrismaClient,
    private readonly options: AuthOptions,
  ) {
    this.limiter = new LoginLimiter(prisma, { maxFailures: options.loginMaxFailures, windowMs: options.loginFailureWindowMs });
    void prepareDummyHash();
  }

  async login(input: { email: string; password: string; ip: string }): Promise<LoginResult> {
    const email = input.email.trim().toLowerCase();
    const attempt = await this.limiter.reserve(email, input.ip);
    return this.countingFailures(attempt, () => this.checkAndIssue(email, input));
  }

  /**
   * Runs an attempt reserved with the limiter: a refused credential (401, or 400 for a wrong
   * current password) leaves the attempt counted; success or any other error takes it back.
   */
  private async countingFailures<T>(attempt: bigint, work: () => Promise<T>): Promise<T> {
    try {
      const result = await work();
      await this.limiter.release(attempt);
      return result;
    } catch (err) {
      const refused = err instanceof HttpError && (err.status === 401 || err.status === 400);
      if (!refused) await this.limiter.release(attempt).catch(() => undefined);
      throw err;
    }
  }

  private async checkAndIssue(email: string, input: { password: string; ip: string }): Promise<LoginResult> {
    const user = await this.prisma.user.findUnique({ where: { email }, select: { ...PUBLIC_USER_SELECT, passwordHash: true } });
    const valid = user?.passwordHash ? await verifyPassword(input.password, user.passwordHash) : await verifyDummyPassword(input.password);

    if (!user || !valid || user.disabledAt) {
      const reason = !user ? 'unknown_email' : !user.passwordHash ? 'no_password' : !valid ? 'wrong_password' : 'disabled';
      loginFailures.inc({ reason });
      await recordEvent(this.prisma, {
        actorId: null,
        action: 'user.login_failed',
        entityType: 'user',
        entityId: user?.id ?? 'unknown',
        changes: { after: { email, ip: input.ip, reason } },
      });
      throw unauthorized('The e-mail address or the password is not correct');
    }

    const { passwordHash, ...publicUser } = user;
    const rehash = passwordHash && needsRehash(passwordHash) ? await hashPassword(input.password) : undefined;
    const expiresAt = new Date(Date.now() + this.options.loginTtlMs);
    const key = await this.prisma.$transaction(async (tx) => {
      if (rehash) await setPasswordHash(tx, user.id, rehash, user.id);
      const issued = await insertKey(tx, { userId: user.id, name: LOGIN_TOKEN_NAME, kind: 'LOGIN', expiresAt });
      await recordEvent(tx, {
        actorId: user.id,
        action: 'user.login',
        entityType: 'user',
        entityId: user.id,
        changes: { after: { tokenId: issued.id, ip: input.ip } },
      });
      return issued;
    });
    return { token: key.token, expiresAt, user: publicUser };
  }

  /** Revokes the token the request was made with (a login token, or an API key used this way). */
  async logout(principal: Principal): Promise<void> {
    await this.prisma.$transaction(async (tx) => {
      const now = new Date();
      const { count } = await tx.apiKey.updateMany({ where: { id: principal.tokenId, revokedAt: null }, data: { revokedAt: now } });
      if (count) {
        await recordEvent(tx, {
          actorId: principal.userId,
          action: 'apikey.revoked',
          entityType: 'apikey',
          entityId: principal.tokenId,
          changes: { before: { revokedAt: null }, after: { revokedAt: now.toISOString() } },
        });
      }
    });
  }

  /**
   * The caller's own password change. Wrong current passwords count against the login limit,
   * so a stolen token cannot be used to guess the password.
   */
  async changePassword(principal: Principal, input: { currentPassword: string; newPassword: string; ip: string }): Promise<number> {
    const attempt = await this.limiter.reserve(principal.email, input.ip);
    return this.countingFailures(attempt, () =>
      changePassword(this.prisma, {
        userId: principal.userId,
        currentPassword: input.currentPassword,
        newPassword: input.newPassword,
        keepTokenId: principal.tokenId,
      }),
    );
  }
}
