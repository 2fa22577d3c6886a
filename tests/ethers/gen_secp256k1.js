// secp256k1 / address / EIP-191 vectors from ethers 6 for
// tests/unit/test_secp256k1_ethers.c: random private keys (seeded PRNG)
// with their public keys, addresses (computeAddress, EIP-55 getAddress) and
// signatures of random digests (SigningKey.sign, RFC 6979); personal
// messages with hashMessage and Wallet.signMessageSync; random addresses
// with getAddress.
// Usage: node tests/ethers/gen_secp256k1.js OUT.json
'use strict';
const ethers = require('ethers');
const { SigningKey, Wallet, computeAddress, getAddress, hashMessage, hexlify } = ethers;
const { outPath, writeJson, seeded, SECP256K1_N: N } = require('./common');

const { randBytes, randKey } = seeded(0x5ec9256);

const out = outPath();

// A few edge keys first: 2, n - 1, 0x0101…01; then random valid keys.
const SPECIAL = [
  '0x' + '00'.repeat(31) + '02',
  '0x' + (N - 1n).toString(16),
  '0x' + '01'.repeat(32),
];
const keys = [];
for (let i = 0; i < 100; i++) {
  const key = SPECIAL[i] || randKey();
  const sk = new SigningKey(key);
  const digest = hexlify(randBytes(32));
  keys.push({
    key,
    publicKey: sk.publicKey, // 0x04 || X || Y
    compressed: sk.compressedPublicKey,
    address: computeAddress(key),
    digest,
    signature: sk.sign(digest).serialized,
  });
}

const messages = [];
const texts = ['', 'Hello World', 'Lamina ✓', '日本語', '😀', 'a\nb', '\u0019Ethereum Signed Message:\n0'];
for (const t of texts) messages.push(t);
for (const len of [1, 9, 10, 11, 99, 100, 101, 999, 1000, 1001]) messages.push(randBytes(len));
const eip191 = messages.map((m, i) => {
  const w = new Wallet(keys[i % keys.length].key);
  return {
    message: typeof m === 'string' ? hexlify(ethers.toUtf8Bytes(m)) : hexlify(m),
    hash: hashMessage(m),
    key: w.privateKey,
    signature: w.signMessageSync(m),
  };
});

const addresses = [];
for (let i = 0; i < 100; i++) addresses.push(getAddress(hexlify(randBytes(20))));

writeJson(out, { source: 'ethers ' + ethers.version, keys, eip191, addresses });
