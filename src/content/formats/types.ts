/** What a file's header says, for the formats whose headers the platform reads (src/content/formats). */

/** A JSON value for the recording's metadata. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** The recording fields a header fills, and what goes into `metadata.fileHeader`. */
export interface FileFacts {
  sampleRateHz?: number;
  channelCount?: number;
  durationMs?: number;
  recordedAt?: Date;
  fileHeader: { [key: string]: JsonValue };
}

/** A header that was read: `complete` checks it against the whole file's size. */
export interface FileHeader {
  complete(totalBytes: number): FileFacts;
}

/** Reading the start of a file: either more bytes are needed, or the header is read. */
export type HeaderRead = { need: number } | { header: FileHeader };

export interface FormatReader {
  /** The format's name in messages: EDF, BDF, WAV. */
  name: string;
  /** Reads the header from the file's first bytes; throws MalformedHeader. */
  read(prefix: Buffer): HeaderRead;
}

/** The file does not have a valid header of its declared format. */
export class MalformedHeader extends Error {
  constructor(
    readonly format: string,
    detail: string,
  ) {
    super(`not a valid ${format} file: ${detail}`);
    this.name = 'MalformedHeader';
  }
}
