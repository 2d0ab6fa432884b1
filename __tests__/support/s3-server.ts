/**
 * A real S3-protocol server for the S3 driver's tests: fauxqs (an npm package, a devDependency)
 * in a child process of its own on 127.0.0.1 and an ephemeral port, in memory. It is ESM-only,
 * so it runs under plain Node rather than inside jest. Stopped by its pid.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { PROJECT_ROOT } from '../../src/core/paths';

const SCRIPT = `
import { buildApp } from 'fauxqs';
const app = buildApp({ logger: false });
const address = await app.listen({ port: 0, host: '127.0.0.1' });
process.stdout.write(address + '\\n');
process.on('SIGTERM', () => app.close().then(() => process.exit(0)));
`;

export interface S3Server {
  endpoint: string;
  /** STORAGE_* variables for a store on a new bucket of this server. */
  env(bucket: string, extra?: Record<string, string>): Record<string, string>;
  createBucket(name: string): Promise<void>;
  stop(): Promise<void>;
}

export const S3_CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' };

export async function startS3Server(): Promise<S3Server> {
  const child: ChildProcess = spawn(process.execPath, ['--input-type=module', '-e', SCRIPT], {
    cwd: PROJECT_ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const endpoint = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const line = out.split('\n')[0];
      if (out.includes('\n') && line) resolve(line.trim());
    });
    child.once('exit', (code) => reject(new Error(`the S3 server exited (${String(code)}) before listening`)));
    setTimeout(() => reject(new Error('the S3 server did not start within 20 s')), 20_000).unref();
  });
  const client = new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials: S3_CREDENTIALS });
  return {
    endpoint,
    env: (bucket, extra = {}) => ({
      STORAGE_DRIVER: 's3',
      STORAGE_S3_ENDPOINT: endpoint,
      STORAGE_S3_BUCKET: bucket,
      STORAGE_S3_FORCE_PATH_STYLE: 'true',
      STORAGE_S3_ACCESS_KEY_ID: S3_CREDENTIALS.accessKeyId,
      STORAGE_S3_SECRET_ACCESS_KEY: S3_CREDENTIALS.secretAccessKey,
      ...extra,
    }),
    async createBucket(name) {
      await client.send(new CreateBucketCommand({ Bucket: name }));
    },
    async stop() {
      client.destroy();
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await once(child, 'exit');
      }
    },
  };
}
