// ERC-20 symbol() return data, as tokens answer it, for
// tests/unit/test_erc20_ethers.c (lm_erc20_symbol_decode): the ABI `string`
// of EIP-20 encoded by ethers' AbiCoder, and the `bytes32` of older tokens
// (MKR, SAI) by encodeBytes32String; plus malformed answers. The verdict
// of each: ethers decodes the data (AbiCoder.decode(['bytes']) for the
// string form, the bytes up to the first NUL for bytes32) and its
// toUtf8String validates the UTF-8; Lamina's display policy then refuses
// an empty text (EINVAL), more than 64 bytes (ETOOLARGE), and control or
// bidirectional-override characters (EINVAL). Data neither form decodes is
// EPROTO.
// Usage: node tests/ethers/gen_erc20.js OUT.json
'use strict';
const { AbiCoder, encodeBytes32String, hexlify, toUtf8Bytes, toUtf8String, concat, zeroPadValue,
  toBeHex, version } = require('ethers');
const { outPath, writeJson, seeded } = require('./common');

const out = outPath();
const { int, randBytes, pick } = seeded(0x65726332); // "erc2"
const coder = AbiCoder.defaultAbiCoder();
const MAX = 64;

// Lamina's verdict on the symbol's bytes.
function policy(bytes) {
  if (bytes.length === 0) return { error: 'EINVAL' };
  if (bytes.length > MAX) return { error: 'ETOOLARGE' };
  let text;
  try {
    text = toUtf8String(bytes);
  } catch (e) {
    return { error: 'EINVAL' };
  }
  for (const ch of text) {
    const c = ch.codePointAt(0);
    if (c < 0x20 || (c >= 0x7f && c <= 0x9f) || (c >= 0x202a && c <= 0x202e) ||
        (c >= 0x2066 && c <= 0x2069)) return { error: 'EINVAL' };
  }
  return { symbol: hexlify(bytes) };
}

function verdict(data) {
  const b = Buffer.from(data.slice(2), 'hex');
  if (b.length === 32) {
    let n = 0;
    while (n < 32 && b[n] !== 0) n++;
    return policy(b.subarray(0, n));
  }
  if (b.length < 64) return { error: 'EPROTO' };
  let raw;
  try {
    [raw] = coder.decode(['bytes'], data);
  } catch (e) {
    return { error: 'EPROTO' };
  }
  return policy(Buffer.from(raw.slice(2), 'hex'));
}

const vectors = [];
function add(what, data) {
  vectors.push({ what, data: hexlify(data), ...verdict(hexlify(data)) });
}
const str = (s) => coder.encode(['string'], [s]);
const rawStr = (bytes) => coder.encode(['bytes'], [bytes]); // the same encoding, any bytes
const b32 = (s) => encodeBytes32String(s);

// the string form
for (const s of ['MKR', 'USDC', 'ldUSD', 'WETH', 'stETH', 'a', 'USD₮', '🦄', 'Ünï cødé',
  'with space', 'A'.repeat(64), 'B'.repeat(32), 'x'.repeat(33)]) add('string ' + JSON.stringify(s), str(s));
add('string empty', str(''));
add('string of 65 bytes', str('C'.repeat(65)));
add('string of 300 bytes', str('D'.repeat(300)));
add('string with a newline', str('AB\nC'));
add('string with an escape', str('\u001b[31mRED'));
add('string with NUL', str('A\u0000B'));
add('string with DEL', str('A\u007fB'));
add('string with C1 NEL', str('A\u0085B'));
add('string with RLO', str('USD\u202eC'));
add('string with LRI', str('USD\u2066C'));
add('string with ZWJ (allowed)', str('A\u200dB'));
add('string, invalid UTF-8 0xff', rawStr(new Uint8Array([0x41, 0xff])));
add('string, overlong NUL', rawStr(new Uint8Array([0x41, 0xc0, 0x80])));
add('string, surrogate', rawStr(new Uint8Array([0xed, 0xa0, 0x80])));
add('string, truncated sequence', rawStr(new Uint8Array([0x41, 0xe2, 0x82])));
add('string, above U+10FFFF', rawStr(new Uint8Array([0xf4, 0x90, 0x80, 0x80])));
add('string, trailing word', concat([str('TRAIL'), zeroPadValue('0x01', 32)]));
add('string, offset 0x40', concat([zeroPadValue('0x40', 32), zeroPadValue('0x00', 32),
  zeroPadValue('0x03', 32), zeroPadValue(hexlify(toUtf8Bytes('OFS')), 32).replace(/^0x(0+)(.*)$/,
    (m, z, v) => '0x' + v + z)]));
// the bytes32 form
for (const s of ['MKR', 'SAI', 'DAI', 'ETH2', 'x'.repeat(31)]) add('bytes32 ' + JSON.stringify(s), b32(s));
add('bytes32 of 32 bytes, no NUL', hexlify(toUtf8Bytes('ABCDEFGHIJKLMNOPQRSTUVWXYZ012345')));
add('bytes32 zero', zeroPadValue('0x', 32));
add('bytes32, text then garbage after NUL', concat([toUtf8Bytes('AB'), new Uint8Array([0, 0x43, 0x44]),
  new Uint8Array(27)]));
add('bytes32 with a tab', concat([toUtf8Bytes('A\tB'), new Uint8Array(29)]));
add('bytes32, invalid UTF-8', concat([new Uint8Array([0x41, 0xfe]), new Uint8Array(30)]));
// neither form
add('empty', '0x');
add('one byte', '0x01');
add('31 bytes', hexlify(new Uint8Array(31)));
add('33 bytes', hexlify(new Uint8Array(33)));
add('63 bytes', hexlify(new Uint8Array(63)));
add('offset past the end', concat([zeroPadValue('0x80', 32), zeroPadValue('0x03', 32)]));
add('length past the end', concat([zeroPadValue('0x20', 32), zeroPadValue('0x40', 32),
  zeroPadValue('0x41', 32)]));
add('huge length', concat([zeroPadValue('0x20', 32), toBeHex(1n << 255n, 32)]));
// random strings of printable ASCII and random bytes
const printable = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.$ ';
for (let i = 0; i < 40; i++) {
  let s = '';
  const n = 1 + int(70);
  for (let k = 0; k < n; k++) s += pick(printable.split(''));
  add('random ascii ' + i, str(s));
}
for (let i = 0; i < 40; i++) add('random bytes ' + i, rawStr(randBytes(1 + int(20))));
for (let i = 0; i < 10; i++) add('random bytes32 ' + i, hexlify(randBytes(32)));

writeJson(out, { source: 'ethers ' + version + ' AbiCoder / encodeBytes32String / toUtf8String', max: MAX,
  vectors });
