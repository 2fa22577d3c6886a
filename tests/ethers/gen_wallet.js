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
const ethers = require('ethers');
const { Wallet, Signature, parseUnits, getAddress, hexlify } = ethers;
const { outPath, writeJson, runMain, seeded, hex64, L2_TX_TYPES: TYPES, l2Wire } = require('./common');

const file = outPath();
const { int, randBytes, randU64 } = seeded(0x77616c6c);
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
    const wire = l2Wire(kind, chainId, msg, sig);
    txs.push({
      key: w.privateKey, type: kind === 'Transfer' ? 1 : 2, chainId: hex64(chainId), rollup,
      from: msg.from, to: msg.to, asset: msg.asset, amount: hex64(msg.amount), fee: hex64(msg.fee),
      nonce: hex64(msg.nonce), sig: sig.serialized, wire,
    });
  }
  writeJson(file, { source: 'ethers ' + ethers.version, amounts, txs });
}
runMain(main);
