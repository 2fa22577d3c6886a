// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Fixture} from "./utils/Fixture.sol";
import {LaminaHashes, OutputRootPreimage, Withdrawal} from "../src/lib/LaminaHashes.sol";
import {WithdrawalMerkle} from "../src/lib/WithdrawalMerkle.sol";

/// @notice The encodings of docs/contracts.md §4 against known answers that
///         script/vectors.js computes independently with ethers.js.
contract EncodingTest is Fixture {
    address internal constant FROM = 0xaAaAaAaaAaAaAaaAaAAAAAAAAaaaAaAaAaaAaaAa;
    address internal constant TO = 0xbBbBBBBbbBBBbbbBbbBbbbbBBbBbbbbBbBbbBBbB;

    bytes32 internal constant MSG0 = 0x6d9f89842e1f8575e689bac7d3cd6ede1f41d9bccdc051af2adedc87346dbd39;
    bytes32 internal constant MSG1 = 0xad8764dbcd5c9fdde1cf892cba50d8c9011993608d2a02db1aa61ae68b612a9b;
    bytes32 internal constant MSG2 = 0x5398ec04e128d7d9208ee47226001e17c40bc5315335f097e6a497e879615e4d;
    bytes32 internal constant Q0 = 0x403e8dae9e67d6d8d540330d8c42b22bbd11c568b6aaa1cb057fd36a7801bb89;
    bytes32 internal constant Q1 = 0x879e89ab3d5c52f6d47bf434a783483cf6a525f215b5d2286487a780bf4f0c56;
    bytes32 internal constant Q2 = 0xb7a90724de73a1d2edb3b0c1e865de0e8392c6b06d50db23aaddbc8651b2af5a;

    bytes32 internal constant LEAF0 = 0x1d544feee15c953465ad28c85fa675536737ac031c97f3b1b94ca2708788b067;
    bytes32 internal constant LEAF1 = 0x8986af9f0cb3a7d00ca9e60b250e6c5319ad658f46cd85f134f3e39dd4739827;
    bytes32 internal constant LEAF2 = 0xdc94b53e81a34afa79fb96d969d2ab4290f980b380f5fb7f78440cb1d63032c8;
    bytes32 internal constant WROOT = 0xf69aa90d4465868893835db00f5935560030657930eda8bab568b4515ff7b839;
    bytes32 internal constant OUTPUT_ROOT = 0x36afb9f0fe0c702e12efde228a12004a670954349dc2197766d54fdf7f479ffe;

    function vectorWithdrawals() internal pure returns (Withdrawal[3] memory w) {
        w[0] = Withdrawal(
            0,
            address(0x1111111111111111111111111111111111111111),
            address(0x2222222222222222222222222222222222222222),
            0,
            1_000_000_000
        );
        w[1] = Withdrawal(
            1,
            address(0x3333333333333333333333333333333333333333),
            address(0x4444444444444444444444444444444444444444),
            1,
            5_000_000
        );
        w[2] = Withdrawal(
            2,
            address(0x5555555555555555555555555555555555555555),
            address(0x6666666666666666666666666666666666666666),
            0,
            1
        );
    }

    function test_withdrawalLeaves() public view {
        Withdrawal[3] memory w = vectorWithdrawals();
        assertEq(LaminaHashes.withdrawalLeafMem(w[0]), LEAF0, "leaf 0");
        assertEq(LaminaHashes.withdrawalLeafMem(w[1]), LEAF1, "leaf 1");
        assertEq(LaminaHashes.withdrawalLeafMem(w[2]), LEAF2, "leaf 2");
        assertEq(bridge.hashWithdrawal(w[0]), LEAF0, "bridge view (calldata path)");
        bytes32[] memory leaves = new bytes32[](3);
        leaves[0] = LEAF0;
        leaves[1] = LEAF1;
        leaves[2] = LEAF2;
        assertEq(WithdrawalMerkle.rootOf(leaves), WROOT, "withdrawals root");
    }

    function test_outputRoot() public view {
        OutputRootPreimage memory o = OutputRootPreimage({
            version: 0,
            stateRoot: bytes32(0x1111111111111111111111111111111111111111111111111111111111111111),
            withdrawalsRoot: WROOT,
            lastBlockHash: bytes32(0x3333333333333333333333333333333333333333333333333333333333333333)
        });
        assertEq(LaminaHashes.outputRootMem(o), OUTPUT_ROOT, "output root (memory)");
        assertEq(bridge.hashOutputRoot(o), OUTPUT_ROOT, "output root (calldata)");
    }

    function test_messageHashes() public pure {
        assertEq(LaminaHashes.depositMessage(0, 100, FROM, TO, 0, 1_000_000_000), MSG0, "deposit");
        assertEq(LaminaHashes.forcedWithdrawalMessage(1, 101, FROM, TO, 1, 5_000_000), MSG1, "forced withdrawal");
        assertEq(LaminaHashes.forcedTxMessage(2, 102, FROM, keccak256(hex"deadbeef")), MSG2, "forced tx");
        assertEq(LaminaHashes.chain(bytes32(0), MSG0), Q0, "q0");
        assertEq(LaminaHashes.chain(Q0, MSG1), Q1, "q1");
        assertEq(LaminaHashes.chain(Q1, MSG2), Q2, "q2");
    }

    /// @dev The bridge produces exactly the vector queue from the same three calls.
    function test_bridgeQueue_matchesVector() public {
        vm.deal(FROM, 10 ether);
        vm.roll(100);
        vm.prank(FROM);
        assertEq(bridge.depositETH{value: 1 ether}(TO), 0, "message 0");
        vm.roll(101);
        vm.prank(FROM);
        assertEq(bridge.forceWithdrawal(USDC_ID, 5_000_000, TO), 1, "message 1");
        vm.roll(102);
        vm.prank(FROM);
        assertEq(bridge.forceTransaction(hex"deadbeef"), 2, "message 2");
        assertEq(bridge.messageCount(), 3, "count");
        assertEq(bridge.queueHash(0), Q0, "queue 0");
        assertEq(bridge.queueHash(1), Q1, "queue 1");
        assertEq(bridge.queueHash(2), Q2, "queue 2");
    }
}
