// Keccak-256 vectors from ethers (keccak256, backed by @noble/hashes) for
// tests/unit/test_keccak_ethers.c: messages of every length 0..300 and
// random lengths up to 600 bytes, random content from a seeded PRNG.
// Usage: node tests/ethers/gen_keccak.js OUT.json
'use strict';
const { keccak256, hexlify, version } = require('ethers');
const { outPath, writeJson, seeded } = require('./common');

const out = outPath();
const { int, randBytes } = seeded(0x6b656363); // "kecc"
const vectors = [];
function add(len) {
  const msg = randBytes(len);
  vectors.push({ msg: hexlify(msg), hash: keccak256(msg) });
}
for (let len = 0; len <= 300; len++) add(len);
for (let i = 0; i < 200; i++) add(int(601));

writeJson(out, { source: 'ethers ' + version + ' keccak256', vectors });
