// EIP-1559 (type 2) transactions signed by ethers' Wallet.signTransaction,
// for tests/unit/test_l1tx_ethers.c: hand-picked cases (plain transfer,
// calldata, contract creation, huge values, all-zero fields, access lists,
// long data) and seeded random ones, with fixed private keys. Each vector
// holds the fields as QUANTITY / DATA hex, the signed serialization, the
// transaction hash, the unsigned (signing) hash, the signature and the
// sender address.
// Usage: node tests/ethers/gen_l1tx.js OUT.json
'use strict';
const ethers = require('ethers');
const { Wallet, Transaction, toQuantity, hexlify } = ethers;
const { outPath, writeJson, runMain, seeded } = require('./common');

const out = outPath();
const { rnd, int, randBytes } = seeded(0x6c317478); // "l1tx"
// A random integer of up to `bits` bits, biased towards short ones so that
// every RLP length form shows up.
function randBig(bits) {
  const nbits = int(bits + 1);
  let v = 0n;
  for (let i = 0; i < nbits; i++) v = (v << 1n) | (rnd() < 0.5 ? 1n : 0n);
  return v;
}

const KEYS = [
  // anvil's first default key (well known, test only)
  '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80',
  '0x0000000000000000000000000000000000000000000000000000000000000001',
  '0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318',
  // n - 1, the largest valid key
  '0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364140',
];
const TO = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8';
const U256_MAX = (1n << 256n) - 1n;

const cases = [];
function add(key, tx) {
  cases.push({ key, tx: Object.assign({ type: 2 }, tx) });
}
// plain transfer, mainnet
add(KEYS[0], { chainId: 1n, nonce: 0, maxPriorityFeePerGas: 1000000000n, maxFeePerGas: 30000000000n,
               gasLimit: 21000n, to: TO, value: 1000000000000000000n, data: '0x', accessList: [] });
// anvil transfer
add(KEYS[0], { chainId: 31337n, nonce: 7, maxPriorityFeePerGas: 1n, maxFeePerGas: 2000000000n,
               gasLimit: 21000n, to: TO, value: 12345n, data: '0x', accessList: [] });
// ERC-20 transfer calldata
add(KEYS[1], { chainId: 5n, nonce: 1, maxPriorityFeePerGas: 2000000000n, maxFeePerGas: 100000000000n,
               gasLimit: 65000n, to: '0x6B175474E89094C44Da98b954EedeAC495271d0F', value: 0n,
               data: '0xa9059cbb00000000000000000000000070997970c51812dc3a010c7d01b50e0d17dc79c8'
                   + '0000000000000000000000000000000000000000000000000de0b6b3a7640000',
               accessList: [] });
// contract creation
add(KEYS[2], { chainId: 31337n, nonce: 3, maxPriorityFeePerGas: 1500000000n, maxFeePerGas: 3000000000n,
               gasLimit: 500000n, to: null, value: 0n,
               data: '0x6080604052348015600f57600080fd5b50603f80601d6000396000f3fe6080604052600080fdfea164736f6c6343000811000a',
               accessList: [] });
// contract creation with value
add(KEYS[3], { chainId: 1n, nonce: 0, maxPriorityFeePerGas: 0n, maxFeePerGas: 1n,
               gasLimit: 100000n, to: null, value: 1n, data: '0x00', accessList: [] });
// huge values
add(KEYS[1], { chainId: 0xffffffffffffffffn, nonce: Number.MAX_SAFE_INTEGER, maxPriorityFeePerGas: U256_MAX,
               maxFeePerGas: U256_MAX, gasLimit: 0xffffffffffffffffn, to: TO, value: U256_MAX,
               data: '0x', accessList: [] });
// all zero (values 0, 1-byte edge 0x7f / 0x80)
add(KEYS[2], { chainId: 0n, nonce: 0, maxPriorityFeePerGas: 0n, maxFeePerGas: 0n, gasLimit: 0n,
               to: TO, value: 0n, data: '0x', accessList: [] });
add(KEYS[2], { chainId: 127n, nonce: 128, maxPriorityFeePerGas: 127n, maxFeePerGas: 128n, gasLimit: 255n,
               to: TO, value: 256n, data: '0x7f', accessList: [] });
add(KEYS[0], { chainId: 1n, nonce: 2, maxPriorityFeePerGas: 0n, maxFeePerGas: 0n, gasLimit: 21000n,
               to: TO, value: 0n, data: '0x80', accessList: [] });
// access lists
add(KEYS[0], { chainId: 1n, nonce: 9, maxPriorityFeePerGas: 1000000000n, maxFeePerGas: 20000000000n,
               gasLimit: 80000n, to: TO, value: 0n, data: '0x1234',
               accessList: [
                 { address: TO, storageKeys: [] },
                 { address: '0x6B175474E89094C44Da98b954EedeAC495271d0F',
                   storageKeys: ['0x' + '00'.repeat(32), '0x' + '11'.repeat(31) + '22'] },
               ] });
// long data (RLP long forms: > 55 bytes, > 255, > 65535)
add(KEYS[1], { chainId: 10n, nonce: 4, maxPriorityFeePerGas: 1n, maxFeePerGas: 2n, gasLimit: 1000000n,
               to: TO, value: 0n, data: hexlify(randBytes(56)), accessList: [] });
add(KEYS[1], { chainId: 10n, nonce: 5, maxPriorityFeePerGas: 1n, maxFeePerGas: 2n, gasLimit: 1000000n,
               to: TO, value: 0n, data: hexlify(randBytes(300)), accessList: [] });
add(KEYS[3], { chainId: 10n, nonce: 6, maxPriorityFeePerGas: 1n, maxFeePerGas: 2n, gasLimit: 3000000n,
               to: null, value: 0n, data: hexlify(randBytes(70000)), accessList: [] });
// seeded random cases
for (let i = 0; i < 40; i++) {
  const maxFee = randBig(256);
  let tip = randBig(256);
  if (tip > maxFee) tip = maxFee;
  const al = [];
  const nal = rnd() < 0.3 ? int(3) : 0;
  for (let j = 0; j < nal; j++) {
    const keys = [];
    const nk = int(3);
    for (let k = 0; k < nk; k++) keys.push(hexlify(randBytes(32)));
    al.push({ address: ethers.getAddress(hexlify(randBytes(20))), storageKeys: keys });
  }
  add(KEYS[int(KEYS.length)], {
    chainId: randBig(64), nonce: Number(randBig(52)), maxPriorityFeePerGas: tip, maxFeePerGas: maxFee,
    gasLimit: randBig(64), to: rnd() < 0.2 ? null : ethers.getAddress(hexlify(randBytes(20))),
    value: randBig(256), data: hexlify(randBytes(int(200))), accessList: al,
  });
}

async function main() {
  const vectors = [];
  for (const c of cases) {
    const w = new Wallet(c.key);
    const raw = await w.signTransaction(c.tx);
    const parsed = Transaction.from(raw);
    const unsigned = Transaction.from(c.tx);
    if (parsed.from !== w.address) throw new Error('sender mismatch');
    const t = c.tx;
    vectors.push({
      key: c.key,
      from: w.address,
      chainId: toQuantity(t.chainId),
      nonce: toQuantity(t.nonce),
      maxPriorityFeePerGas: toQuantity(t.maxPriorityFeePerGas),
      maxFeePerGas: toQuantity(t.maxFeePerGas),
      gasLimit: toQuantity(t.gasLimit),
      to: t.to === null ? null : t.to.toLowerCase(),
      value: toQuantity(t.value),
      data: hexlify(t.data),
      accessList: t.accessList.map((e) => ({ address: e.address.toLowerCase(), storageKeys: e.storageKeys })),
      unsignedHash: unsigned.unsignedHash,
      yParity: parsed.signature.yParity,
      r: parsed.signature.r,
      s: parsed.signature.s,
      raw,
      hash: parsed.hash,
    });
  }
  writeJson(out, { source: 'ethers ' + ethers.version + ' Wallet.signTransaction (type 2)', vectors });
}
runMain(main);
