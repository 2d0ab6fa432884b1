/** Path ids are checked by the type of the model's primary key, as the metadata gives it. */
import { parseId } from '../../src/api/http';
import { HttpError } from '../../src/core/errors';
import { descriptors } from '../../src/resources/registry';
import type { ResourceDescriptor } from '../../src/resources/descriptor';
import type { FieldSpec } from '../../src/models/fields';

const sessions = descriptors.find((d) => d.name === 'sessions') as ResourceDescriptor;
const withId = (id: FieldSpec): ResourceDescriptor => ({ ...sessions, fields: { ...sessions.fields, id } });

function statusOf(d: ResourceDescriptor, raw: string): number | 'accepted' {
  try {
    parseId(d, raw);
    return 'accepted';
  } catch (err) {
    return err instanceof HttpError ? err.status : -1;
  }
}

describe('parseId', () => {
  it('when the id is an integer column, then integers are numbers and anything else is a 400', () => {
    const ints = withId({ kind: 'int' });
    expect(parseId(ints, '42')).toBe(42);
    expect(parseId(ints, '-7')).toBe(-7);
    for (const raw of ['1.5', 'abc', '0x10', '', '99999999999', '0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b']) {
      expect({ raw, status: statusOf(ints, raw) }).toEqual({ raw, status: 400 });
    }
  });

  it('when the id is a BigInt (the event log), then it is a BigInt and a non-integer is a 400', () => {
    const events = descriptors.find((d) => d.name === 'event-log') as ResourceDescriptor;
    expect(parseId(events, '9007199254740993')).toBe(9007199254740993n);
    expect(statusOf(events, '1e3')).toBe(400);
  });

  it('when the id is a UUID, then it is lower-cased and a non-UUID is a 400, as before', () => {
    expect(parseId(sessions, '0193A1B2-C3D4-7E5F-8A9B-0C1D2E3F4A5B')).toBe('0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b');
    expect(statusOf(sessions, '42')).toBe(400);
  });

  it('when the id is text, then any text is accepted', () => {
    expect(parseId(withId({ kind: 'string' }), 'eeg-lab-1')).toBe('eeg-lab-1');
  });

  it('when a descriptor’s fields have no id, then that is a programming error, not a 400', () => {
    const { id: _id, ...rest } = sessions.fields;
    expect(() => parseId({ ...sessions, fields: rest }, '1')).toThrow('sessions has no id field');
  });
});
