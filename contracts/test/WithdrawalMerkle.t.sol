// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Test} from "./utils/Test.sol";
import {WithdrawalMerkle} from "../src/lib/WithdrawalMerkle.sol";

/// @dev Exposes the calldata verifier, the one the Bridge uses.
contract MerkleHarness {
    function verifyCalldata(bytes32 root, bytes32 leaf, uint256 index, bytes32[] calldata proof)
        external
        pure
        returns (bool)
    {
        return WithdrawalMerkle.verifyCalldata(root, leaf, index, proof);
    }
}

contract WithdrawalMerkleTest is Test {
    MerkleHarness internal h;

    // Known answers computed with ethers.js by script/vectors.js (docs/contracts.md §4.3).
    bytes32 internal constant L0 = 0x1d544feee15c953465ad28c85fa675536737ac031c97f3b1b94ca2708788b067;
    bytes32 internal constant L1 = 0x8986af9f0cb3a7d00ca9e60b250e6c5319ad658f46cd85f134f3e39dd4739827;
    bytes32 internal constant L2 = 0xdc94b53e81a34afa79fb96d969d2ab4290f980b380f5fb7f78440cb1d63032c8;
    bytes32 internal constant N01 = 0xb0044dca16bf422d3903c78f5a043f6ce67e94f7723a4bbd59217b2e29f0f290;
    bytes32 internal constant N23 = 0xd340e6bc2565bd24e3bd7b3d44398f08e8e35219b96719e1d6129991f115c57b;
    bytes32 internal constant ROOT3 = 0xf69aa90d4465868893835db00f5935560030657930eda8bab568b4515ff7b839;

    function setUp() public {
        h = new MerkleHarness();
    }

    function three() internal pure returns (bytes32[] memory l) {
        l = new bytes32[](3);
        l[0] = L0;
        l[1] = L1;
        l[2] = L2;
    }

    function test_vector_threeLeaves() public view {
        bytes32[] memory l = three();
        assertEq(WithdrawalMerkle.rootOf(l), ROOT3, "root of 3 leaves (ethers)");
        bytes32[] memory p0 = WithdrawalMerkle.proofOf(l, 0);
        assertEq(p0.length, 2, "depth 2");
        assertEq(p0[0], L1, "p0[0]");
        assertEq(p0[1], N23, "p0[1]");
        bytes32[] memory p2 = WithdrawalMerkle.proofOf(l, 2);
        assertEq(p2[0], bytes32(0), "p2[0] is the padding leaf");
        assertEq(p2[1], N01, "p2[1]");
        for (uint256 i = 0; i < 3; ++i) {
            bytes32[] memory p = WithdrawalMerkle.proofOf(l, i);
            assertTrue(h.verifyCalldata(ROOT3, l[i], i, p), "calldata verify");
            assertTrue(WithdrawalMerkle.verify(ROOT3, l[i], i, p), "memory verify");
        }
    }

    function test_hashPair_isPlainKeccakOfConcatenation() public pure {
        assertEq(WithdrawalMerkle.hashPair(L0, L1), keccak256(abi.encodePacked(L0, L1)), "hashPair");
        assertEq(WithdrawalMerkle.hashPair(L0, L1), N01, "n01 (ethers)");
        assertEq(WithdrawalMerkle.hashPair(L2, bytes32(0)), N23, "n23 (ethers)");
    }

    function test_edgeCases() public view {
        bytes32[] memory none = new bytes32[](0);
        assertEq(WithdrawalMerkle.rootOf(none), bytes32(0), "empty tree root is 0");
        bytes32[] memory one = new bytes32[](1);
        one[0] = L0;
        assertEq(WithdrawalMerkle.rootOf(one), L0, "single leaf is the root");
        assertTrue(h.verifyCalldata(L0, L0, 0, none), "depth-0 proof");
        assertFalse(h.verifyCalldata(L0, L0, 1, none), "index must fit depth 0");
        assertEq(WithdrawalMerkle.depthFor(0), 0, "depth 0");
        assertEq(WithdrawalMerkle.depthFor(2), 1, "depth 2 leaves");
        assertEq(WithdrawalMerkle.depthFor(3), 2, "depth 3 leaves");
        assertEq(WithdrawalMerkle.depthFor(1024), 10, "depth 1024 leaves");
        assertEq(WithdrawalMerkle.depthFor(1025), 11, "depth 1025 leaves");
    }

    function test_rejects_wrongProofs() public view {
        bytes32[] memory l = three();
        bytes32[] memory p = WithdrawalMerkle.proofOf(l, 1);
        assertFalse(h.verifyCalldata(ROOT3, l[1], 0, p), "wrong index");
        assertFalse(h.verifyCalldata(ROOT3, l[1], 5, p), "index beyond depth");
        assertFalse(h.verifyCalldata(ROOT3, l[0], 1, p), "wrong leaf");
        assertFalse(h.verifyCalldata(ROOT3, bytes32(0), 3, WithdrawalMerkle.proofOf(l, 2)), "padding slot");
        p[1] = bytes32(uint256(p[1]) ^ 1);
        assertFalse(h.verifyCalldata(ROOT3, l[1], 1, p), "wrong sibling");
    }

    function test_rejects_proofLongerThan32() public view {
        bytes32[] memory p = new bytes32[](33);
        bytes32 node = L0;
        for (uint256 i = 0; i < 33; ++i) {
            node = WithdrawalMerkle.hashPair(node, bytes32(0));
        }
        // A 33-level path that would hash correctly is still refused.
        assertFalse(h.verifyCalldata(node, L0, 0, p), "depth 33");
        assertFalse(WithdrawalMerkle.verify(node, L0, 0, p), "depth 33 (memory)");
        bytes32[] memory p32 = new bytes32[](32);
        node = L0;
        for (uint256 i = 0; i < 32; ++i) {
            node = WithdrawalMerkle.hashPair(node, bytes32(0));
        }
        assertTrue(h.verifyCalldata(node, L0, 0, p32), "depth 32 is allowed");
        assertFalse(h.verifyCalldata(node, L0, type(uint32).max, p32), "max index, wrong path");
    }

    function randomLeaves(uint256 seed, uint256 n) internal pure returns (bytes32[] memory l) {
        l = new bytes32[](n);
        for (uint256 i = 0; i < n; ++i) {
            l[i] = keccak256(abi.encode(seed, i));
        }
    }

    /// @dev Random trees: every leaf's proof verifies, calldata and memory agree.
    function testFuzz_proveRandomLeaf(uint256 seed, uint256 n, uint256 index) public view {
        n = bound(n, 1, 80);
        index = bound(index, 0, n - 1);
        bytes32[] memory l = randomLeaves(seed, n);
        bytes32 root = WithdrawalMerkle.rootOf(l);
        bytes32[] memory p = WithdrawalMerkle.proofOf(l, index);
        assertEq(p.length, WithdrawalMerkle.depthFor(n), "proof length = depth");
        assertTrue(h.verifyCalldata(root, l[index], index, p), "calldata verify");
        assertTrue(WithdrawalMerkle.verify(root, l[index], index, p), "memory verify");
    }

    /// @dev A changed sibling, a changed index or a changed leaf never verifies.
    function testFuzz_tamperedProofFails(uint256 seed, uint256 n, uint256 index, uint256 which, uint256 otherIndex)
        public
        view
    {
        n = bound(n, 2, 80);
        index = bound(index, 0, n - 1);
        bytes32[] memory l = randomLeaves(seed, n);
        bytes32 root = WithdrawalMerkle.rootOf(l);
        bytes32[] memory p = WithdrawalMerkle.proofOf(l, index);

        otherIndex = bound(otherIndex, 0, (uint256(1) << p.length) - 1);
        if (otherIndex != index) {
            assertFalse(h.verifyCalldata(root, l[index], otherIndex, p), "wrong index");
        }
        assertFalse(h.verifyCalldata(root, keccak256(abi.encode(l[index])), index, p), "wrong leaf");

        which = bound(which, 0, p.length - 1);
        bytes32 saved = p[which];
        p[which] = keccak256(abi.encode(saved, seed));
        assertFalse(h.verifyCalldata(root, l[index], index, p), "wrong sibling");
        p[which] = saved;

        // A proof one level too short or too long fails too.
        bytes32[] memory shorter = new bytes32[](p.length - 1);
        for (uint256 i = 0; i < shorter.length; ++i) {
            shorter[i] = p[i];
        }
        assertFalse(h.verifyCalldata(root, l[index], index >> 1, shorter), "short proof");
        bytes32[] memory longer = new bytes32[](p.length + 1);
        for (uint256 i = 0; i < p.length; ++i) {
            longer[i] = p[i];
        }
        assertFalse(h.verifyCalldata(root, l[index], index, longer), "long proof");
    }
}
