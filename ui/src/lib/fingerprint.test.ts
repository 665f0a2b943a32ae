import { describe, expect, it } from 'vitest';
import { fingerprintBody, fingerprintMatches } from './fingerprint';

const shown = 'SHA256:nThbg6kXUpJWGl7E1IGOCspRomTxdCARLviKw6E5SY8';

describe('fingerprintMatches', () => {
  it('accepts the fingerprint as consoles and ssh-keygen print it', () => {
    expect(fingerprintMatches(shown, shown)).toBe(true);
    expect(fingerprintMatches('  nThbg6kXUpJWGl7E1IGOCspRomTxdCARLviKw6E5SY8 ', shown)).toBe(true);
    expect(fingerprintMatches(`256 ${shown} root@vps (ED25519)`, shown)).toBe(true);
  });

  it('refuses anything else, including a near miss', () => {
    expect(fingerprintMatches('', shown)).toBe(false);
    expect(fingerprintMatches('yes', shown)).toBe(false);
    expect(fingerprintMatches(shown.slice(0, -1) + '9', shown)).toBe(false);
    expect(fingerprintMatches(shown.toLowerCase(), shown)).toBe(false);
    expect(fingerprintBody('SHA256:short')).toBeNull();
  });
});
