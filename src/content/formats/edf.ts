/**
 * EDF, EDF+ and BDF headers (https://www.edfplus.info/specs/): a 256-byte fixed part, then 256
 * bytes per signal, all ASCII. BDF is EDF with 24-bit samples and a 0xFF "BIOSEMI" version.
 * The patient and recording identification fields are personal data and are not copied.
 */
import { MalformedHeader, type FileFacts, type FileHeader, type FormatReader, type HeaderRead, type JsonValue } from './types';

/** Sanity bound on the signal count (a header of 256 × (ns + 1) bytes). */
const MAX_SIGNALS = 4096;
const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];

interface Signal {
  label: string;
  transducer: string;
  physicalDimension: string;
  samplesPerRecord: number;
  annotations: boolean;
}

export function edfReader(bdf: boolean): FormatReader {
  const name = bdf ? 'BDF' : 'EDF';
  const fail = (detail: string): never => {
    throw new MalformedHeader(name, detail);
  };
  const ascii = (buf: Buffer, start: number, length: number, field: string): string => {
    const bytes = buf.subarray(start, start + length);
    if (bytes.some((b) => b < 0x20 || b > 0x7e)) fail(`the ${field} field has bytes that are not printable ASCII`);
    return bytes.toString('latin1').trim();
  };
  const integer = (text: string, field: string, min: number): number => {
    if (!/^[+-]?\d+$/.test(text)) fail(`the ${field} field is not an integer: "${text}"`);
    const n = Number(text);
    if (n < min) fail(`the ${field} field must be at least ${min}, is ${n}`);
    return n;
  };
  const decimal = (text: string, field: string): number => {
    if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text)) fail(`the ${field} field is not a number: "${text}"`);
    return Number(text);
  };

  return {
    name,
    read(prefix: Buffer): HeaderRead {
      if (prefix.length < 256) return { need: 256 };
      if (bdf) {
        if (prefix[0] !== 0xff || prefix.subarray(1, 8).toString('latin1') !== 'BIOSEMI') fail('it does not start with 0xFF "BIOSEMI"');
      } else if (ascii(prefix, 0, 8, 'version') !== '0') {
        fail('the version field is not "0"');
      }
      const ns = integer(ascii(prefix, 252, 4, 'number of signals'), 'number of signals', 1);
      if (ns > MAX_SIGNALS) fail(`more than ${MAX_SIGNALS} signals (${ns})`);
      const headerBytes = integer(ascii(prefix, 184, 8, 'header size'), 'header size', 0);
      if (headerBytes !== 256 * (ns + 1)) fail(`the header size field says ${headerBytes} bytes, ${ns} signals need ${256 * (ns + 1)}`);
      if (prefix.length < headerBytes) return { need: headerBytes };

      const reserved = ascii(prefix, 192, 44, 'reserved');
      const records = integer(ascii(prefix, 236, 8, 'number of data records'), 'number of data records', -1);
      const recordSeconds = decimal(ascii(prefix, 244, 8, 'data record duration'), 'data record duration');
      if (recordSeconds < 0) fail('the data record duration is negative');
      const startedAt = startOf(
        ascii(prefix, 168, 8, 'start date'),
        ascii(prefix, 176, 8, 'start time'),
        ascii(prefix, 88, 80, 'recording'),
        fail,
      );

      // Per-signal fields are stored field by field: ns labels, then ns transducers, …
      let at = 256;
      const column = (width: number, field: string): string[] => {
        const start = at;
        at += ns * width;
        return Array.from({ length: ns }, (_, i) => ascii(prefix, start + i * width, width, `${field} of signal ${i + 1}`));
      };
      const labels = column(16, 'label');
      const transducers = column(80, 'transducer');
      const dimensions = column(8, 'physical dimension');
      const physMin = column(8, 'physical minimum').map((v, i) => decimal(v, `physical minimum of signal ${i + 1}`));
      const physMax = column(8, 'physical maximum').map((v, i) => decimal(v, `physical maximum of signal ${i + 1}`));
      const digMin = column(8, 'digital minimum').map((v, i) => integer(v, `digital minimum of signal ${i + 1}`, -(2 ** 31)));
      const digMax = column(8, 'digital maximum').map((v, i) => integer(v, `digital maximum of signal ${i + 1}`, -(2 ** 31)));
      column(80, 'prefiltering');
      const samples = column(8, 'samples per record').map((v, i) => integer(v, `samples per record of signal ${i + 1}`, 1));

      const signals: Signal[] = labels.map((label, i) => ({
        label,
        transducer: transducers[i] ?? '',
        physicalDimension: dimensions[i] ?? '',
        samplesPerRecord: samples[i] ?? 0,
        annotations: label === 'EDF Annotations' || label === 'BDF Annotations',
      }));
      signals.forEach((s, i) => {
        if (s.annotations) return;
        if ((digMin[i] as number) >= (digMax[i] as number)) fail(`signal ${i + 1} (${s.label}): digital minimum is not below its maximum`);
        if (physMin[i] === physMax[i]) fail(`signal ${i + 1} (${s.label}): physical minimum equals its maximum`);
      });
      const ordinary = signals.filter((s) => !s.annotations);
      if (ordinary.length && recordSeconds === 0) fail('the data record duration is 0 although there are signals');

      const plus = /^(EDF|BDF)\+[CD]/.exec(reserved)?.[0];
      const bytesPerSample = bdf ? 3 : 2;
      const recordBytes = samples.reduce((a, b) => a + b, 0) * bytesPerSample;
      const header: FileHeader = {
        complete(totalBytes: number): FileFacts {
          const dataBytes = totalBytes - headerBytes;
          if (records >= 0 && dataBytes !== records * recordBytes) {
            fail(
              `the header announces ${records} data records of ${recordBytes} bytes (${records * recordBytes} bytes) but the file has ${dataBytes} bytes after its header`,
            );
          }
          if (records < 0 && dataBytes % recordBytes !== 0)
            fail(`the file ends inside a data record (${dataBytes} bytes after the header, records of ${recordBytes})`);
          const count = records >= 0 ? records : dataBytes / recordBytes;
          const rate = (s: Signal): number | null => (recordSeconds > 0 ? s.samplesPerRecord / recordSeconds : null);
          const rates = ordinary.map(rate).filter((r): r is number => r !== null);
          const durationMs = Math.round(count * recordSeconds * 1000);
          return {
            ...(rates.length ? { sampleRateHz: Math.max(...rates) } : {}),
            ...(ordinary.length ? { channelCount: ordinary.length } : {}),
            ...(durationMs <= 2_147_483_647 ? { durationMs } : {}),
            ...(startedAt ? { recordedAt: startedAt } : {}),
            fileHeader: {
              format: plus ?? name,
              dataRecords: count,
              recordDurationSeconds: recordSeconds,
              signals: ordinary.map((s) => ({
                label: s.label,
                sampleRateHz: rate(s),
                physicalDimension: s.physicalDimension,
                transducer: s.transducer,
              })) as JsonValue[],
            },
          };
        },
      };
      return { header };
    },
  };
}

/**
 * The start as a UTC instant (EDF stores local time without a zone). Years are two digits,
 * 1985–2084 (the EDF+ clipping rule), unless an EDF+ recording field gives `Startdate dd-MMM-yyyy`.
 */
function startOf(date: string, time: string, recording: string, fail: (d: string) => never): Date | undefined {
  const d = /^(\d\d)\.(\d\d)\.(\d\d)$/.exec(date);
  const t = /^(\d\d)\.(\d\d)\.(\d\d)$/.exec(time);
  if (!d) fail(`the start date is not dd.mm.yy: "${date}"`);
  if (!t) fail(`the start time is not hh.mm.ss: "${time}"`);
  const [day, month, yy] = [Number(d?.[1]), Number(d?.[2]), Number(d?.[3])];
  let year = yy >= 85 ? 1900 + yy : 2000 + yy;
  const plus = /^Startdate (\d\d)-([A-Z]{3})-(\d{4})/.exec(recording);
  if (plus && MONTHS.indexOf(plus[2] as string) + 1 === month && Number(plus[1]) === day) year = Number(plus[3]);
  const [h, m, s] = [Number(t?.[1]), Number(t?.[2]), Number(t?.[3])];
  const at = new Date(Date.UTC(year, month - 1, day, h, m, s));
  if (at.getUTCMonth() !== month - 1 || at.getUTCDate() !== day || h > 23 || m > 59 || s > 59)
    fail(`the start ${date} ${time} is not a valid date and time`);
  return at;
}
