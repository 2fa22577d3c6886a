// EIP-712 vectors from ethers 6 for tests/unit/test_eip712_ethers.c.
//
// A seeded PRNG builds typed-data documents with varied types (nested
// structs, arrays of structs, fixed and nested arrays, int/uint of many
// widths with negative values and extremes, bytesN, bytes, unicode strings,
// addresses in every case form, bools) and values in every form ethers
// takes (JSON numbers, decimal strings, 0x strings). For each, ethers gives
// TypedDataEncoder.encodeType / hashDomain / hash (struct) / hash (digest)
// and Wallet.signTypedData with one of several fixed keys. A second list
// holds malformed documents: the C hasher must reject each; "ethers" says
// whether ethers rejects it too or is laxer (a deliberate difference).
// Usage: node tests/ethers/gen_eip712.js OUT.json
'use strict';
const ethers = require('ethers');
const { TypedDataEncoder, Wallet, getAddress, hexlify, keccak256, toUtf8Bytes, verifyTypedData } = ethers;
const { outPath, writeJson, runMain, seeded } = require('./common');

const { int, pick, chance, randBytes, randBig } = seeded(0x00e1712);

const KEYS = [
  '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80', // anvil 0
  '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d', // anvil 1
  '0x0000000000000000000000000000000000000000000000000000000000000001',
  keccak256(toUtf8Bytes('cow')), // EIP-712 Example.js
  '0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364140', // n - 1
];

const STRUCT_NAMES = ['Order', 'Leg', 'asset', 'Person', 'Fee_2', '$meta', 'Zeta', 'alpha', 'Mail', 'Group', 'B', 'a_'];
const FIELD_NAMES = ['from', 'to', 'amount', 'nonce', 'data', 'salt', 'who', 'flag', 'memo', 'legs', 'x', 'y_1',
  'price', 'size', '$v', 'items', 'deadline', 'name', 'id', 'z'];
const STRINGS = ['', 'Hello, Bob!', 'héllo wörld', '日本語のテキスト', 'emoji 😀🚀', 'quote " and \\ backslash',
  'tab\tnewline\n', 'ümlaut ß', 'Ω≈ç√∫', 'a'.repeat(200)];

function atomicType() {
  switch (int(8)) {
    case 0: return 'uint' + (8 * (1 + int(32)));
    case 1: return 'int' + (8 * (1 + int(32)));
    case 2: return 'bytes' + (1 + int(32));
    case 3: return 'bool';
    case 4: return 'address';
    case 5: return 'bytes';
    case 6: return 'string';
    default: return pick(['uint256', 'int256', 'uint8', 'int8', 'bytes32', 'uint64']);
  }
}

// Builds a random DAG of struct types: struct i references only structs
// j > i, and every struct j > 0 is referenced by some earlier one, so the
// primary type (struct 0) is the unique root, as ethers requires.
function makeTypes() {
  const n = 1 + int(4);
  const names = [];
  while (names.length < n) {
    const nm = pick(STRUCT_NAMES);
    if (!names.includes(nm)) names.push(nm);
  }
  const fields = names.map(() => []);
  const used = names.map(() => new Set());
  function addField(i, type) {
    let nm;
    do nm = pick(FIELD_NAMES); while (used[i].has(nm));
    used[i].add(nm);
    fields[i].push({ name: nm, type });
  }
  function arrayOf(t) {
    let s = t;
    const dims = chance(0.8) ? 1 : 2;
    for (let d = 0; d < dims; d++) s += chance(0.5) ? '[]' : '[' + (1 + int(3)) + ']';
    return s;
  }
  for (let j = 1; j < n; j++) {
    const parent = int(j);
    addField(parent, chance(0.6) ? names[j] : arrayOf(names[j]));
  }
  for (let i = 0; i < n; i++) {
    const extra = (fields[i].length === 0 ? 1 : 0) + int(5);
    for (let k = 0; k < extra; k++) {
      let t = atomicType();
      if (chance(0.2)) t = arrayOf(t);
      // sometimes another (later) struct again
      if (i + 1 < n && chance(0.15)) t = names[i + 1 + int(n - i - 1)];
      addField(i, t);
    }
    // shuffle member order
    for (let k = fields[i].length - 1; k > 0; k--) {
      const m = int(k + 1);
      [fields[i][k], fields[i][m]] = [fields[i][m], fields[i][k]];
    }
  }
  const types = {};
  // primary type last in insertion order, so the C side cannot lean on it
  const order = names.map((_, i) => i).reverse();
  for (const i of order) types[names[i]] = fields[i];
  return { types, primary: names[0] };
}

// An integer in one of the forms ethers accepts.
function intForm(v) {
  const safe = v >= -9007199254740991n && v <= 9007199254740991n;
  const r = int(10);
  if (safe && r < 4) return Number(v);
  const neg = v < 0n, mag = neg ? -v : v;
  if (r < 7) return (neg ? '-' : '') + (chance(0.1) ? '00' : '') + mag.toString(10);
  return (neg ? '-' : '') + '0x' + (chance(0.1) ? '00' : '') + mag.toString(16);
}

function addressForm(bytes) {
  const lower = hexlify(bytes);
  switch (int(3)) {
    case 0: return getAddress(lower);
    case 1: return lower;
    default: return '0x' + lower.slice(2).toUpperCase();
  }
}

function value(types, type) {
  const arr = type.match(/^(.*)\[(\d*)\]$/);
  if (arr) {
    const len = arr[2] === '' ? int(4) : parseInt(arr[2]);
    const out = [];
    for (let i = 0; i < len; i++) out.push(value(types, arr[1]));
    return out;
  }
  if (types[type]) {
    const o = {};
    for (const f of types[type]) o[f.name] = value(types, f.type);
    return o;
  }
  let m;
  if ((m = type.match(/^uint(\d+)$/))) {
    const bits = parseInt(m[1]);
    const max = (1n << BigInt(bits)) - 1n;
    const r = int(6);
    const v = r === 0 ? 0n : r === 1 ? max : randBig(1 + int(bits));
    return intForm(v);
  }
  if ((m = type.match(/^int(\d+)$/))) {
    const bits = parseInt(m[1]);
    const max = (1n << BigInt(bits - 1)) - 1n, min = -(1n << BigInt(bits - 1));
    const r = int(7);
    let v = r === 0 ? min : r === 1 ? max : r === 2 ? -1n : r === 3 ? 0n : randBig(1 + int(bits - 1));
    if (r >= 4 && chance(0.6)) v = -v;
    if (v < min) v = min;
    return intForm(v);
  }
  if ((m = type.match(/^bytes(\d+)$/))) return hexlify(randBytes(parseInt(m[1])));
  if (type === 'bytes') return hexlify(randBytes(pick([0, 1, 31, 32, 33, 64, 100, 136, 137, 300])));
  if (type === 'string') return pick(STRINGS);
  if (type === 'bool') return chance(0.5);
  if (type === 'address') return addressForm(randBytes(20));
  throw new Error('no value for ' + type);
}

function makeDomain() {
  const d = {};
  if (chance(0.8)) d.name = pick(['Lamina', 'Ether Mail', 'Pérp DEX ✓', '']);
  if (chance(0.7)) d.version = pick(['1', '2', 'v3.0']);
  if (chance(0.8)) d.chainId = intForm(pick([1n, 31337n, 42069n, 10n ** 30n, randBig(64)]));
  if (chance(0.7)) d.verifyingContract = addressForm(randBytes(20));
  if (chance(0.3)) d.salt = hexlify(randBytes(32));
  return d;
}

async function main() {
  const out = outPath();
  const docs = [];
  for (let i = 0; i < 120; i++) {
    const { types, primary } = makeTypes();
    const domain = makeDomain();
    const message = value(types, primary);
    const enc = TypedDataEncoder.from(types);
    if (enc.primaryType !== primary) throw new Error('primary type mismatch');
    const key = KEYS[i % KEYS.length];
    const wallet = new Wallet(key);
    const signature = await wallet.signTypedData(domain, types, message);
    if (verifyTypedData(domain, types, message, signature) !== wallet.address) throw new Error('verify');
    // Half the documents carry the EIP712Domain type as wallets send it.
    const docTypes = Object.assign({}, types);
    if (i % 2 === 0) docTypes.EIP712Domain = TypedDataEncoder.getPayload(domain, types, message).types.EIP712Domain;
    docs.push({
      doc: { types: docTypes, primaryType: primary, domain, message },
      encodeType: enc.encodeType(primary),
      domainSeparator: TypedDataEncoder.hashDomain(domain),
      structHash: enc.hash(message),
      digest: TypedDataEncoder.hash(domain, types, message),
      key,
      address: wallet.address,
      signature,
    });
  }

  // Malformed documents, each a small change to a valid one.
  const base = () => ({
    types: {
      T: [
        { name: 'a', type: 'uint8' }, { name: 'b', type: 'int8' }, { name: 'c', type: 'uint16[2]' },
        { name: 'd', type: 'address' }, { name: 'e', type: 'bytes4' }, { name: 'f', type: 'bytes' },
        { name: 'g', type: 'string' }, { name: 'h', type: 'bool' }, { name: 'p', type: 'P' },
      ],
      P: [{ name: 'x', type: 'uint256' }],
    },
    primaryType: 'T',
    domain: { name: 'Lamina', chainId: 1 },
    message: {
      a: 1, b: -1, c: [1, 2], d: '0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed', e: '0x01020304',
      f: '0xabcd', g: 'x', h: true, p: { x: '0x10' },
    },
  });
  const cases = [
    ['uint8 out of range', (d) => { d.message.a = 256; }],
    ['uint8 negative', (d) => { d.message.a = -1; }],
    ['int8 below range', (d) => { d.message.b = '-129'; }],
    ['int8 above range', (d) => { d.message.b = 128; }],
    ['uint256 above 2^256', (d) => { d.message.p.x = '0x1' + 'f'.repeat(64); }],
    ['JSON number beyond 2^53', (d) => { d.message.p.x = 2 ** 60; }],
    ['fixed array too short', (d) => { d.message.c = [1]; }],
    ['fixed array too long', (d) => { d.message.c = [1, 2, 3]; }],
    ['bad EIP-55 checksum', (d) => { d.message.d = '0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD'; }],
    ['address too short', (d) => { d.message.d = '0x5aaeb6053f3e94c9b9a09f33669435e7ef1bea'; }],
    ['bytes4 of 3 bytes', (d) => { d.message.e = '0x010203'; }],
    ['bytes odd hex', (d) => { d.message.f = '0xabc'; }],
    ['bytes not hex', (d) => { d.message.f = '0xzz'; }],
    ['string member is a number', (d) => { d.message.g = 5; }],
    ['unknown type', (d) => { d.types.T[0].type = 'uint7'; }],
    ['undefined struct', (d) => { d.types.T[8].type = 'Q'; }],
    ['self reference', (d) => { d.types.P.push({ name: 'q', type: 'P' }); }],
    ['cycle through an array', (d) => { d.types.P.push({ name: 'q', type: 'T[]' }); }],
    ['duplicate member name', (d) => { d.types.P.push({ name: 'x', type: 'uint8' }); d.message.p.x = 1; }],
    ['missing uint member', (d) => { delete d.message.a; }],
    ['missing string member', (d) => { delete d.message.g; }],
    ['domain unknown key', (d) => { d.domain.chain = 1; }],
    ['domain chainId negative', (d) => { d.domain.chainId = -1; }],
    // Stricter than ethers on purpose (docs/crypto.md):
    ['missing bool member', (d) => { delete d.message.h; }],
    ['bool given as 1', (d) => { d.message.h = 1; }],
    ['extra member', (d) => { d.message.zz = 1; }],
    ['uint alias', (d) => { d.types.P[0].type = 'uint'; }],
  ];
  const invalid = [];
  for (const [why, mutate] of cases) {
    const d = base();
    mutate(d);
    let ethersRejects = false;
    try {
      TypedDataEncoder.hash(d.domain, d.types, d.message);
    } catch (e) {
      ethersRejects = true;
    }
    invalid.push({ why, ethers: ethersRejects ? 'rejects' : 'accepts', doc: d });
  }
  // the unmutated base must hash, or the cases prove nothing
  const b = base();
  const good = { doc: b, digest: TypedDataEncoder.hash(b.domain, b.types, b.message) };

  writeJson(out, { source: 'ethers ' + ethers.version, docs, base: good, invalid });
}

runMain(main);
