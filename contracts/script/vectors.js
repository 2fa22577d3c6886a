#!/usr/bin/env node
// Computes the encoding test vectors of docs/contracts.md §4 independently of
// the Solidity code, with ethers.js (AbiCoder, solidityPacked, keccak256).
// test/Encoding.t.sol hard-codes these values as known answers.
// Run from the repository root: node contracts/script/vectors.js
'use strict';
const { AbiCoder, keccak256, solidityPacked, concat, ZeroHash, toUtf8Bytes } = require('ethers');
const abi = AbiCoder.defaultAbiCoder();
const H = (a, b) => keccak256(concat([a, b]));

// --- withdrawals and their tree (3 leaves, padded to 4 with a zero leaf) ---
const ws = [
  { id: 0n, l2Sender: '0x1111111111111111111111111111111111111111', l1Recipient: '0x2222222222222222222222222222222222222222', assetId: 0, amount: 1000000000n },
  { id: 1n, l2Sender: '0x3333333333333333333333333333333333333333', l1Recipient: '0x4444444444444444444444444444444444444444', assetId: 1, amount: 5000000n },
  { id: 2n, l2Sender: '0x5555555555555555555555555555555555555555', l1Recipient: '0x6666666666666666666666666666666666666666', assetId: 0, amount: 1n },
];
const leaf = (w) => keccak256(abi.encode(['uint64', 'address', 'address', 'uint32', 'uint64'],
  [w.id, w.l2Sender, w.l1Recipient, w.assetId, w.amount]));
const leaves = ws.map(leaf);
const n01 = H(leaves[0], leaves[1]);
const n23 = H(leaves[2], ZeroHash);
const root = H(n01, n23);
const proofs = [[leaves[1], n23], [leaves[0], n23], [ZeroHash, n01]];

// --- output root (version 0) ---
const stateRoot = '0x' + '11'.repeat(32);
const lastBlockHash = '0x' + '33'.repeat(32);
const outputRoot = keccak256(solidityPacked(['uint8', 'bytes32', 'bytes32', 'bytes32'], [0, stateRoot, root, lastBlockHash]));

// --- the L1 -> L2 message queue: a deposit, a forced withdrawal, a forced tx ---
const from = '0xaAaAaAaaAaAaAaaAaAAAAAAAAaaaAaAaAaaAaaAa';
const to = '0xbBbBBBBbbBBBbbbBbbBbbbbBBbBbbbbBbBbbBBbB';
const forcedTx = '0xdeadbeef';
const msgs = [
  keccak256(abi.encode(['uint8', 'uint64', 'uint64', 'address', 'address', 'uint32', 'uint64'], [1, 0, 100, from, to, 0, 1000000000n])),
  keccak256(abi.encode(['uint8', 'uint64', 'uint64', 'address', 'address', 'uint32', 'uint64'], [2, 1, 101, from, to, 1, 5000000n])),
  keccak256(abi.encode(['uint8', 'uint64', 'uint64', 'address', 'bytes32'], [3, 2, 102, from, keccak256(forcedTx)])),
];
const queue = [];
let prev = ZeroHash;
for (const m of msgs) { prev = keccak256(abi.encode(['bytes32', 'bytes32'], [prev, m])); queue.push(prev); }

console.log(JSON.stringify({
  withdrawals: ws.map((w) => ({ ...w, id: w.id.toString(), amount: w.amount.toString() })),
  leaves, n01, n23, withdrawalsRoot: root, proofs,
  output: { version: 0, stateRoot, withdrawalsRoot: root, lastBlockHash, outputRoot },
  messages: { from, to, forcedTx, hashes: msgs, queue },
  misc: { keccakEmpty: keccak256(toUtf8Bytes('')) },
}, null, 2));
