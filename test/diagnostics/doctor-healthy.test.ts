// A healthy store and a linked app: every check passes, the exit code is 0, and the JSON carries
// no secret of the link, the client or the server.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDoctorFixture, type DoctorFixture } from './doctor-fixture.js';

describe('doctor on a healthy store', () => {
  let f: DoctorFixture;
  beforeAll(async () => {
    f = await startDoctorFixture();
  });
  afterAll(() => f?.close());

  it('passes every check and exits 0', async () => {
    const clientId = await f.linkedClient({ resources: ['Magento_Catalog::products'] });
    const r = await f.doctor('--client', clientId);
    console.log(JSON.stringify(r.checks, null, 1));
    expect(r.checks.filter((c) => c.status !== 'pass' && c.status !== 'skip')).toEqual([]);
    expect(r.code).toBe(0);
  });
});
