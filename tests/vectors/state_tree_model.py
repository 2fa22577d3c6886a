#!/usr/bin/env python3
"""Plain Python model of the accounts tree of docs/l2-protocol.md §3, written
from the specification and independent of src/state/tree.c: a depth-32
binary tree, inner node C(left, right) with the Poseidon2 compression of
tests/vectors/poseidon2_model.py, empty subtree of height k = Z_k. Prints
the vectors that tests/unit/test_state_tree.c holds.
Run: python3 tests/vectors/state_tree_model.py"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from poseidon2_model import P, compress, fmt  # noqa: E402

DEPTH = 32
Z = [[0, 0, 0, 0]]
for _ in range(DEPTH):
    Z.append(compress(Z[-1], Z[-1]))


def root(leaves):
    """leaves: dict index -> digest. Straight from the definition: a node
    over no written leaf is Z_k, otherwise C(left child, right child)."""
    def node(k, j):
        lo, hi = j << k, (j + 1) << k
        if not any(lo <= i < hi for i in leaves):
            return Z[k]
        if k == 0:
            return leaves[j]
        return compress(node(k - 1, 2 * j), node(k - 1, 2 * j + 1))
    return node(DEPTH, 0)


def proof(leaves, index):
    def node(k, j):
        lo, hi = j << k, (j + 1) << k
        if not any(lo <= i < hi for i in leaves):
            return Z[k]
        if k == 0:
            return leaves[j]
        return compress(node(k - 1, 2 * j), node(k - 1, 2 * j + 1))
    return [node(k, (index >> k) ^ 1) for k in range(DEPTH)]


if __name__ == '__main__':
    print('Z_1  ', fmt(Z[1]))
    print('Z_2  ', fmt(Z[2]))
    print('Z_32 ', fmt(Z[32]))
    # Leaves i -> (i+1, 2i+1, 3i+1, p-1-i) for i = 0..4, and index 1000.
    leaves = {i: [i + 1, 2 * i + 1, 3 * i + 1, P - 1 - i] for i in list(range(5)) + [1000]}
    print('root(0..4, 1000)', fmt(root(leaves)))
    one = {0: [1, 2, 3, 4]}
    print('root(leaf 0 = 1,2,3,4)', fmt(root(one)))
    top = {5: [7, 7, 7, 7]}
    print('root(leaf 5 = 7,7,7,7)', fmt(root(top)))
    print('proof(0..4, 1000) for index 3, levels 0..2:')
    for s in proof(leaves, 3)[:3]:
        print('   ', fmt(s))
