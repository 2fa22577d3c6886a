// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title WithdrawalMerkle
/// @notice The binary Merkle tree that commits to the withdrawals of one L2
///         output (the `withdrawalsRoot` of an output root). The Lamina node
///         builds the identical tree in C; docs/contracts.md §"Withdrawal tree"
///         is the specification and holds test vectors.
/// @dev Specification (docs/contracts.md):
///      - leaves are 32-byte hashes, placed at indices 0..n-1;
///      - the leaf list is padded with bytes32(0) leaves up to the next power
///        of two (a single leaf is its own root; an empty tree has root 0);
///      - an inner node is keccak256(left ‖ right) over the two 32-byte
///        children (64 bytes, no prefix);
///      - a proof for leaf `index` lists the sibling at each level, leaf level
///        first; bit i of `index` is 1 when the node on the path at level i is
///        a right child (its sibling proof[i] is on the left);
///      - the depth of the tree is proof.length, at most MAX_DEPTH = 32, and
///        `index` must be below 2^depth.
library WithdrawalMerkle {
    /// @notice The deepest tree a proof may describe (2^32 leaves).
    uint256 internal constant MAX_DEPTH = 32;

    /// @notice keccak256(left ‖ right), the inner-node hash.
    function hashPair(bytes32 left, bytes32 right) internal pure returns (bytes32 h) {
        assembly ("memory-safe") {
            mstore(0x00, left)
            mstore(0x20, right)
            h := keccak256(0x00, 0x40)
        }
    }

    /// @notice Checks `proof` (calldata) that `leaf` sits at `index` under `root`.
    /// @return ok false for a wrong root, a proof longer than MAX_DEPTH, or an
    ///         index that does not fit in proof.length bits.
    function verifyCalldata(bytes32 root, bytes32 leaf, uint256 index, bytes32[] calldata proof)
        internal
        pure
        returns (bool ok)
    {
        uint256 depth = proof.length;
        if (depth > MAX_DEPTH || (index >> depth) != 0) return false;
        bytes32 node = leaf;
        for (uint256 i = 0; i < depth; ++i) {
            node = ((index >> i) & 1) == 0 ? hashPair(node, proof[i]) : hashPair(proof[i], node);
        }
        return node == root;
    }

    /// @notice The same check as verifyCalldata, for a proof held in memory.
    function verify(bytes32 root, bytes32 leaf, uint256 index, bytes32[] memory proof) internal pure returns (bool ok) {
        uint256 depth = proof.length;
        if (depth > MAX_DEPTH || (index >> depth) != 0) return false;
        bytes32 node = leaf;
        for (uint256 i = 0; i < depth; ++i) {
            node = ((index >> i) & 1) == 0 ? hashPair(node, proof[i]) : hashPair(proof[i], node);
        }
        return node == root;
    }

    /// @notice The depth of the tree over `n` leaves: ceil(log2(n)), 0 for n <= 1.
    function depthFor(uint256 n) internal pure returns (uint256 d) {
        while ((uint256(1) << d) < n) ++d;
    }

    /// @notice The root of the tree over `leaves` (reference builder; O(n) memory).
    /// @dev Not used on chain by the bridge; the tests and the off-chain tools
    ///      use it to build trees that the verifier above must accept.
    function rootOf(bytes32[] memory leaves) internal pure returns (bytes32) {
        uint256 n = leaves.length;
        if (n == 0) return bytes32(0);
        bytes32[] memory level = _padded(leaves);
        for (uint256 width = level.length; width > 1; width >>= 1) {
            for (uint256 j = 0; j < width / 2; ++j) {
                level[j] = hashPair(level[2 * j], level[2 * j + 1]);
            }
        }
        return level[0];
    }

    /// @notice The proof for leaf `index` in the tree over `leaves` (reference builder).
    function proofOf(bytes32[] memory leaves, uint256 index) internal pure returns (bytes32[] memory proof) {
        require(index < leaves.length, "WithdrawalMerkle: index out of range");
        bytes32[] memory level = _padded(leaves);
        proof = new bytes32[](depthFor(leaves.length));
        uint256 pos = index;
        uint256 lvl = 0;
        for (uint256 width = level.length; width > 1; width >>= 1) {
            proof[lvl++] = level[pos ^ 1];
            for (uint256 j = 0; j < width / 2; ++j) {
                level[j] = hashPair(level[2 * j], level[2 * j + 1]);
            }
            pos >>= 1;
        }
    }

    function _padded(bytes32[] memory leaves) private pure returns (bytes32[] memory level) {
        uint256 width = uint256(1) << depthFor(leaves.length);
        level = new bytes32[](width);
        for (uint256 i = 0; i < leaves.length; ++i) {
            level[i] = leaves[i];
        }
    }
}
