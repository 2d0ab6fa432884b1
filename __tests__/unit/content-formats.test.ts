/** The header readers on files built here: valid EDF/EDF+/BDF/WAV give the recording's facts, broken ones say what is wrong. */
import { readerFor, MalformedHeader, type FileFacts } from '../../src/content/formats';
import { edfFile, wavFile } from '../support/recording-files';

function read(format: string, file: Buffer): FileFacts {
  const reader = readerFor(format);
  if (!reader) throw new Error(`no reader for ${format}`);
  let need = 0;
  for (;;) {
    const r = reader.read(file.subarray(0, Math.max(need, 1)));
    if ('header' in r) return r.header.complete(file.length);
    if (r.need > file.length) throw new MalformedHeader(reader.name, 'test: file ends in header');
    need = r.need;
  }
}

const eeg = [
  { label: 'EEG Fp1', samplesPerRecord: 256 },
  { label: 'EEG Fp2', samplesPerRecord: 256 },
  { label: 'ECG', samplesPerRecord: 128, dimension: 'mV' },
];

describe('EDF, EDF+ and BDF headers', () => {
  test('when an EDF+ file is read, then rates, channels, duration, start and labels come from its header', () => {
    const facts = read(
      'application/x-edf',
      edfFile({ signals: [...eeg, { label: 'EDF Annotations', samplesPerRecord: 60 }], records: 10, reserved: 'EDF+C' }),
    );
    expect(facts).toMatchObject({ sampleRateHz: 256, channelCount: 3, durationMs: 10_000, recordedAt: new Date('2026-03-02T21:30:05Z') });
    expect(facts.fileHeader).toMatchObject({ format: 'EDF+C', dataRecords: 10, recordDurationSeconds: 1 });
    expect((facts.fileHeader.signals as Array<{ label: string }>).map((s) => s.label)).toEqual(['EEG Fp1', 'EEG Fp2', 'ECG']);
  });

  test('when the number of records is -1, then it is taken from the file size', () => {
    expect(read('application/edf', edfFile({ signals: eeg, records: 4, recordsField: -1, recordSeconds: 0.5 })).durationMs).toBe(2_000);
  });

  test('when a BDF file is read, then its 24-bit records are counted', () => {
    expect(read('application/x-bdf', edfFile({ signals: eeg, records: 3, bdf: true })).durationMs).toBe(3_000);
  });

  test('when the EDF+ recording field has a four-digit year, then it wins over the two-digit one', () => {
    const f = edfFile({ signals: eeg, records: 1, date: '02.03.84', recordingField: 'Startdate 02-MAR-1984 X X X' });
    expect(read('application/x-edf', f).recordedAt).toEqual(new Date('1984-03-02T21:30:05Z'));
  });

  test.each([
    ['a version other than 0', { patch: [{ offset: 0, text: '1' }] }, /version/],
    ['a header size that does not fit the signals', { patch: [{ offset: 184, text: '512     ' }] }, /header size/],
    ['a start date that is not a date', { date: '31.02.26' }, /start/],
    ['a non-numeric record count', { patch: [{ offset: 236, text: 'many    ' }] }, /number of data records/],
  ])('when the header has %s, then it is malformed', (_what, options, message) => {
    expect(() => read('application/x-edf', edfFile({ signals: eeg, records: 2, ...options }))).toThrow(message);
  });

  test('when the file is shorter than its records, then it is malformed', () => {
    const full = edfFile({ signals: eeg, records: 2 });
    expect(() => read('application/x-edf', full.subarray(0, full.length - 10))).toThrow(/data records/);
  });

  test('when a BDF lacks its BIOSEMI mark, then it is malformed', () => {
    const f = edfFile({ signals: eeg, records: 1, bdf: true });
    f[0] = 0x30;
    expect(() => read('application/x-bdf', f)).toThrow(MalformedHeader);
  });
});

describe('WAV headers', () => {
  test.each([
    ['PCM 16-bit', { encoding: 'pcm', bitsPerSample: 16 }],
    ['IEEE float', { encoding: 'float', bitsPerSample: 32 }],
    ['WAVE_FORMAT_EXTENSIBLE', { encoding: 'extensible', bitsPerSample: 24 }],
  ] as const)('when a %s file is read, then channels, rate and duration come from it', (_what, o) => {
    const facts = read('audio/wav', wavFile({ channels: 2, sampleRate: 8000, frames: 12_000, listChunk: true, ...o }));
    expect(facts).toMatchObject({ sampleRateHz: 8000, channelCount: 2, durationMs: 1500 });
    expect(facts.fileHeader).toMatchObject({ format: 'WAV', bitsPerSample: o.bitsPerSample });
  });

  test('when the data size is the streaming placeholder, then the file size gives the duration', () => {
    expect(
      read('audio/x-wav', wavFile({ channels: 1, sampleRate: 1000, bitsPerSample: 16, frames: 500, dataSizeField: 0xffffffff })).durationMs,
    ).toBe(500);
  });

  test('when the file is cut short of its data chunk, then it is malformed', () => {
    expect(() => read('audio/wav', wavFile({ channels: 1, sampleRate: 1000, bitsPerSample: 16, frames: 500, truncate: 100 }))).toThrow(
      /data chunk says/,
    );
  });

  test('when it is not RIFF/WAVE, then it is malformed', () => {
    expect(() => read('audio/wav', Buffer.from('OggS\x00\x02\x00\x00\x00\x00\x00\x00'))).toThrow(/RIFF/);
  });

  test('when block align does not fit channels and bits, then it is malformed', () => {
    const f = wavFile({ channels: 2, sampleRate: 8000, bitsPerSample: 16, frames: 10 });
    f.writeUInt16LE(3, 32); // fmt block align
    expect(() => read('audio/wav', f)).toThrow(/block align/);
  });

  test('when a format has no reader, then none is chosen', () => {
    expect(readerFor('application/octet-stream')).toBeUndefined();
    expect(readerFor('Audio/WAV; codecs=1')?.name).toBe('WAV');
  });
});
