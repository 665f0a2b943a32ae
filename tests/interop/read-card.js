// Reads a PNG card the way SillyTavern does: png-chunks-extract (which checks every CRC and
// throws on a mismatch), png-chunk-text on tEXt chunks, the first `ccv3` by lowercase keyword,
// else the first `chara`, base64 -> UTF-8 -> JSON.
// Prints {"chunks": [...names], "used": "ccv3"|"chara", "card": {...}, "chara": {...}|null}.
const fs = require('fs');
const extract = require('png-chunks-extract');
const text = require('png-chunk-text');

const chunks = extract(new Uint8Array(fs.readFileSync(process.argv[2])));
const texts = chunks.filter((c) => c.name === 'tEXt').map((c) => text.decode(c.data));
const find = (k) => texts.find((t) => t.keyword.toLowerCase() === k);
const decode = (t) => (t ? JSON.parse(Buffer.from(t.text, 'base64').toString('utf8')) : null);
const chosen = find('ccv3') || find('chara');
if (!chosen) {
  console.error('no character data');
  process.exit(1);
}
process.stdout.write(JSON.stringify({
  chunks: chunks.map((c) => c.name),
  used: chosen.keyword,
  card: decode(chosen),
  chara: decode(find('chara')),
}));
