/**
 * The parts of algorithm runs that need no database: JSON Schema checks of algo parameters
 * (src/runs/parameters.ts), the wake-ups of long-polling claims (src/runs/wakeups.ts), the access
 * levels with worker scope (src/api/access.ts) and the example worker's WAV analysis.
 */
import type { Response } from 'express';
import { access } from '../../src/api/access';
import type { Principal } from '../../src/auth/principal';
import { HttpError } from '../../src/core/errors';
import { compileSchema, schemaProblems, validateParameters } from '../../src/runs/parameters';
import { RunWakeups } from '../../src/runs/wakeups';
import { wavStats } from '../../examples/wav_worker';

describe('algo parameter schemas', () => {
  it('when the same schema is compiled again, then the compiled validator is reused', () => {
    const a = compileSchema({ type: 'object', properties: { n: { type: 'integer' } } });
    const b = compileSchema({ properties: { n: { type: 'integer' } }, type: 'object' } as Record<string, unknown>);
    const c = compileSchema({ type: 'object', properties: { n: { type: 'integer' } } });
    expect('validate' in a && 'validate' in c && a.validate === c.validate).toBe(true);
    expect('validate' in b).toBe(true);
  });

  it('when two algos’ schemas share an $id, then both compile (each is forgotten by Ajv once compiled)', () => {
    const one = { $id: 'https://example.com/params.json', type: 'object', required: ['a'] };
    const two = { $id: 'https://example.com/params.json', type: 'object', required: ['b'] };
    expect(schemaProblems(one, 'p')).toEqual([]);
    expect(schemaProblems(two, 'p')).toEqual([]);
    expect(validateParameters(two, { a: 1 }, 'body.parameters')).toEqual({
      problems: [{ path: 'body.parameters', message: 'must have the property "b"' }],
    });
  });

  it('when a schema is not usable, then the problems are named from where it is', () => {
    expect(schemaProblems({ type: 'object', properties: { n: { type: 'integr' } } }, 'body.parameters')[0]?.path).toBe(
      'body.parameters.properties.n.type',
    );
    expect(schemaProblems({ $schema: 'https://example.com/mine' }, 'body.parameters')).toEqual([
      { path: 'body.parameters.$schema', message: expect.stringContaining('supported draft') },
    ]);
    // A stored schema that cannot be used makes runs impossible, not invalid.
    expect(validateParameters({ type: 'string', pattern: '(?<=a)b' }, {}, 'body.parameters')).toEqual({
      unusable: [{ path: 'parameters', message: expect.stringContaining('not a usable JSON Schema') }],
    });
  });

  it('when parameters are valid, then defaults are filled into a copy and the input is unchanged', () => {
    const input = { n: 2 };
    const schema = { type: 'object', properties: { n: { type: 'integer' }, mode: { enum: ['fast', 'slow'], default: 'fast' } } };
    expect(validateParameters(schema, input, 'body.parameters')).toEqual({ value: { n: 2, mode: 'fast' } });
    expect(input).toEqual({ n: 2 });
  });

  it('when formats are used, then known ones are checked and unknown ones are annotations', () => {
    const schema = { type: 'object', properties: { at: { type: 'string', format: 'date-time' }, x: { format: 'made-up' } } };
    expect(validateParameters(schema, { at: 'yesterday', x: 1 }, 'q')).toEqual({
      problems: [{ path: 'q.at', message: 'must match format "date-time"' }],
    });
  });
});

describe('wake-ups of waiting claims', () => {
  it('when woken, closed, aborted or timed out, then a wait ends and is forgotten', async () => {
    const w = new RunWakeups();
    const woken = w.wait(60_000);
    expect(w.waiting).toBe(1);
    w.wake();
    await woken;
    const controller = new AbortController();
    const aborted = w.wait(60_000, controller.signal);
    controller.abort();
    await aborted;
    await w.wait(1);
    expect(w.waiting).toBe(0);
    expect(w.pollMs).toBe(1_000);
    w.live = true;
    expect(w.pollMs).toBe(5_000);
    const pending = w.wait(60_000);
    w.close();
    await pending;
    await w.wait(60_000); // after close, at once
    expect(w.isClosed).toBe(true);
  });
});

describe('access levels and worker scope', () => {
  const principal = (scope: 'FULL' | 'WORKER', role: 'ADMIN' | 'MEMBER' = 'MEMBER'): Principal => ({
    userId: 'u',
    email: 'u@example.com',
    role,
    tokenId: 't',
    tokenKind: 'API',
    scope,
  });
  const outcome = (level: Parameters<typeof access>[0], p: Principal): string => {
    try {
      let passed = false;
      access(level)({} as never, { locals: { principal: p } } as unknown as Response, () => (passed = true));
      return passed ? 'pass' : 'stopped';
    } catch (err) {
      return err instanceof HttpError ? `${err.status} ${err.type}` : 'error';
    }
  };

  it('when a worker key meets a route, then only worker routes (and content reads) let it through', () => {
    expect(outcome('authenticated', principal('WORKER'))).toBe('403 insufficient-scope');
    expect(outcome('admin', principal('WORKER', 'ADMIN'))).toBe('403 insufficient-scope');
    expect(outcome('worker', principal('WORKER'))).toBe('pass');
    expect(outcome('userOrWorker', principal('WORKER'))).toBe('pass');
    expect(outcome('worker', principal('FULL', 'ADMIN'))).toBe('403 insufficient-scope');
    expect(outcome('authenticated', principal('FULL'))).toBe('pass');
    expect(outcome('admin', principal('FULL'))).toBe('403 forbidden');
  });
});

describe('the example worker’s WAV analysis', () => {
  const header = (tag: number, channels: number, rate: number, bits: number, dataBytes: number, extensible = false): Buffer => {
    const fmtSize = extensible ? 40 : 16;
    const b = Buffer.alloc(20 + fmtSize + 8);
    b.write('RIFF', 0, 'latin1');
    b.writeUInt32LE(12 + fmtSize + dataBytes, 4);
    b.write('WAVEfmt ', 8, 'latin1');
    b.writeUInt32LE(fmtSize, 16);
    b.writeUInt16LE(extensible ? 0xfffe : tag, 20);
    b.writeUInt16LE(channels, 22);
    b.writeUInt32LE(rate, 24);
    b.writeUInt32LE((rate * channels * bits) / 8, 28);
    b.writeUInt16LE((channels * bits) / 8, 32);
    b.writeUInt16LE(bits, 34);
    if (extensible) b.writeUInt16LE(tag, 44);
    b.write('data', 20 + fmtSize, 'latin1');
    b.writeUInt32LE(dataBytes, 24 + fmtSize);
    return b;
  };

  it('when the file is 8-bit PCM, 32-bit float or WAVE_FORMAT_EXTENSIBLE, then RMS, peak and duration come out right', () => {
    const pcm8 = Buffer.concat([header(1, 1, 4, 8, 4), Buffer.from([128 + 64, 128 - 64, 128 + 64, 128 - 64])]);
    expect(wavStats(pcm8)).toMatchObject({ frames: 4, durationSeconds: 1, rms: [0.5], peak: [0.5], rmsDbfs: [-6.02], encoding: 'pcm' });
    const floats = Buffer.alloc(16);
    [0, 0.5, 0, -0.5].forEach((v, i) => floats.writeFloatLE(v, i * 4));
    expect(wavStats(Buffer.concat([header(3, 2, 2, 32, 16), floats]))).toMatchObject({
      channels: 2,
      frames: 2,
      rms: [0, 0.5],
      rmsDbfs: [null, -6.02],
    });
    const ext = Buffer.concat([header(1, 1, 2, 16, 4, true), Buffer.from([0x00, 0x40, 0x00, 0xc0])]);
    expect(wavStats(ext)).toMatchObject({ frames: 2, rms: [0.5], bitsPerSample: 16 });
  });

  it('when the file is not a WAV file it can read, then it says why', () => {
    expect(() => wavStats(Buffer.from('t,v\n0,1\n'))).toThrow('not a RIFF/WAVE file');
    expect(() => wavStats(header(1, 1, 8000, 16, 0).subarray(0, 36))).toThrow('no data chunk');
    expect(() => wavStats(Buffer.concat([header(2, 1, 8000, 4, 2), Buffer.alloc(2)]))).toThrow('unsupported encoding');
  });
});
