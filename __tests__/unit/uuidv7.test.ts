import { uuidv7 } from '../../src/resources/sql-row';

describe('uuidv7', () => {
  it('when ids are made, then each is an RFC 9562 version-7 UUID carrying the time it was made, and all differ', () => {
    const before = Date.now();
    const ids = Array.from({ length: 1000 }, () => uuidv7());
    const after = Date.now();
    for (const id of ids) {
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      const ms = parseInt(id.slice(0, 8) + id.slice(9, 13), 16);
      expect(ms).toBeGreaterThanOrEqual(before);
      expect(ms).toBeLessThanOrEqual(after);
    }
    expect(new Set(ids).size).toBe(ids.length);
    // The random part is not the same run of bytes each time (74 random bits per id).
    expect(new Set(ids.map((id) => id.slice(15))).size).toBe(ids.length);
  });
});
