#!/usr/bin/env python3
"""Plain Python model of the batch format, written from docs/batch-format.md
(not from src/codec/batch.c), for differential checks of the C decoder.

    python3 tests/vectors/batch_model.py            # checks the doc's vectors
    python3 tests/vectors/batch_model.py FILE...    # decodes files with the
        fuzz target's resolver (tests/fuzz/fuzz_batch.c) and prints one line
        per file: name, code, and a dump of the decoded fields

Zstd frames are decompressed with the `zstd` command-line tool. Block and
transaction hashes (Keccak-256) are not modelled: the dump lists the fields
that the batch carries, and the C side's tests check the derived hashes."""
import os
import re
import subprocess
import sys

MAX_PAYLOAD = 16 << 20
U64 = (1 << 64) - 1
U32 = (1 << 32) - 1


class Reject(Exception):
    def __init__(self, code, msg):
        super().__init__(msg)
        self.code = code


def varint(buf, pos):
    """§1.1: unsigned LEB128, minimal, at most 64 bits."""
    v = 0
    for i in range(10):
        if pos + i >= len(buf):
            raise Reject("ETRUNC", "varint cut short")
        b = buf[pos + i]
        if i == 9 and b > 1:
            raise Reject("EOVERFLOW", "varint past 2^64")
        v |= (b & 0x7F) << (7 * i)
        if not b & 0x80:
            if b == 0 and i > 0:
                raise Reject("ENONCANON", "varint not minimal")
            return v, pos + i + 1
    raise Reject("EOVERFLOW", "varint past 2^64")


def encode_varint(v):
    out = bytearray()
    while v >= 0x80:
        out.append((v & 0x7F) | 0x80)
        v >>= 7
    out.append(v)
    return bytes(out)


def unwrap(data, max_payload=MAX_PAYLOAD):
    """§1: version ‖ compression ‖ body."""
    if len(data) < 2:
        raise Reject("ETRUNC", "short")
    if data[0] != 1:
        raise Reject("EINVAL", "version")
    if data[1] == 0:
        if len(data) - 2 > max_payload:
            raise Reject("ETOOLARGE", "payload")
        return data[2:]
    if data[1] != 1:
        raise Reject("EINVAL", "compression")
    body = data[2:]
    if len(body) < 4:
        raise Reject("ETRUNC", "frame")
    if body[:4] != bytes.fromhex("28b52ffd"):
        raise Reject("EINVAL", "magic")
    r = subprocess.run(["zstd", "-d", "-c", "-q", "--memory=16MB"], input=body,
                       capture_output=True)
    if r.returncode != 0:
        raise Reject("EINVAL/ETRUNC/ETRAILING", "zstd: " + r.stderr.decode().strip())
    if len(r.stdout) > max_payload:
        raise Reject("ETOOLARGE", "payload")
    return r.stdout


class Resolver:
    def __init__(self, addresses):
        self.addrs = list(addresses)
        self.index = {a: i for i, a in enumerate(self.addrs)}

    def address_of(self, i):
        return self.addrs[i] if i < len(self.addrs) else None

    def index_of(self, a):
        return self.index.get(a)


class FuzzResolver:
    """tests/fuzz/fuzz_batch.c: index i < 64 is 5a × 16 ‖ i (big-endian)."""

    def address_of(self, i):
        return b"\x5a" * 16 + i.to_bytes(4, "big") if i < 64 else None

    def index_of(self, a):
        if a[:16] == b"\x5a" * 16 and int.from_bytes(a[16:], "big") < 64:
            return int.from_bytes(a[16:], "big")
        return None


def decode_payload(p, res, max_blocks=16384, max_tpb=4096, max_txs=65536):
    """§3. Returns (first_number, table, blocks); blocks are dicts."""
    pos = 0

    def need(n):
        if len(p) - pos < n:
            raise Reject("ETRUNC", "cut short")

    first, pos = varint(p, pos)
    nb, pos = varint(p, pos)
    if nb == 0:
        raise Reject("EINVAL", "empty")
    if nb > max_blocks:
        raise Reject("ETOOLARGE", "blocks")
    if first + nb - 1 > U64:
        raise Reject("EOVERFLOW", "numbers")
    nt, pos = varint(p, pos)
    if nt > 2 * max_txs:
        raise Reject("ETOOLARGE", "table")
    need(20 * nt)
    table = [bytes(p[pos + 20 * k: pos + 20 * k + 20]) for k in range(nt)]
    pos += 20 * nt
    # §2: entries unknown to the resolver, distinct
    for a in table:
        if res.index_of(a) is not None:
            raise Reject("ENONCANON", "table entry known")
    if len(set(table)) != len(table):
        raise Reject("ENONCANON", "table duplicate")
    if nb > (len(p) - pos) // 4:
        raise Reject("ETRUNC", "blocks declared")
    next_slot = 0

    def ref(pos):
        nonlocal next_slot
        r, pos = varint(p, pos)
        if r & 1:
            k = r >> 1
            if k >= nt:
                raise Reject("EINVAL", "slot out of range")
            if k > next_slot:
                raise Reject("ENONCANON", "slot order")
            if k == next_slot:
                next_slot += 1
            return table[k], pos
        i = r >> 1
        if i > U32:
            raise Reject("EOVERFLOW", "index")
        a = res.address_of(i)
        if a is None:
            raise Reject("ENOTFOUND", "index")
        return a, pos

    prev = dict(ts=0, on=0, oh=bytes(32), msgs=0, fee=0)
    blocks = []
    total = 0
    for j in range(nb):
        need(1)
        flags = p[pos]
        pos += 1
        if flags & ~3:
            raise Reject("EINVAL", "flags")
        if j == 0 and flags != 3:
            raise Reject("EINVAL", "first block flags")
        b = dict(number=first + j)
        d, pos = varint(p, pos)
        b["ts"] = prev["ts"] + d
        if b["ts"] > U64:
            raise Reject("EOVERFLOW", "ts")
        if flags & 1:
            d, pos = varint(p, pos)
            b["on"] = prev["on"] + d
            if b["on"] > U64:
                raise Reject("EOVERFLOW", "origin")
            need(32)
            b["oh"] = bytes(p[pos:pos + 32])
            pos += 32
            if j > 0 and d == 0 and b["oh"] == prev["oh"]:
                raise Reject("ENONCANON", "origin unchanged")
        else:
            b["on"], b["oh"] = prev["on"], prev["oh"]
        d, pos = varint(p, pos)
        b["msgs"] = prev["msgs"] + d
        if b["msgs"] > U64:
            raise Reject("EOVERFLOW", "msgs")
        if flags & 2:
            f, pos = varint(p, pos)
            if f > U32:
                raise Reject("EOVERFLOW", "fee recipient")
            if j > 0 and f == prev["fee"]:
                raise Reject("ENONCANON", "fee unchanged")
            b["fee"] = f
        else:
            b["fee"] = prev["fee"]
        n, pos = varint(p, pos)
        if n > max_tpb or total + n > max_txs:
            raise Reject("ETOOLARGE", "txs")
        if n > (len(p) - pos) // 71:
            raise Reject("ETRUNC", "txs declared")
        total += n
        txs = []
        for _ in range(n):
            need(1)
            kind = p[pos]
            pos += 1
            if kind & 0x7F not in (1, 2):
                raise Reject("EINVAL", "kind")
            frm, pos = ref(pos)
            to, pos = ref(pos)
            asset, pos = varint(p, pos)
            if asset > U32:
                raise Reject("EOVERFLOW", "asset")
            amount, pos = varint(p, pos)
            fee, pos = varint(p, pos)
            nonce, pos = varint(p, pos)
            need(64)
            sig = bytes(p[pos:pos + 64]) + bytes([27 + (kind >> 7)])
            pos += 64
            txs.append(dict(type=kind & 0x7F, frm=frm, to=to, asset=asset, amount=amount,
                            fee=fee, nonce=nonce, sig=sig))
        b["txs"] = txs
        blocks.append(b)
        prev = b
    if pos != len(p):
        raise Reject("ETRAILING", "trailing")
    if next_slot != nt:
        raise Reject("ENONCANON", "slot unreferenced")
    return first, table, blocks


def encode_payload(blocks, res):
    """§2-§3, the encoder's side: the canonical payload of decoded blocks."""
    table, slot = [], {}

    def ref(a):
        i = res.index_of(a)
        if i is not None:
            return encode_varint(2 * i)
        if a not in slot:
            slot[a] = len(table)
            table.append(a)
        return encode_varint(2 * slot[a] + 1)

    body = bytearray()
    prev = dict(ts=0, on=0, oh=bytes(32), msgs=0, fee=0)
    for j, b in enumerate(blocks):
        flags = 0
        if j == 0 or (b["on"], b["oh"]) != (prev["on"], prev["oh"]):
            flags |= 1
        if j == 0 or b["fee"] != prev["fee"]:
            flags |= 2
        body.append(flags)
        body += encode_varint(b["ts"] - prev["ts"])
        if flags & 1:
            body += encode_varint(b["on"] - prev["on"]) + b["oh"]
        body += encode_varint(b["msgs"] - prev["msgs"])
        if flags & 2:
            body += encode_varint(b["fee"])
        body += encode_varint(len(b["txs"]))
        for t in b["txs"]:
            body.append(t["type"] | ((t["sig"][64] - 27) << 7))
            body += ref(t["frm"]) + ref(t["to"])
            for k in ("asset", "amount", "fee", "nonce"):
                body += encode_varint(t[k])
            body += t["sig"][:64]
        prev = b
    head = encode_varint(blocks[0]["number"]) + encode_varint(len(blocks))
    head += encode_varint(len(table)) + b"".join(table)
    return bytes(head + body)


def dump(blocks):
    parts = []
    for b in blocks:
        parts.append("B%d,%d,%d,%s,%d,%d,%d" % (b["number"], b["ts"], b["on"], b["oh"].hex(),
                                                b["msgs"], b["fee"], len(b["txs"])))
        for t in b["txs"]:
            parts.append("T%d,%s,%s,%d,%d,%d,%d,%s" % (t["type"], t["frm"].hex(), t["to"].hex(),
                                                       t["asset"], t["amount"], t["fee"],
                                                       t["nonce"], t["sig"].hex()))
    return ";".join(parts)


def doc_vectors():
    here = os.path.dirname(os.path.abspath(__file__))
    doc = open(os.path.join(here, "..", "..", "docs", "batch-format.md")).read()
    blocks = re.findall(r"```\n([0-9a-f\n]+)```", doc)
    v1 = bytes.fromhex(next(b for b in blocks if b.startswith("0100640302")).replace("\n", ""))
    v2 = bytes.fromhex(next(b for b in blocks if b.startswith("010128b52ffd")).replace("\n", ""))

    # §6.1
    res = Resolver(bytes([0xA0 + i]) * 20 for i in range(4))
    first, table, bl = decode_payload(unwrap(v1), res)
    A = lambda x: bytes([x]) * 20  # noqa: E731
    assert first == 100 and table == [A(0xB0), A(0xC0)]
    assert [(b["number"], b["ts"], b["on"], b["oh"], b["msgs"], b["fee"]) for b in bl] == [
        (100, 1700000000, 5000, bytes([0xEE]) * 32, 3, 0),
        (101, 1700000002, 5001, bytes([0xEF]) * 32, 4, 0),
        (102, 1700000004, 5001, bytes([0xEF]) * 32, 4, 3)]
    t = [x for b in bl for x in b["txs"]]
    assert [(x["type"], x["frm"], x["to"], x["asset"], x["amount"], x["fee"], x["nonce"],
             x["sig"]) for x in t] == [
        (1, A(0xA1), A(0xB0), 0, 1000000, 21, 0, b"\x11" * 32 + b"\x22" * 32 + b"\x1b"),
        (2, A(0xA2), A(0xC0), 1, 500, 1, 7, b"\x33" * 32 + b"\x44" * 32 + b"\x1c"),
        (1, A(0xB0), A(0xA1), 0, 400000, 21, 0, b"\x55" * 32 + b"\x66" * 32 + b"\x1b")]
    assert b"\x01\x00" + encode_payload(bl, res) == v1

    # §6.2 (signatures are Keccak-256 values: only their v is checked here)
    res = Resolver(bytes([0xA0 + i]) * 20 for i in range(8))
    p2 = unwrap(v2)
    assert len(p2) == 737
    first, table, bl = decode_payload(p2, res)
    assert first == 7000000 and table == [A(0xD0), A(0xD1)]
    assert [(b["ts"], b["on"], b["oh"][0], b["msgs"], b["fee"], len(b["txs"])) for b in bl] == [
        (1750000000, 21000000, 0x5A, 1234, 5, 3), (1750000002, 21000000, 0x5A, 1236, 5, 3),
        (1750000004, 21000001, 0x5B, 1238, 5, 2)]
    spec = [(0xA0, 0xA1, 250000000, 0, 1), (0xA1, 0xA2, 120000000, 3, 1),
            (0xA2, 0xD0, 5000000, 1, 1), (0xA3, 0xA0, 1, 9, 1), (0xD0, 0xA4, 2000000, 0, 1),
            (0xA5, 0xD1, 77000000, 2, 2), (0xA6, 0xA7, 999999999, 4, 1),
            (0xA7, 0xD0, 31337, 5, 1)]
    t = [x for b in bl for x in b["txs"]]
    for k, (f, to, amount, nonce, ty) in enumerate(spec):
        x = t[k]
        assert (x["frm"], x["to"], x["amount"], x["nonce"], x["type"], x["asset"], x["fee"],
                x["sig"][64]) == (A(f), A(to), amount, nonce, ty, 0, 42000, 27 + k % 2)
    assert encode_payload(bl, res) == p2
    print("docs/batch-format.md §6.1 and §6.2: the model agrees")


def main(argv):
    if len(argv) == 1:
        doc_vectors()
        return
    res = FuzzResolver()
    for path in argv[1:]:
        data = open(path, "rb").read()
        name = os.path.basename(path)
        try:
            first, table, bl = decode_payload(unwrap(data, 1 << 20), res, 256, 256, 1024)
            # canonical: the model's encoder gives back the payload
            assert encode_payload(bl, res) == unwrap(data, 1 << 20), name
            print(name, "OK", dump(bl))
        except Reject as e:
            print(name, e.code)


if __name__ == "__main__":
    main(sys.argv)
