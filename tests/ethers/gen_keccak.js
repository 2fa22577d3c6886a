// Keccak-256 vectors from ethers (keccak256, backed by @noble/hashes) for
// tests/unit/test_keccak_ethers.c: messages of every length 0..300 and
// random lengths up to 600 bytes, random content from a seeded PRNG.
// Usage: node tests/ethers/gen_keccak.js OUT.json
'use strict';
const fs = require('fs');
const path = require('path');
const { keccak256, hexlify } = require('ethers');

// mulberry32: a small deterministic PRNG (no Math.random).
function prng(seed) {
  let a = seed >>> 0;
  return function () {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const out = process.argv[2];
if (!out) {
  console.error('usage: gen_keccak.js OUT.json');
  process.exit(2);
}
const rnd = prng(0x6b656363); // "kecc"
const vectors = [];
function add(len) {
  const msg = new Uint8Array(len);
  for (let i = 0; i < len; i++) msg[i] = Math.floor(rnd() * 256);
  vectors.push({ msg: hexlify(msg), hash: keccak256(msg) });
}
for (let len = 0; len <= 300; len++) add(len);
for (let i = 0; i < 200; i++) add(Math.floor(rnd() * 601));

fs.mkdirSync(path.dirname(out), { recursive: true });
fs.writeFileSync(out, JSON.stringify({ source: 'ethers ' + require('ethers').version + ' keccak256', vectors }, null, 1));
