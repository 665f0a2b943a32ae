// Writes a card into a PNG the way SillyTavern does: png-chunks-extract, drop every tEXt
// `chara`/`ccv3`, add `chara` (the JSON as given) and `ccv3` (spec bumped to V3) before IEND,
// png-chunks-encode. Usage: write-card.js IN.png CARD.json OUT.png
const fs = require('fs');
const extract = require('png-chunks-extract');
const encode = require('png-chunks-encode');
const text = require('png-chunk-text');

const [input, cardPath, output] = process.argv.slice(2);
const json = fs.readFileSync(cardPath, 'utf8');
const chunks = extract(new Uint8Array(fs.readFileSync(input))).filter((c) => {
  if (c.name !== 'tEXt') return true;
  const k = text.decode(c.data).keyword.toLowerCase();
  return k !== 'chara' && k !== 'ccv3';
});
chunks.splice(-1, 0, text.encode('chara', Buffer.from(json, 'utf8').toString('base64')));
const v3 = JSON.parse(json);
v3.spec = 'chara_card_v3';
v3.spec_version = '3.0';
chunks.splice(-1, 0, text.encode('ccv3', Buffer.from(JSON.stringify(v3), 'utf8').toString('base64')));
fs.writeFileSync(output, Buffer.from(encode(chunks)));
