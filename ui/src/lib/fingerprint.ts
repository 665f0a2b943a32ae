// Host-key fingerprints as an owner copies them: from the provider's console, from
// `ssh-keygen -lf`, with or without the `SHA256:` prefix, with stray spaces.

/** The base64 body of a SHA-256 fingerprint, or null when the text is not one. */
export function fingerprintBody(text: string): string | null {
  const words = text.trim().split(/\s+/);
  // `ssh-keygen -lf` prints "256 SHA256:… comment (ED25519)"; take the word that is the hash.
  const word = words.find((w) => w.startsWith('SHA256:')) ?? (words.length === 1 ? words[0] : '');
  const body = word.replace(/^SHA256:/, '').replace(/=+$/, '');
  return /^[A-Za-z0-9+/]{43}$/.test(body) ? body : null;
}

/** True when what the owner typed or pasted names exactly the key the server shows. */
export function fingerprintMatches(typed: string, shown: string): boolean {
  const a = fingerprintBody(typed);
  return a !== null && a === fingerprintBody(shown);
}
