// Wallet vectors from ethers 6 for tests/unit/test_wallet_ethers.c:
//  - "amounts": decimal texts and ethers' parseUnits(text, decimals) (or
//    that ethers refused it), which lm_amount_parse must match in base units;
//  - "txs": Transfer / Withdraw transactions signed by ethers'
//    Wallet.signTypedData under the Lamina domain (docs/l2-protocol.md §4).
//    Both sides use RFC 6979 nonces, so lm_tx_sign on the same fields must
//    give the very same 65 bytes; the wire form from solidityPacked.
// Deterministic: fixed keys and a seeded PRNG.
// Usage: node tests/ethers/gen_wallet.js OUT.json
'use strict';
const fs = require('fs');
const path = require('path');
const ethers = require('ethers');
const { Wallet, Signature, parseUnits, solidityPacked, getAddress, hexlify } = ethers;

function prng(seed) { // mulberry32
  let a = seed >>> 0;
  return function () {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const rnd = prng(0x77616c6c);
const int = (n) => Math.floor(rnd() * n);
function randBytes(n) {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = int(256);
  return b;
}
function digits(n) {
  let s = '';
  for (let i = 0; i < n; i++) s += String(int(10));
  return s;
}

// ---- amounts ----
const amounts = [];
const fixed = [
  ['1.5', 18], ['0.000000001', 18], ['0.0000000001', 18], ['18446744073.709551615', 18],
  ['18446744073.709551616', 18], ['1.50000000000000000000', 18], ['1.0000000000000000001', 18],
  ['.5', 18], ['5.', 18], ['007.1', 18], ['0', 18], ['2.5', 6], ['0.0000001', 6], ['12', 0],
  ['12.0', 0], ['12.5', 0], ['1e5', 18], ['', 18], ['.', 18], ['1.2.3', 18], [' 1', 18],
];
for (const [text, decimals] of fixed) amounts.push({ text, decimals });
for (let i = 0; i < 200; i++) {
  const decimals = [0, 6, 8, 18][int(4)];
  const ip = digits(int(30));
  let fp = digits(int(decimals + 2));
  if (int(3) === 0) fp += '0'.repeat(int(4)); // zeros past the last place are harmless
  let text = ip;
  if (fp.length || int(2)) text += '.' + fp;
  if (!/[0-9]/.test(text)) text = '0';
  amounts.push({ text, decimals });
}
for (const a of amounts) {
  try {
    const v = parseUnits(a.text, a.decimals);
    a.base = v.toString();
  } catch (e) {
    a.base = null; // ethers refuses
  }
}

// ---- transactions ----
const TYPES = {
  Transfer: [
    { name: 'from', type: 'address' }, { name: 'to', type: 'address' },
    { name: 'asset', type: 'uint32' }, { name: 'amount', type: 'uint64' },
    { name: 'fee', type: 'uint64' }, { name: 'nonce', type: 'uint64' },
  ],
};
TYPES.Withdraw = TYPES.Transfer;
const hex64 = (v) => '0x' + v.toString(16).padStart(16, '0');
function randU64() {
  let v = 0n;
  for (let i = 0; i < 8; i++) v = (v << 8n) | BigInt(int(256));
  return v;
}

async function main() {
  const txs = [];
  const keys = ['0x' + '11'.repeat(32), '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80'];
  for (let i = 0; i < 16; i++) {
    const w = new Wallet(keys[i % 2]);
    const kind = i % 3 === 2 ? 'Withdraw' : 'Transfer';
    const chainId = i < 8 ? 42069n : randU64();
    const rollup = getAddress(hexlify(randBytes(20)));
    const msg = {
      from: w.address, to: getAddress(hexlify(randBytes(20))), asset: int(8),
      amount: i % 4 === 0 ? BigInt(int(1000000)) : randU64(), fee: i % 2 ? 0n : BigInt(int(1000)),
      nonce: BigInt(int(100)),
    };
    const domain = { name: 'Lamina', version: '1', chainId, verifyingContract: rollup };
    const sig = Signature.from(await w.signTypedData(domain, { [kind]: TYPES[kind] }, msg));
    const wire = solidityPacked(
      ['uint8', 'uint8', 'uint64', 'address', 'address', 'uint32', 'uint64', 'uint64', 'uint64', 'bytes32', 'bytes32', 'uint8'],
      [1, kind === 'Transfer' ? 1 : 2, chainId, msg.from, msg.to, msg.asset, msg.amount, msg.fee, msg.nonce, sig.r, sig.s, sig.v]);
    txs.push({
      key: w.privateKey, type: kind === 'Transfer' ? 1 : 2, chainId: hex64(chainId), rollup,
      from: msg.from, to: msg.to, asset: msg.asset, amount: hex64(msg.amount), fee: hex64(msg.fee),
      nonce: hex64(msg.nonce), sig: sig.serialized, wire,
    });
  }
  const file = process.argv[2];
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify({ source: 'ethers ' + ethers.version, amounts, txs }, null, 1));
}
main().catch((e) => { console.error(e); process.exit(1); });
