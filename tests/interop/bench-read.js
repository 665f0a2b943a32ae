// Times SillyTavern's read path (png-chunks-extract + png-chunk-text + base64 + JSON.parse)
// on a PNG card, for the comparison in docs/PERFORMANCE.md. Usage: bench-read.js FILE [RUNS]
const fs = require('fs');
const extract = require('png-chunks-extract');
const text = require('png-chunk-text');

const file = fs.readFileSync(process.argv[2]);
const runs = Number(process.argv[3] || 20);
const read = () => {
  const texts = extract(new Uint8Array(file)).filter((c) => c.name === 'tEXt').map((c) => text.decode(c.data));
  const t = texts.find((x) => x.keyword.toLowerCase() === 'ccv3') || texts.find((x) => x.keyword.toLowerCase() === 'chara');
  return JSON.parse(Buffer.from(t.text, 'base64').toString('utf8'));
};
read();
const start = process.hrtime.bigint();
for (let i = 0; i < runs; i++) read();
const seconds = Number(process.hrtime.bigint() - start) / 1e9 / runs;
console.log(JSON.stringify({ bytes: file.length, ms: seconds * 1000, mb_per_s: file.length / seconds / 1e6 }));
