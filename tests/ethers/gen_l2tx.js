// L2 transaction vectors from ethers 6 for tests/unit/test_l2tx_ethers.c:
// Transfer and Withdraw transactions signed with Wallet.signTypedData under
// the documented schema (docs/l2-protocol.md §4), exactly as a wallet signs
// them: domain {name "Lamina", version "1", chainId, verifyingContract},
// primary type Transfer or Withdraw. For each: the 143-byte wire form built
// here with solidityPacked, its keccak256 (the tx hash), ethers'
// TypedDataEncoder domain separator, struct hash and digest, and what the
// STF must answer when the sender holds 2^64 - 1 of the asset and all 8
// assets exist ("expect": OK, or the first failing check of §4).
// Deterministic: fixed keys and a seeded PRNG.
// Usage: node tests/ethers/gen_l2tx.js OUT.json
'use strict';
const ethers = require('ethers');
const { TypedDataEncoder, Wallet, Signature, getAddress, hexlify, keccak256 } = ethers;
const {
  outPath, writeJson, runMain, seeded, SECP256K1_N: N, hex64, L2_TX_TYPES: TYPES, l2Wire,
} = require('./common');

const { int, randBytes, randU64, randKey } = seeded(0x12a7c);
const U64_MAX = (1n << 64n) - 1n;

// The STF's verdict for a sender with 2^64 - 1 of every asset, nonce base 0
// (docs/l2-protocol.md §4, checks in order after the signature).
function expected(t) {
  if (t.nonce >= 64n) return 'NONCE_TOO_HIGH';
  if (t.asset >= 8) return 'UNKNOWN_ASSET';
  if (t.amount === 0n) return 'ZERO_AMOUNT';
  if (t.amount + t.fee > U64_MAX) return 'INSUFFICIENT';
  return 'OK';
}

async function main() {
  const out = outPath();
  const keys = ['0x' + '00'.repeat(31) + '01', '0x' + (N - 1n).toString(16)];
  while (keys.length < 8) keys.push(randKey());
  const chains = [1n, 42161n, U64_MAX, 0x4c414d494e41n];
  const rollups = [
    '0x' + '00'.repeat(20),
    '0x' + 'ff'.repeat(20),
    getAddress(hexlify(randBytes(20))),
    hexlify(randBytes(20)).toLowerCase(),
  ];
  // Edge cases first, then random transactions.
  const edges = [
    { amount: U64_MAX, fee: 0n, nonce: 0n, asset: 0 },
    { amount: 1n, fee: U64_MAX - 1n, nonce: 63n, asset: 7 },
    { amount: 1n, fee: U64_MAX, nonce: 1n, asset: 1 },           // sum overflows
    { amount: U64_MAX, fee: 1n, nonce: 2n, asset: 0 },
    { amount: 0n, fee: 5n, nonce: 3n, asset: 0 },
    { amount: 5n, fee: 0n, nonce: 64n, asset: 0 },
    { amount: 5n, fee: 0n, nonce: U64_MAX, asset: 0 },
    { amount: 5n, fee: 0n, nonce: 4n, asset: 8 },
    { amount: 5n, fee: 0n, nonce: 5n, asset: 0xffffffff },
  ];
  const vectors = [];
  for (let i = 0; i < 60; i++) {
    const key = keys[i % keys.length];
    const wallet = new Wallet(key);
    const e = edges[i] || {
      amount: int(4) === 0 ? randU64() >> BigInt(int(64)) : BigInt(1 + int(1000000)),
      fee: int(3) === 0 ? 0n : BigInt(int(100000)),
      nonce: BigInt(int(64)),
      asset: int(8),
    };
    if (e.amount === 0n && i >= edges.length) e.amount = 1n;
    const type = i % 3 === 2 ? 'Withdraw' : 'Transfer';
    let to;
    switch (i % 5) {
      case 0: to = '0x' + '00'.repeat(20); break;
      case 1: to = '0x' + 'ff'.repeat(20); break;
      case 2: to = wallet.address; break; // to oneself
      default: to = getAddress(hexlify(randBytes(20)));
    }
    const chainId = chains[i % chains.length];
    const verifyingContract = rollups[(i >> 2) % rollups.length];
    const domain = { name: 'Lamina', version: '1', chainId, verifyingContract };
    const types = { [type]: TYPES[type] };
    const message = {
      from: wallet.address, to, asset: e.asset, amount: e.amount, fee: e.fee, nonce: e.nonce,
    };
    const signature = await wallet.signTypedData(domain, types, message);
    const sig = Signature.from(signature);
    const wire = l2Wire(type, chainId, message, sig);
    if ((wire.length - 2) / 2 !== 143) throw new Error('wire length');
    vectors.push({
      key,
      type,
      chainId: hex64(chainId),
      rollup: getAddress(verifyingContract),
      from: wallet.address,
      to: getAddress(to),
      asset: e.asset,
      amount: hex64(e.amount),
      fee: hex64(e.fee),
      nonce: hex64(e.nonce),
      signature,
      wire,
      txHash: keccak256(wire),
      domainSeparator: TypedDataEncoder.hashDomain(domain),
      structHash: TypedDataEncoder.from(types).hash(message),
      digest: TypedDataEncoder.hash(domain, types, message),
      expect: expected({ ...e }),
    });
  }
  writeJson(out, { generator: 'ethers ' + ethers.version, vectors });
}

runMain(main);
