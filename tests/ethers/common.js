// Shared pieces of the ethers vector generators (tests/ethers/gen_*.js):
// the output path and file, a seeded PRNG with the random helpers drawn
// from it, and the hex / key / L2 transaction helpers more than one
// generator needs. Not a generator itself (ctest runs only gen_*.js).
'use strict';
const fs = require('fs');
const path = require('path');
const { hexlify, solidityPacked } = require('ethers');

// The output file named on the command line; exits 2 with a usage line
// when there is none.
function outPath() {
  const out = process.argv[2];
  if (!out) {
    console.error('usage: node ' + path.relative(process.cwd(), process.argv[1]) + ' OUT.json');
    process.exit(2);
  }
  return out;
}

// Writes `value` as JSON (one-space indent) to `file`, creating its
// directory; `newline` adds a final '\n'.
function writeJson(file, value, { newline = false } = {}) {
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  fs.writeFileSync(file, JSON.stringify(value, null, 1) + (newline ? '\n' : ''));
}

// Runs an async main, exiting 1 with the error when it fails.
function runMain(main) {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}

// mulberry32: a small deterministic PRNG (no Math.random); returns a
// function giving floats in [0, 1).
function mulberry32(seed) {
  let a = seed >>> 0;
  return function () {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// The secp256k1 group order.
const SECP256K1_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

// Random helpers over one mulberry32 stream seeded with `seed`. Each draws
// from the stream in a fixed way, so a generator's output depends only on
// its seed and the order of its calls.
function seeded(seed) {
  const rnd = mulberry32(seed);
  const int = (n) => Math.floor(rnd() * n); // 0..n-1
  function randBytes(n) {
    const b = new Uint8Array(n);
    for (let i = 0; i < n; i++) b[i] = int(256);
    return b;
  }
  // Uniform in [0, 2^bits), one byte drawn per 8 bits (rounded up).
  function randBig(bits) {
    let v = 0n;
    for (let i = 0; i < bits; i += 8) v = (v << 8n) | BigInt(int(256));
    return v & ((1n << BigInt(bits)) - 1n);
  }
  // A valid secp256k1 private key (1..n-1) as 0x + 64 hex digits.
  function randKey() {
    for (;;) {
      const k = hexlify(randBytes(32));
      if (BigInt(k) !== 0n && BigInt(k) < SECP256K1_N) return k;
    }
  }
  return {
    rnd,
    int,
    pick: (arr) => arr[int(arr.length)],
    chance: (p) => rnd() < p,
    randBytes,
    randBig,
    randU64: () => randBig(64),
    randKey,
  };
}

// A uint64 as 0x + 16 hex digits.
const hex64 = (v) => '0x' + v.toString(16).padStart(16, '0');

// The EIP-712 types of Lamina's L2 transactions (docs/l2-protocol.md §4):
// Transfer and Withdraw share one member list.
const L2_TX_TYPES = {
  Transfer: [
    { name: 'from', type: 'address' }, { name: 'to', type: 'address' },
    { name: 'asset', type: 'uint32' }, { name: 'amount', type: 'uint64' },
    { name: 'fee', type: 'uint64' }, { name: 'nonce', type: 'uint64' },
  ],
};
L2_TX_TYPES.Withdraw = L2_TX_TYPES.Transfer;

// The 143-byte wire form of a signed L2 transaction (docs/l2-protocol.md
// §4): version 1, type (Transfer 1, Withdraw 2), chainId, from, to, asset,
// amount, fee, nonce, r, s, v. `sig` is an ethers Signature.
function l2Wire(kind, chainId, m, sig) {
  return solidityPacked(
    ['uint8', 'uint8', 'uint64', 'address', 'address', 'uint32', 'uint64', 'uint64', 'uint64',
      'bytes32', 'bytes32', 'uint8'],
    [1, kind === 'Transfer' ? 1 : 2, chainId, m.from, m.to, m.asset, m.amount, m.fee, m.nonce,
      sig.r, sig.s, sig.v]);
}

module.exports = {
  outPath, writeJson, runMain, mulberry32, seeded, SECP256K1_N, hex64, L2_TX_TYPES, l2Wire,
};
