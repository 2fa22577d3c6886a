// Keystore v3 vectors from ethers 6 for tests/unit/test_keystore_ethers.c.
// For fixed keys and passwords, and salt / iv / uuid from a seeded PRNG:
//  - "ethers": ethers' encryptKeystoreJsonSync output (scrypt with small N
//    for speed; ethers writes "Crypto"), which the C reader must decrypt to
//    the same key and address;
//  - "lamina": the same keystore laid out exactly as Lamina's writer lays
//    it out (lowercase "crypto", the fields of include/lamina/keystore.h),
//    which ethers' decryptKeystoreJsonSync is checked here to open to the
//    same address; the C writer, given the same salt / iv / uuid, must
//    produce a document equal to it (as JSON values).
// Deterministic: fixed keys and a seeded PRNG.
// Usage: node tests/ethers/gen_keystore.js OUT.json
'use strict';
const ethers = require('ethers');
const { Wallet, hexlify, toUtf8Bytes, encryptKeystoreJsonSync, decryptKeystoreJsonSync } = ethers;
const { outPath, writeJson, seeded } = require('./common');

const file = outPath();
const { randBytes } = seeded(0x6b657973);

// Passwords are NFKC-stable so that ethers' normalization changes nothing.
const cases = [
  { key: '0x' + '01'.repeat(32), password: 'password', n: 1024, r: 8, p: 1 },
  { key: '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80', password: '', n: 4096, r: 8, p: 1 },
  { key: '0x7a28b5ba57c53603b0b07b56bba752f7784bf506fa95edc395f5cf6c7514fe9d', password: 'testpassword', n: 2048, r: 4, p: 2 },
  { key: '0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364140', password: 'p\u00e4ssw\u00f6rd \u2603 long enough to be a passphrase', n: 4096, r: 8, p: 1 },
  { key: hexlify(randBytes(32)), password: 'x', n: 16, r: 1, p: 1 },
];

const out = [];
for (const c of cases) {
  const wallet = new Wallet(c.key);
  const salt = randBytes(32), iv = randBytes(16), uuid = randBytes(16);
  const account = { address: wallet.address, privateKey: wallet.privateKey };
  const json = encryptKeystoreJsonSync(account, c.password, {
    salt, iv, uuid, scrypt: { N: c.n, r: c.r, p: c.p },
  });
  const doc = JSON.parse(json);
  const cr = doc.Crypto;
  // Lamina's layout of the same keystore.
  const lamina = {
    address: doc.address,
    id: doc.id,
    version: 3,
    crypto: {
      cipher: 'aes-128-ctr',
      cipherparams: { iv: cr.cipherparams.iv },
      ciphertext: cr.ciphertext,
      kdf: 'scrypt',
      kdfparams: { dklen: 32, n: c.n, p: c.p, r: c.r, salt: cr.kdfparams.salt },
      mac: cr.mac,
    },
  };
  const laminaText = JSON.stringify(lamina, null, 2);
  const back = decryptKeystoreJsonSync(laminaText, c.password);
  if (back.address !== wallet.address || back.privateKey !== wallet.privateKey)
    throw new Error('ethers could not open the Lamina layout');
  out.push({
    key: wallet.privateKey,
    address: wallet.address,
    password: hexlify(toUtf8Bytes(c.password)),
    n: c.n, r: c.r, p: c.p,
    salt: hexlify(salt), iv: hexlify(iv), uuid: hexlify(uuid),
    ethers: json,
    lamina: laminaText,
  });
}

writeJson(file, { source: 'ethers ' + ethers.version, vectors: out });
