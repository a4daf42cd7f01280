// dashboard/src/stream_json.js: the /trials answer parsed while it arrives must equal
// JSON.parse of the whole answer, whatever the chunk boundaries (inside strings, escapes,
// multi-byte characters, nested brackets, the "trials" key itself), with members before and
// after the trials and a top-level array that is not "trials".
//   node tests/dashboard/stream_json_test.mjs
import assert from 'node:assert/strict';
import { TrialsStreamParser } from '../../dashboard/src/stream_json.js';

const enc = new TextEncoder();
let seed = 7;
const rnd = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);

function parseChunked(text, maxChunk) {
  const bytes = enc.encode(text);
  const p = new TrialsStreamParser();
  for (let i = 0; i < bytes.length; ) {
    const n = 1 + Math.floor(rnd() * maxChunk);
    p.push(bytes.slice(i, i + n));
    i += n;
  }
  return p.finish();
}

function trial(i) {
  return {
    number: i,
    state: i % 3 ? 'COMPLETE' : 'PRUNED',
    values: i % 3 ? [i / 7] : null,
    params: { x: i * 0.5, 'k"é€😀': ['a]', 'b}', '\\"{['][i % 3] },
    intermediate_values: [[0, 1.5], [1, -2e-7]],
    user_attrs: { note: '<script>alert(1)</script>', nested: { a: [[{}], []] } },
  };
}

const cases = [
  '{"version":5,"trials":[]}',
  ' { "version" : 5 , "trials" : [ ] } ',
  JSON.stringify({ distributions: { 'x\u00e9': { a: ']}[{' } }, trials: [trial(1), trial(2)], version: 7 }),
  JSON.stringify({ other: [1, [2], { t: 3 }], trials: [trial(0)], more: '"trials":[', version: 9 }),
  JSON.stringify({ trials: Array.from({ length: 200 }, (_, i) => trial(i)), version: 11 }, null, 1),
  JSON.stringify({ version: 1, trials: Array.from({ length: 50 }, (_, i) => trial(i)) }),
];
let n = 0;
for (const text of cases) {
  const want = JSON.parse(text);
  for (const maxChunk of [1, 2, 3, 5, 17, 64, 1000, 1 << 20]) {
    for (let r = 0; r < 4; r++) {
      assert.deepEqual(parseChunked(text, maxChunk), want, `chunks up to ${maxChunk} bytes of ${text.slice(0, 80)}`);
      n++;
    }
  }
}
const p = new TrialsStreamParser();
p.push(enc.encode(JSON.stringify({ trials: [trial(1), trial(2), trial(3)], version: 3 })));
assert.equal(p.count, 3, 'count of parsed trials');
console.log(`stream_json: ${n} chunkings of ${cases.length} answers parse as JSON.parse does`);
