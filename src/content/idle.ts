/** A stall detector: fails a stream with 408 when no byte arrives for a while. */
import { HttpError } from '../core/errors';

export const uploadStalled = (ms: number): HttpError =>
  new HttpError({
    status: 408,
    type: 'request-timeout',
    title: 'Request Timeout',
    detail: `No bytes arrived for ${Math.round(ms / 1000)} s; the upload was abandoned`,
    headers: { Connection: 'close' },
  });

/** Calls `onIdle` when `touch()` has not been called for `ms` (0: never). */
export class IdleTimer {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly ms: number,
    private readonly onIdle: (err: HttpError) => void,
  ) {
    this.touch();
  }

  touch(): void {
    if (!this.ms) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.onIdle(uploadStalled(this.ms)), this.ms).unref();
  }

  stop(): void {
    clearTimeout(this.timer);
  }
}
