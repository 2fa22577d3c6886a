#!/usr/bin/env python3
"""Plain Python model of Lamina's Fiat-Shamir transcript (docs/stark.md,
section "Transcript"), written from that specification on top of the
Poseidon2 model (poseidon2_model.py, itself checked against the Horizen Labs
reference). Prints the known-answer vectors that tests/unit/test_transcript.c
holds. Run: python3 tests/vectors/transcript_model.py"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from poseidon2_model import P, permute, hash_bytes  # noqa: E402


class Transcript:
    def __init__(self, label):
        self.s = [0] * 12
        self.s[8:12] = hash_bytes(label)
        self.inq = []
        self.out = []

    def duplex(self):
        for i, v in enumerate(self.inq):
            self.s[i] = v
        self.inq = []
        self.s = permute(self.s)
        self.out = list(self.s[0:8])

    def absorb(self, elems):
        for x in elems:
            self.out = []
            self.inq.append(x)
            if len(self.inq) == 8:
                self.duplex()

    def squeeze(self):
        if self.inq or not self.out:
            self.duplex()
        return self.out.pop(0)

    def squeeze_index(self, bits):
        return self.squeeze() & ((1 << bits) - 1)

    def check_pow(self, nonce, bits):
        self.absorb([nonce])
        return self.squeeze() >> (64 - bits) == 0 if bits else True


def fork(t):
    c = Transcript(b'')
    c.s, c.inq, c.out = list(t.s), list(t.inq), list(t.out)
    return c


def script():
    """The sequence test_transcript.c replays; returns every output."""
    t = Transcript(b'lamina-transcript-test')
    outs = []
    t.absorb([1, 2, 3, 4, 5])
    outs += [t.squeeze() for _ in range(3)]
    t.absorb([P - 1 - i for i in range(10)])
    outs += [t.squeeze() for _ in range(3)]      # one cubic element
    outs.append(t.squeeze_index(20))
    outs += [t.squeeze() for _ in range(9)]      # crosses the output queue
    t.absorb([7] * 8)                            # exactly one block
    outs.append(t.squeeze())
    nonce = 0
    while not fork(t).check_pow(nonce, 8):
        nonce += 1
    assert t.check_pow(nonce, 8)
    outs.append(nonce)
    outs.append(t.squeeze())
    return outs


if __name__ == '__main__':
    for v in script():
        print('UINT64_C(%d),' % v)
