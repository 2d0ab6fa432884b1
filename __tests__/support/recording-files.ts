/** Small EDF/EDF+/BDF and WAV files built in the tests, valid or broken on purpose. */

export interface EdfSignal {
  label: string;
  samplesPerRecord: number;
  dimension?: string;
}

export interface EdfOptions {
  signals: EdfSignal[];
  records: number;
  recordSeconds?: number;
  bdf?: boolean;
  /** "EDF+C" etc. in the reserved field. */
  reserved?: string;
  /** The number-of-records field as written (default: records; -1 for unknown). */
  recordsField?: number;
  date?: string;
  time?: string;
  recordingField?: string;
  /** Overrides of fixed header fields by byte offset (to break them). */
  patch?: Array<{ offset: number; text: string }>;
}

const field = (value: string | number, width: number): string => String(value).padEnd(width, ' ').slice(0, width);

export function edfFile(o: EdfOptions): Buffer {
  const ns = o.signals.length;
  const head =
    (o.bdf ? 'BIOSEMI'.padStart(8, ' ') : field('0', 8)) +
    field('X X X X', 80) +
    field(o.recordingField ?? 'Startdate 02-MAR-2026 X X X', 80) +
    field(o.date ?? '02.03.26', 8) +
    field(o.time ?? '21.30.05', 8) +
    field(256 * (ns + 1), 8) +
    field(o.reserved ?? '', 44) +
    field(o.recordsField ?? o.records, 8) +
    field(o.recordSeconds ?? 1, 8) +
    field(ns, 4);
  const each = (f: (s: EdfSignal) => string | number, width: number): string => o.signals.map((s) => field(f(s), width)).join('');
  const signals =
    each((s) => s.label, 16) +
    each(() => 'AgAgCl electrode', 80) +
    each((s) => s.dimension ?? 'uV', 8) +
    each(() => -3200, 8) +
    each(() => 3200, 8) +
    each(() => (o.bdf ? -8388608 : -32768), 8) +
    each(() => (o.bdf ? 8388607 : 32767), 8) +
    each(() => 'HP:0.1Hz', 80) +
    each((s) => s.samplesPerRecord, 8) +
    each(() => '', 32);
  const header = Buffer.from(head + signals, 'latin1');
  if (o.bdf) header[0] = 0xff;
  for (const p of o.patch ?? []) header.write(p.text, p.offset, 'latin1');
  const recordBytes = o.signals.reduce((sum, s) => sum + s.samplesPerRecord, 0) * (o.bdf ? 3 : 2);
  const data = Buffer.alloc(o.records * recordBytes);
  for (let i = 0; i < data.length; i++) data[i] = (i * 7) & 0xff;
  return Buffer.concat([header, data]);
}

export interface WavOptions {
  channels: number;
  sampleRate: number;
  bitsPerSample: number;
  frames: number;
  encoding?: 'pcm' | 'float' | 'extensible';
  /** The data chunk's size field as written (default: the real size). */
  dataSizeField?: number;
  /** Bytes cut off the end of the file. */
  truncate?: number;
  /** A LIST chunk before the data. */
  listChunk?: boolean;
}

export function wavFile(o: WavOptions): Buffer {
  const blockAlign = o.channels * (o.bitsPerSample / 8);
  const dataBytes = o.frames * blockAlign;
  const extensible = o.encoding === 'extensible';
  const fmt = Buffer.alloc(extensible ? 40 : 16);
  fmt.writeUInt16LE(extensible ? 0xfffe : o.encoding === 'float' ? 3 : 1, 0);
  fmt.writeUInt16LE(o.channels, 2);
  fmt.writeUInt32LE(o.sampleRate, 4);
  fmt.writeUInt32LE(o.sampleRate * blockAlign, 8);
  fmt.writeUInt16LE(blockAlign, 12);
  fmt.writeUInt16LE(o.bitsPerSample, 14);
  if (extensible) {
    fmt.writeUInt16LE(22, 16);
    fmt.writeUInt16LE(o.bitsPerSample, 18);
    fmt.writeUInt32LE(3, 20);
    Buffer.from('0100000000001000800000aa00389b71', 'hex').copy(fmt, 24);
  }
  const chunk = (id: string, body: Buffer, size = body.length): Buffer => {
    const h = Buffer.alloc(8);
    h.write(id, 0, 'latin1');
    h.writeUInt32LE(size, 4);
    return Buffer.concat([h, body, body.length % 2 ? Buffer.alloc(1) : Buffer.alloc(0)]);
  };
  const data = Buffer.alloc(dataBytes);
  for (let i = 0; i < dataBytes; i++) data[i] = (i * 13) & 0xff;
  const parts = [
    chunk('fmt ', fmt),
    ...(o.listChunk ? [chunk('LIST', Buffer.from('INFOISFT\x05\x00\x00\x00test\x00', 'latin1'))] : []),
    chunk('data', data, o.dataSizeField ?? dataBytes),
  ];
  const body = Buffer.concat(parts);
  const riff = Buffer.alloc(12);
  riff.write('RIFF', 0, 'latin1');
  riff.writeUInt32LE(4 + body.length, 4);
  riff.write('WAVE', 8, 'latin1');
  const file = Buffer.concat([riff, body]);
  return o.truncate ? file.subarray(0, file.length - o.truncate) : file;
}
