/**
 * Configuration: every environment variable the service reads, parsed once with Zod into a
 * typed, frozen object. A bad value stops start-up with one message that names every bad
 * variable. Documented key by key in .env.example.
 */
import path from 'node:path';
import { z } from 'zod';
import { PASSWORD_COST_DEFAULT, PASSWORD_COST_MAX, PASSWORD_COST_MIN } from '../auth/passwords';

const bool = z.enum(['true', 'false', '1', '0', 'yes', 'no']).transform((v) => v === 'true' || v === '1' || v === 'yes');

const postgresUrl = z.string().refine((v) => {
  try {
    const u = new URL(v);
    return u.protocol === 'postgresql:' || u.protocol === 'postgres:';
  } catch {
    return false;
  }
}, 'must be a postgresql:// URL');

const port = z.coerce.number().int().min(0).max(65535);
const positiveInt = z.coerce.number().int().positive();

/** "1mb", "512kb", "10gb", "2048" (bytes). */
const byteSize = z
  .string()
  .regex(/^\d+(\.\d+)?\s*(b|kb|mb|gb|tb)?$/i, 'must be a size such as 1mb, 512kb, 10gb or 2048')
  .transform((v) => {
    const m = /^(\d+(?:\.\d+)?)\s*(b|kb|mb|gb|tb)?$/i.exec(v) as RegExpExecArray;
    const unit = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3, tb: 1024 ** 4 }[(m[2] ?? 'b').toLowerCase() as 'b'];
    return Math.floor(Number(m[1]) * unit);
  });

/** "12h", "15m", "30s", "1d", "500ms", or a plain number of seconds; parsed to milliseconds. */
const duration = z
  .string()
  .regex(/^\d+\s*(ms|s|m|h|d)?$/i, 'must be a duration such as 12h, 15m, 30s or 3600 (seconds)')
  .transform((v) => {
    const m = /^(\d+)\s*(ms|s|m|h|d)?$/i.exec(v) as RegExpExecArray;
    const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[(m[2] ?? 's').toLowerCase() as 's'];
    return Number(m[1]) * unit;
  })
  .refine((ms) => ms > 0, 'must be longer than 0');

const csv = z.string().transform((v) =>
  v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean),
);

function isOrigin(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'https:' || url.protocol === 'http:') && url.origin === value;
  } catch {
    return false;
  }
}

const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  HOST: z.string().min(1).default('0.0.0.0'),
  PORT: port.default(3000),
  TRUST_PROXY: z.string().optional(),
  LOG_LEVEL: z.enum(['silent', 'error', 'warn', 'info', 'http', 'debug']).default('info'),
  LOG_FORMAT: z.enum(['json', 'pretty']).optional(),
  BODY_LIMIT: byteSize.default(1024 * 1024),
  SHUTDOWN_GRACE_MS: positiveInt.default(10_000),
  CORS_ORIGINS: csv
    .refine(
      (origins) => origins.every(isOrigin),
      'must be a comma-separated list of origins such as https://app.example.com (no "*", no paths)',
    )
    .default([]),

  AUTH_LOGIN_TTL: duration.default(12 * 3_600_000),
  AUTH_LOGIN_MAX_FAILURES: positiveInt.default(10),
  AUTH_LOGIN_FAILURE_WINDOW: duration.default(15 * 60_000),
  AUTH_PASSWORD_COST: z.coerce.number().int().min(PASSWORD_COST_MIN).max(PASSWORD_COST_MAX).default(PASSWORD_COST_DEFAULT),
  RATE_LIMIT_PER_MINUTE: positiveInt.optional(),

  // How the server's V8 uses memory (docs/scaling.md "Memory")
  HEAP_GROWTH_PERCENT: z.coerce.number().int().min(0).max(400).default(50),
  WASM_OPTIMIZE: bool.default(false),

  METRICS_ENABLED: bool.default(true),
  METRICS_HOST: z.string().min(1).default('127.0.0.1'),
  METRICS_PORT: port.default(9464),

  DATABASE_URL: postgresUrl.optional(),
  DATABASE_POOL_SIZE: positiveInt.max(1000).default(10),
  DATABASE_CONNECT_TIMEOUT_MS: positiveInt.default(5_000),
  DATABASE_STATEMENT_TIMEOUT_MS: positiveInt.default(15_000),
  MIGRATE_ON_START: bool.default(true),

  DATABASE_SSH_HOST: z.string().min(1).optional(),
  DATABASE_SSH_PORT: port.default(22),
  DATABASE_SSH_USER: z.string().min(1).optional(),
  DATABASE_SSH_PRIVATE_KEY_PATH: z.string().min(1).optional(),
  DATABASE_SSH_PASSPHRASE: z.string().optional(),
  DATABASE_SSH_KNOWN_HOSTS: z.string().min(1).optional(),
  DATABASE_SSH_INSECURE_ACCEPT_ANY_HOST_KEY: bool.default(false),

  EMBEDDED_DB_DIR: z.string().min(1).default('./data'),
  EMBEDDED_DB_PORT: port.default(54329),

  // Recording content (docs/storage.md)
  STORAGE_DRIVER: z.enum(['filesystem', 's3']).default('filesystem'),
  STORAGE_DIR: z.string().min(1).optional(),
  STORAGE_S3_BUCKET: z.string().min(3).max(63).optional(),
  STORAGE_S3_REGION: z.string().min(1).default('us-east-1'),
  STORAGE_S3_ENDPOINT: z.url({ protocol: /^https?$/, error: 'must be an http(s):// URL' }).optional(),
  STORAGE_S3_FORCE_PATH_STYLE: bool.default(false),
  STORAGE_S3_ACCESS_KEY_ID: z.string().min(1).optional(),
  STORAGE_S3_SECRET_ACCESS_KEY: z.string().min(1).optional(),
  STORAGE_S3_PREFIX: z
    .string()
    .regex(/^([A-Za-z0-9._-]+\/)*$/, 'must be empty or path segments ending in "/", e.g. backendapi/')
    .default(''),
  STORAGE_S3_PART_SIZE: byteSize.refine((v) => v >= 5 * 1024 ** 2, 'must be at least 5mb (the S3 minimum)').default(16 * 1024 ** 2),
  CONTENT_MAX_BYTES: byteSize.refine((v) => v > 0, 'must be more than 0').default(10 * 1024 ** 3),
  CONTENT_QUOTA_BYTES: byteSize.optional(),
  CONTENT_IDLE_TIMEOUT: duration.default(60_000),
  CONTENT_UPLOAD_EXPIRY: duration.default(24 * 3_600_000),
  CONTENT_SWEEP_INTERVAL: duration.default(3_600_000),

  // Algorithm runs (docs/runs.md)
  RUNS_LEASE: duration.refine((ms) => ms >= 1000 && ms <= 3_600_000, 'must be from 1s to 1h').default(60_000),
  RUNS_RETRY_BACKOFF: duration.default(10_000),
  RUNS_RETRY_BACKOFF_MAX: duration.default(600_000),
  RUNS_SWEEP_INTERVAL: duration.default(5_000),
});

export type Env = z.input<typeof envSchema>;

export interface Config {
  env: 'development' | 'test' | 'production';
  http: {
    host: string;
    port: number;
    trustProxy: string | undefined;
    bodyLimitBytes: number;
    shutdownGraceMs: number;
    corsOrigins: string[];
  };
  auth: {
    /** Lifetime of a login token. */
    loginTtlMs: number;
    /** Failed logins allowed per account and per IP within loginFailureWindowMs (then 429). */
    loginMaxFailures: number;
    loginFailureWindowMs: number;
    /** scrypt cost of new password hashes, as log2 N (15: N = 32768). */
    passwordCost: number;
  };
  /** Requests per token per minute; undefined: no general limit. */
  rateLimit: { perMinute: number | undefined };
  log: { level: 'silent' | 'error' | 'warn' | 'info' | 'http' | 'debug'; format: 'json' | 'pretty' };
  /** The server process's V8 settings (src/core/v8-settings.ts). */
  runtime: {
    /** After each full collection the old generation may grow by this share of what survived before the next; 0: V8's own heuristic. */
    heapGrowthPercent: number;
    /** Compile WebAssembly (Prisma's query compiler) with V8's optimizing tier too, not only its baseline tier. */
    wasmOptimize: boolean;
  };
  /** Prometheus metrics, served on a listener of their own (src/telemetry/metrics-server.ts). */
  metrics: { enabled: boolean; host: string; port: number };
  database: {
    /** Unset: the embedded PostgreSQL is used. */
    url: string | undefined;
    poolSize: number;
    connectTimeoutMs: number;
    statementTimeoutMs: number;
    migrateOnStart: boolean;
    /** Set: the database is reached through an SSH tunnel via this bastion (src/db/tunnel.ts). */
    ssh: SshConfig | undefined;
  };
  embedded: { dir: string; port: number };
  /** Where recording files are kept (src/storage). */
  storage: StorageConfig;
  content: {
    /** Largest file accepted (413 beyond). */
    maxBytes: number;
    /** Bytes of content one user may keep (recordings' files plus unfinished resumable uploads); undefined: no quota. */
    quotaBytes: number | undefined;
    /** An upload that sends nothing for this long is aborted. */
    idleTimeoutMs: number;
    /** Unfinished resumable uploads are removed this long after they were created. */
    uploadExpiryMs: number;
    /** How often orphan files and expired uploads are swept. */
    sweepIntervalMs: number;
  };
  /** The job queue of algorithm runs (src/runs). */
  runs: {
    /** The lease a claim gives when it does not ask for another length. */
    leaseMs: number;
    /** A retried run waits retryBackoffMs × 2^(attempt − 1), at most retryBackoffMaxMs. */
    retryBackoffMs: number;
    retryBackoffMaxMs: number;
    /** How often each instance requeues runs whose lease has expired. */
    sweepIntervalMs: number;
  };
}

export type StorageConfig =
  | { driver: 'filesystem'; dir: string }
  | {
      driver: 's3';
      bucket: string;
      region: string;
      /** Unset: AWS itself. */
      endpoint: string | undefined;
      forcePathStyle: boolean;
      /** Unset: the AWS SDK's default credential chain (environment, instance role, …). */
      credentials: { accessKeyId: string; secretAccessKey: string } | undefined;
      /** Prepended to every key, so the bucket can be shared. */
      prefix: string;
      partSizeBytes: number;
    };

export interface SshConfig {
  host: string;
  port: number;
  user: string;
  privateKeyPath: string;
  passphrase: string | undefined;
  /** known_hosts file the bastion's host key is verified against; unset only when insecure. */
  knownHostsPath: string | undefined;
  insecureAcceptAnyHostKey: boolean;
}

/** The tunnel settings depend on each other; Zod's per-key parse cannot say so. */
function sshConfig(e: z.output<typeof envSchema>, problems: string[]): SshConfig | undefined {
  if (!e.DATABASE_SSH_HOST) return undefined;
  const required = (key: string, value: string | undefined): string => {
    if (!value) problems.push(`${key}: required when DATABASE_SSH_HOST is set`);
    return value ?? '';
  };
  if (!e.DATABASE_URL) problems.push('DATABASE_URL: required when DATABASE_SSH_HOST is set (the database behind the bastion)');
  const ssh: SshConfig = {
    host: e.DATABASE_SSH_HOST,
    port: e.DATABASE_SSH_PORT,
    user: required('DATABASE_SSH_USER', e.DATABASE_SSH_USER),
    privateKeyPath: path.resolve(required('DATABASE_SSH_PRIVATE_KEY_PATH', e.DATABASE_SSH_PRIVATE_KEY_PATH)),
    passphrase: e.DATABASE_SSH_PASSPHRASE,
    knownHostsPath: e.DATABASE_SSH_KNOWN_HOSTS && path.resolve(e.DATABASE_SSH_KNOWN_HOSTS),
    insecureAcceptAnyHostKey: e.DATABASE_SSH_INSECURE_ACCEPT_ANY_HOST_KEY,
  };
  if (!ssh.knownHostsPath && !ssh.insecureAcceptAnyHostKey) {
    problems.push('DATABASE_SSH_KNOWN_HOSTS: required when DATABASE_SSH_HOST is set (or DATABASE_SSH_INSECURE_ACCEPT_ANY_HOST_KEY=true)');
  }
  return ssh;
}

function storageConfig(e: z.output<typeof envSchema>, problems: string[]): StorageConfig {
  if (e.STORAGE_DRIVER === 'filesystem') {
    return { driver: 'filesystem', dir: path.resolve(e.STORAGE_DIR ?? path.join(e.EMBEDDED_DB_DIR, 'content')) };
  }
  if (!e.STORAGE_S3_BUCKET) problems.push('STORAGE_S3_BUCKET: required when STORAGE_DRIVER=s3');
  const keyId = e.STORAGE_S3_ACCESS_KEY_ID;
  const secret = e.STORAGE_S3_SECRET_ACCESS_KEY;
  if (Boolean(keyId) !== Boolean(secret)) {
    problems.push('STORAGE_S3_ACCESS_KEY_ID, STORAGE_S3_SECRET_ACCESS_KEY: set both or neither (then the AWS default chain is used)');
  }
  return {
    driver: 's3',
    bucket: e.STORAGE_S3_BUCKET ?? '',
    region: e.STORAGE_S3_REGION,
    endpoint: e.STORAGE_S3_ENDPOINT,
    forcePathStyle: e.STORAGE_S3_FORCE_PATH_STYLE,
    credentials: keyId && secret ? { accessKeyId: keyId, secretAccessKey: secret } : undefined,
    prefix: e.STORAGE_S3_PREFIX,
    partSizeBytes: e.STORAGE_S3_PART_SIZE,
  };
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Parses the environment; throws ConfigError naming every bad variable. Never echoes values. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Readonly<Config> {
  // An empty variable counts as unset, as in most .env tooling.
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = envSchema.safeParse(present);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.') || '(environment)'}: ${i.message}`));
  }
  const e = parsed.data;
  const problems: string[] = [];
  const ssh = sshConfig(e, problems);
  if (e.NODE_ENV === 'production' && e.AUTH_PASSWORD_COST < PASSWORD_COST_DEFAULT) {
    problems.push(`AUTH_PASSWORD_COST: at least ${PASSWORD_COST_DEFAULT} in production (lower costs are for tests)`);
  }
  const storage = storageConfig(e, problems);
  if (problems.length) throw new ConfigError(problems);
  return deepFreeze({
    env: e.NODE_ENV,
    http: {
      host: e.HOST,
      port: e.PORT,
      trustProxy: e.TRUST_PROXY,
      bodyLimitBytes: e.BODY_LIMIT,
      shutdownGraceMs: e.SHUTDOWN_GRACE_MS,
      corsOrigins: e.CORS_ORIGINS,
    },
    auth: {
      loginTtlMs: e.AUTH_LOGIN_TTL,
      loginMaxFailures: e.AUTH_LOGIN_MAX_FAILURES,
      loginFailureWindowMs: e.AUTH_LOGIN_FAILURE_WINDOW,
      passwordCost: e.AUTH_PASSWORD_COST,
    },
    rateLimit: { perMinute: e.RATE_LIMIT_PER_MINUTE },
    log: { level: e.LOG_LEVEL, format: e.LOG_FORMAT ?? (e.NODE_ENV === 'production' ? 'json' : 'pretty') },
    runtime: { heapGrowthPercent: e.HEAP_GROWTH_PERCENT, wasmOptimize: e.WASM_OPTIMIZE },
    metrics: { enabled: e.METRICS_ENABLED, host: e.METRICS_HOST, port: e.METRICS_PORT },
    database: {
      url: e.DATABASE_URL,
      poolSize: e.DATABASE_POOL_SIZE,
      connectTimeoutMs: e.DATABASE_CONNECT_TIMEOUT_MS,
      statementTimeoutMs: e.DATABASE_STATEMENT_TIMEOUT_MS,
      migrateOnStart: e.MIGRATE_ON_START,
      ssh,
    },
    embedded: { dir: path.resolve(e.EMBEDDED_DB_DIR), port: e.EMBEDDED_DB_PORT },
    storage,
    content: {
      maxBytes: e.CONTENT_MAX_BYTES,
      quotaBytes: e.CONTENT_QUOTA_BYTES,
      idleTimeoutMs: e.CONTENT_IDLE_TIMEOUT,
      uploadExpiryMs: e.CONTENT_UPLOAD_EXPIRY,
      sweepIntervalMs: e.CONTENT_SWEEP_INTERVAL,
    },
    runs: {
      leaseMs: e.RUNS_LEASE,
      retryBackoffMs: e.RUNS_RETRY_BACKOFF,
      retryBackoffMaxMs: Math.max(e.RUNS_RETRY_BACKOFF_MAX, e.RUNS_RETRY_BACKOFF),
      sweepIntervalMs: e.RUNS_SWEEP_INTERVAL,
    },
  });
}

function deepFreeze<T>(value: T): Readonly<T> {
  if (value && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
