/**
 * WAV headers: RIFF (and RF64 for files over 4 GiB) with a `fmt ` chunk of PCM, IEEE float or
 * WAVE_FORMAT_EXTENSIBLE (other codecs: channels and rate only), then the `data` chunk.
 * Chunks before `data` are walked in the first bytes of the file (see MAX_HEADER_BYTES).
 */
import { MalformedHeader, type FileFacts, type FormatReader, type HeaderRead } from './types';

const PCM = 1;
const FLOAT = 3;
const EXTENSIBLE = 0xfffe;
/** The rest of the KSDATAFORMAT_SUBTYPE_* GUIDs after their first two bytes (the format tag). */
const SUBTYPE_TAIL = Buffer.from('000000001000800000aa00389b71', 'hex');
const UNKNOWN_SIZE = 0xffffffff;

interface Format {
  tag: number;
  channels: number;
  sampleRate: number;
  blockAlign: number;
  bitsPerSample: number;
  channelMask?: number;
}

const fail = (detail: string): never => {
  throw new MalformedHeader('WAV', detail);
};

function readFormat(body: Buffer): Format {
  if (body.length < 16) fail(`the fmt chunk has ${body.length} bytes, at least 16 are needed`);
  const format: Format = {
    tag: body.readUInt16LE(0),
    channels: body.readUInt16LE(2),
    sampleRate: body.readUInt32LE(4),
    blockAlign: body.readUInt16LE(12),
    bitsPerSample: body.readUInt16LE(14),
  };
  if (format.tag === EXTENSIBLE) {
    if (body.length < 40) fail('WAVE_FORMAT_EXTENSIBLE needs a 40-byte fmt chunk');
    format.channelMask = body.readUInt32LE(20);
    if (!body.subarray(26, 40).equals(SUBTYPE_TAIL)) fail('the WAVE_FORMAT_EXTENSIBLE sub-format is not a known GUID');
    format.tag = body.readUInt16LE(24);
  }
  if (format.channels < 1) fail('the fmt chunk says 0 channels');
  if (format.sampleRate < 1) fail('the fmt chunk says a sample rate of 0');
  if (format.blockAlign < 1) fail('the fmt chunk says a block align of 0');
  if (format.tag === PCM || format.tag === FLOAT) {
    const allowed = format.tag === PCM ? [8, 16, 24, 32] : [32, 64];
    if (!allowed.includes(format.bitsPerSample)) fail(`${format.bitsPerSample} bits per sample is not valid for this encoding`);
    const expected = format.channels * (format.bitsPerSample / 8);
    if (format.blockAlign !== expected)
      fail(`block align is ${format.blockAlign}, ${format.channels} channels of ${format.bitsPerSample} bits need ${expected}`);
  }
  return format;
}

export const wavReader: FormatReader = {
  name: 'WAV',
  read(prefix: Buffer): HeaderRead {
    if (prefix.length < 12) return { need: 12 };
    const riff = prefix.toString('latin1', 0, 4);
    if ((riff !== 'RIFF' && riff !== 'RF64') || prefix.toString('latin1', 8, 12) !== 'WAVE')
      fail('it does not start with RIFF/RF64 … WAVE');
    let format: Format | undefined;
    let ds64Data: number | undefined;
    let at = 12;
    for (;;) {
      if (prefix.length < at + 8) return { need: at + 8 };
      const id = prefix.toString('latin1', at, at + 4);
      const size = prefix.readUInt32LE(at + 4);
      const body = at + 8;
      if (id === 'data') {
        if (!format) fail('the data chunk comes before the fmt chunk');
        const declared = riff === 'RF64' && size === UNKNOWN_SIZE ? ds64Data : size;
        return { header: { complete: (total) => facts(format as Format, body, declared, total) } };
      }
      if (prefix.length < body + size) return { need: body + size };
      if (id === 'fmt ') format = readFormat(prefix.subarray(body, body + size));
      if (id === 'ds64') {
        if (size < 16) fail('the ds64 chunk is too short');
        ds64Data = Number(prefix.readBigUInt64LE(body + 8));
      }
      at = body + size + (size % 2); // chunks are padded to an even size
    }
  },
};

function facts(format: Format, dataOffset: number, declared: number | undefined, total: number): FileFacts {
  const available = total - dataOffset;
  if (available < 0) fail('the file ends inside the data chunk header');
  // 0 and 0xFFFFFFFF are what streaming writers leave before they know the size: take the file's.
  const dataBytes = declared === undefined || declared === 0 || declared === UNKNOWN_SIZE ? available : declared;
  if (dataBytes > available) fail(`the data chunk says ${dataBytes} bytes but the file has ${available} after its header`);
  const frames = Math.floor(dataBytes / format.blockAlign);
  const known = format.tag === PCM || format.tag === FLOAT;
  const durationMs = Math.floor((frames * 1000) / format.sampleRate);
  return {
    sampleRateHz: format.sampleRate,
    channelCount: format.channels,
    ...(known && durationMs <= 2_147_483_647 ? { durationMs } : {}),
    fileHeader: {
      format: 'WAV',
      encoding: format.tag === PCM ? 'PCM' : format.tag === FLOAT ? 'IEEE float' : `format tag 0x${format.tag.toString(16)}`,
      bitsPerSample: format.bitsPerSample,
      dataBytes,
      ...(format.channelMask === undefined ? {} : { channelMask: format.channelMask }),
    },
  };
}
