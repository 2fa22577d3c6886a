// Writes ABI test vectors made by ethers v6 for tests/unit/test_abi_ethers.c.
//
//   node tests/ethers/gen_abi.js OUT.json
//
// Each case is a list of canonical types, values for them, and the bytes
// AbiCoder.defaultAbiCoder().encode(types, values) gives. The C test encodes
// the same values with lamina/abi.h and must get the same bytes, then decodes
// those bytes and must get the same values back. The types and values come
// from a seeded PRNG (no Math.random), so every run writes the same file:
// hand-picked extremes first, then random nested types (dynamic tuples and
// arrays inside each other, negative ints, empty and odd-length bytes,
// multi-byte UTF-8 strings).
//
// Value notation in the JSON (read by the C test):
//   uintN/intN  decimal string, "-" for negatives
//   address     "0x" + 40 hex digits (checksummed, as ethers prints)
//   bool        true / false
//   bytesN      "0x" + 2N hex digits;  bytes: "0x" + hex
//   string      a JSON string
//   T[k], T[], tuples: JSON arrays
'use strict';

const { AbiCoder, getAddress, hexlify, id, version } = require('ethers');
const { outPath, writeJson } = require('./common');

const out = outPath();

// xorshift128+ on BigInt, seeded: deterministic across runs and platforms.
let s0 = 0x9e3779b97f4a7c15n, s1 = 0xd1b54a32d192ed03n;
const M64 = (1n << 64n) - 1n;
function next64() {
  let x = s0;
  const y = s1;
  s0 = y;
  x ^= (x << 23n) & M64;
  s1 = x ^ y ^ (x >> 17n) ^ (y >> 26n);
  return (s1 + y) & M64;
}
function rand(n) { return Number(next64() % BigInt(n)); }
function pick(a) { return a[rand(a.length)]; }
function randBytes(n) {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = rand(256);
  return b;
}
function randBig(bits) {
  let v = 0n;
  for (let i = 0; i < bits; i += 64) v = (v << 64n) | next64();
  return v & ((1n << BigInt(bits)) - 1n);
}

// ---- random types --------------------------------------------------------

const WIDTHS = [8, 16, 24, 32, 40, 64, 72, 96, 128, 160, 200, 248, 256];

function randBaseType() {
  switch (rand(8)) {
    case 0: return 'uint' + pick(WIDTHS);
    case 1: return 'int' + pick(WIDTHS);
    case 2: return 'address';
    case 3: return 'bool';
    case 4: return 'bytes' + (1 + rand(32));
    case 5: return 'bytes';
    case 6: return 'string';
    default: return pick(['uint256', 'int256', 'bytes32', 'uint8', 'int8']);
  }
}

function randType(depth) {
  const r = rand(10);
  if (depth >= 4 || r < 5) return randBaseType();
  if (r < 7) { // tuple
    const n = 1 + rand(4);
    const m = [];
    for (let i = 0; i < n; i++) m.push(randType(depth + 1));
    return '(' + m.join(',') + ')';
  }
  const inner = randType(depth + 1);
  return inner + (r < 9 ? '[]' : '[' + (1 + rand(3)) + ']');
}

// ---- values for a type -------------------------------------------------------

// Splits "(a,(b,c)[],d)" into its top-level members.
function splitTuple(t) {
  const inner = t.slice(1, -1);
  const parts = [];
  let level = 0, start = 0;
  for (let i = 0; i < inner.length; i++) {
    const c = inner[i];
    if (c === '(') level++;
    else if (c === ')') level--;
    else if (c === ',' && level === 0) { parts.push(inner.slice(start, i)); start = i + 1; }
  }
  if (inner.length) parts.push(inner.slice(start));
  return parts;
}

const STRINGS = ['', 'a', 'Hello, world!', 'caf\u00e9', '\u65e5\u672c\u8a9e', '\u{1F600} emoji',
  'x'.repeat(31), 'y'.repeat(32), 'z'.repeat(33), 'line\nbreak "quoted" \\ back', 'nul\u0000inside'];

function randString() {
  if (rand(3) === 0) return pick(STRINGS);
  const cps = [0x41, 0x7a, 0x20, 0xe9, 0x3b1, 0x4e2d, 0x1f680, 0x7f, 0x80, 0x7ff, 0x800, 0xffff, 0x10000];
  let s = '';
  const n = rand(40);
  for (let i = 0; i < n; i++) s += String.fromCodePoint(pick(cps));
  return s;
}

// Returns [ethersValue, jsonValue].
function randValue(t) {
  let m;
  if ((m = t.match(/^(.*)\[(\d*)\]$/))) {
    const elem = m[1];
    const n = m[2] === '' ? pick([0, 1, 2, 3, rand(6)]) : Number(m[2]);
    const ev = [], jv = [];
    for (let i = 0; i < n; i++) { const [e, j] = randValue(elem); ev.push(e); jv.push(j); }
    return [ev, jv];
  }
  if (t.startsWith('(')) {
    const ev = [], jv = [];
    for (const mt of splitTuple(t)) { const [e, j] = randValue(mt); ev.push(e); jv.push(j); }
    return [ev, jv];
  }
  if ((m = t.match(/^uint(\d+)$/))) {
    const bits = Number(m[1]);
    const max = (1n << BigInt(bits)) - 1n;
    const v = pick([0n, 1n, max, max - 1n, randBig(bits), randBig(rand(bits) + 1)]);
    return [v, v.toString()];
  }
  if ((m = t.match(/^int(\d+)$/))) {
    const bits = Number(m[1]);
    const max = (1n << BigInt(bits - 1)) - 1n, min = -(1n << BigInt(bits - 1));
    let v = pick([0n, 1n, -1n, max, min, min + 1n, randBig(bits - 1), -randBig(bits - 1),
      -randBig(rand(bits - 1) + 1)]);
    if (v < min) v = min;
    return [v, v.toString()];
  }
  if (t === 'address') {
    const a = getAddress(hexlify(pick([randBytes(20), new Uint8Array(20), new Uint8Array(20).fill(255)])));
    return [a, a];
  }
  if (t === 'bool') { const b = rand(2) === 1; return [b, b]; }
  if ((m = t.match(/^bytes(\d+)$/))) {
    const h = hexlify(randBytes(Number(m[1])));
    return [h, h];
  }
  if (t === 'bytes') {
    const h = hexlify(randBytes(pick([0, 1, 31, 32, 33, 64, rand(100)])));
    return [h, h];
  }
  if (t === 'string') { const s = randString(); return [s, s]; }
  throw new Error('no value for ' + t);
}

// ---- cases ---------------------------------------------------------------------

const coder = AbiCoder.defaultAbiCoder();
const cases = [];
function add(types, ev, jv) {
  cases.push({ types, values: jv, encoded: coder.encode(types, ev) });
}
function addRandom(types) {
  const ev = [], jv = [];
  for (const t of types) { const [e, j] = randValue(t); ev.push(e); jv.push(j); }
  add(types, ev, jv);
}

// Extremes, by hand.
const U256MAX = (1n << 256n) - 1n, I256MIN = -(1n << 255n), I256MAX = (1n << 255n) - 1n;
add(['uint256', 'uint256', 'int256', 'int256', 'int256'], [0n, U256MAX, I256MIN, I256MAX, -1n],
  ['0', U256MAX.toString(), I256MIN.toString(), I256MAX.toString(), '-1']);
add(['int8', 'int8', 'int8', 'uint8', 'int24', 'int40'], [-128n, 127n, -1n, 255n, -8388608n, -1n],
  ['-128', '127', '-1', '255', '-8388608', '-1']);
add([], [], []);
add(['bytes', 'string', 'bytes[]', 'string[]'], ['0x', '', [], []], ['0x', '', [], []]);
add(['bytes1', 'bytes32'], ['0xff', '0x' + 'ab'.repeat(32)], ['0xff', '0x' + 'ab'.repeat(32)]);
{
  const a = getAddress('0x' + 'ff'.repeat(20));
  add(['address', 'bool', 'bool'], [a, true, false], [a, true, false]);
}
// The specification's examples, through ethers as well.
add(['uint256', 'uint32[]', 'bytes10', 'bytes'],
  [0x123n, [0x456n, 0x789n], hexlify(Buffer.from('1234567890')), hexlify(Buffer.from('Hello, world!'))],
  ['291', ['1110', '1929'], hexlify(Buffer.from('1234567890')), hexlify(Buffer.from('Hello, world!'))]);
add(['uint256[][]', 'string[]'], [[[1n, 2n], [3n]], ['one', 'two', 'three']],
  [[['1', '2'], ['3']], ['one', 'two', 'three']]);
// Nested dynamic tuples and arrays, fixed shapes with random values.
for (const types of [
  ['(uint256,address,bytes,(uint8,string)[])'],
  ['(string,(bytes,int16[])[2])[]', 'bool'],
  ['string[2][]', 'bytes[][3]'],
  ['((uint8,bool)[],(string,bytes32)[2],int256)'],
  ['(bytes3,(int72,string[])[])[2]'],
  ['uint8[3][2]', '(bool,address)[2]', 'int64[]'],
]) {
  for (let k = 0; k < 4; k++) addRandom(types);
}
// Random types.
for (let i = 0; i < 300; i++) {
  const n = rand(5);
  const types = [];
  for (let j = 0; j < n; j++) types.push(randType(0));
  addRandom(types);
}

// Function selectors: keccak256 of the canonical signature, first 4 bytes.
const selectors = [];
for (const sig of ['transfer(address,uint256)', 'baz(uint32,bool)', 'f(uint256,uint32[],bytes10,bytes)',
  'g(uint256[][],string[])', 'deposit()', 'submit((uint256,address,bytes,(uint8,string)[]))']) {
  selectors.push({ signature: sig, selector: id(sig).slice(0, 10) });
}
for (let i = 0; i < 40; i++) {
  const types = [];
  for (let j = rand(4); j > 0; j--) types.push(randType(0));
  const sig = 'fn' + i + '(' + types.join(',') + ')';
  selectors.push({ signature: sig, selector: id(sig).slice(0, 10) });
}

writeJson(out, {
  generator: 'tests/ethers/gen_abi.js with ethers ' + version,
  cases, selectors,
}, { newline: true });
console.log(`gen_abi: ${cases.length} cases, ${selectors.length} selectors -> ${out}`);
