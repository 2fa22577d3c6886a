// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Fixture} from "./utils/Fixture.sol";
import {MockVerifier, NoReturnToken, RejectEther, ReentrantRecipient} from "./utils/Mocks.sol";
import {Bridge} from "../src/Bridge.sol";
import {Rollup} from "../src/Rollup.sol";
import {WithdrawalMerkle} from "../src/lib/WithdrawalMerkle.sol";
import {LaminaHashes, OutputRootPreimage, Withdrawal} from "../src/lib/LaminaHashes.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";

contract WithdrawalTest is Fixture {

    Withdrawal[] internal ws;
    bytes32[] internal leaves;

    function setUp() public override {
        super.setUp();
        // Liquidity: 100 ETH, 1000 USDC, 50 WETH deposited by alice.
        depositEth(alice, 100 ether);
        usdc.mint(alice, 1000e6);
        weth.mint(alice, 50 ether);
        vm.startPrank(alice);
        usdc.approve(address(bridge), type(uint256).max);
        weth.approve(address(bridge), type(uint256).max);
        bridge.depositERC20(address(usdc), 1000e6, alice);
        bridge.depositERC20(address(weth), 50 ether, alice);
        vm.stopPrank();

        ws.push(Withdrawal({id: 0, l2Sender: alice, l1Recipient: bob, assetId: 0, amount: 2_500_000_000})); // 2.5 ETH
        ws.push(Withdrawal({id: 1, l2Sender: alice, l1Recipient: bob, assetId: USDC_ID, amount: 40e6}));
        ws.push(Withdrawal({id: 2, l2Sender: alice, l1Recipient: bob, assetId: WETH_ID, amount: 3_000_000_000})); // 3 WETH
        for (uint256 i = 0; i < ws.length; ++i) {
            leaves.push(leafOf(ws[i]));
        }
    }

    function proofFor(uint256 i) internal view returns (bytes32[] memory) {
        return WithdrawalMerkle.proofOf(leaves, i);
    }

    function test_finalizeWithdrawal_eth() public {
        (uint256 idx, OutputRootPreimage memory o) = finalizedOutputWith(leaves);
        bytes32[] memory proof = proofFor(0);
        uint256 before = bob.balance;
        vm.expectEmit(true, true, true, true, address(bridge));
        emit Bridge.WithdrawalFinalized(leaves[0], 0, idx, bob, 0, 2_500_000_000);
        vm.prank(stranger); // anyone may relay
        bridge.finalizeWithdrawal(idx, o, ws[0], 0, proof);
        assertEq(bob.balance, before + 2.5 ether, "paid amount * 1 gwei");
        assertTrue(bridge.finalizedWithdrawals(leaves[0]), "spent");
        assertEq(bridge.totalWithdrawn(0), 2.5 ether, "accounted");
        assertEq(address(bridge).balance, 97.5 ether, "bridge balance");
    }

    function test_finalizeWithdrawal_erc20WithUnits() public {
        (uint256 idx, OutputRootPreimage memory o) = finalizedOutputWith(leaves);
        bridge.finalizeWithdrawal(idx, o, ws[1], 1, proofFor(1));
        bridge.finalizeWithdrawal(idx, o, ws[2], 2, proofFor(2));
        assertEq(usdc.balanceOf(bob), 40e6, "usdc unit 1");
        assertEq(weth.balanceOf(bob), 3 ether, "weth unit 1e9");
        assertEq(bridge.totalWithdrawn(USDC_ID), 40e6, "usdc withdrawn");
        assertEq(bridge.totalWithdrawn(WETH_ID), 3 ether, "weth withdrawn");
    }

    function test_finalizeWithdrawal_revertsOnDoubleWithdrawal() public {
        (uint256 idx, OutputRootPreimage memory o) = finalizedOutputWith(leaves);
        bytes32[] memory proof = proofFor(0);
        bridge.finalizeWithdrawal(idx, o, ws[0], 0, proof);
        vm.expectRevert(abi.encodeWithSelector(Bridge.AlreadyFinalized.selector, leaves[0]));
        bridge.finalizeWithdrawal(idx, o, ws[0], 0, proof);
    }

    function test_finalizeWithdrawal_revertsAcrossOutputsToo() public {
        // The same withdrawal committed again in a later output is still paid once.
        (uint256 idx0, OutputRootPreimage memory o0) = finalizedOutputWith(leaves);
        (uint256 idx1, OutputRootPreimage memory o1) = finalizedOutputWith(leaves);
        bridge.finalizeWithdrawal(idx0, o0, ws[0], 0, proofFor(0));
        bytes32[] memory proof = proofFor(0);
        vm.expectRevert(abi.encodeWithSelector(Bridge.AlreadyFinalized.selector, leaves[0]));
        bridge.finalizeWithdrawal(idx1, o1, ws[0], 0, proof);
    }

    function test_finalizeWithdrawal_revertsOnBadProof() public {
        (uint256 idx, OutputRootPreimage memory o) = finalizedOutputWith(leaves);
        bytes32[] memory proof = proofFor(0);
        proof[1] = bytes32(uint256(proof[1]) + 1);
        vm.expectRevert(Bridge.InvalidWithdrawalProof.selector);
        bridge.finalizeWithdrawal(idx, o, ws[0], 0, proof);

        proof = proofFor(0);
        vm.expectRevert(Bridge.InvalidWithdrawalProof.selector);
        bridge.finalizeWithdrawal(idx, o, ws[0], 1, proof); // wrong leaf index

        Withdrawal memory inflated = ws[0];
        inflated.amount += 1;
        vm.expectRevert(Bridge.InvalidWithdrawalProof.selector);
        bridge.finalizeWithdrawal(idx, o, inflated, 0, proof); // tampered withdrawal

        Withdrawal memory redirected = ws[0];
        redirected.l1Recipient = stranger;
        vm.expectRevert(Bridge.InvalidWithdrawalProof.selector);
        bridge.finalizeWithdrawal(idx, o, redirected, 0, proof);

        bytes32[] memory tooDeep = new bytes32[](33);
        vm.expectRevert(Bridge.InvalidWithdrawalProof.selector);
        bridge.finalizeWithdrawal(idx, o, ws[0], 0, tooDeep);
    }

    function test_finalizeWithdrawal_revertsBeforeChallengeWindow() public {
        OutputRootPreimage memory o = preimageFor(WithdrawalMerkle.rootOf(leaves));
        uint256 idx = appendAndPropose(rollup, LaminaHashes.outputRootMem(o));
        bytes32[] memory proof = proofFor(0);
        vm.warp(block.timestamp + CHALLENGE - 1);
        vm.expectRevert(abi.encodeWithSelector(Rollup.OutputNotFinalized.selector, idx));
        bridge.finalizeWithdrawal(idx, o, ws[0], 0, proof);
        vm.warp(block.timestamp + 1);
        bridge.finalizeWithdrawal(idx, o, ws[0], 0, proof);
    }

    function test_finalizeWithdrawal_revertsOnMissingOrInvalidatedOutput() public {
        OutputRootPreimage memory o = preimageFor(WithdrawalMerkle.rootOf(leaves));
        bytes32[] memory proof = proofFor(0);
        vm.expectRevert(abi.encodeWithSelector(Rollup.OutputNotFinalized.selector, 0));
        bridge.finalizeWithdrawal(0, o, ws[0], 0, proof);

        uint256 idx = appendAndPropose(rollup, LaminaHashes.outputRootMem(o));
        vm.prank(disputeGame);
        rollup.invalidateOutputs(idx, disputeGame);
        vm.warp(block.timestamp + CHALLENGE);
        vm.expectRevert(abi.encodeWithSelector(Rollup.OutputNotFinalized.selector, idx));
        bridge.finalizeWithdrawal(idx, o, ws[0], 0, proof);
    }

    function test_finalizeWithdrawal_revertsOnWrongPreimage() public {
        (uint256 idx, OutputRootPreimage memory o) = finalizedOutputWith(leaves);
        bytes32[] memory proof = proofFor(0);
        OutputRootPreimage memory forged = o;
        forged.stateRoot = keccak256("another state");
        vm.expectRevert(abi.encodeWithSelector(Bridge.OutputRootMismatch.selector, idx));
        bridge.finalizeWithdrawal(idx, forged, ws[0], 0, proof);

        OutputRootPreimage memory v1 = o;
        v1.version = 1;
        vm.expectRevert(abi.encodeWithSelector(Bridge.UnsupportedOutputVersion.selector, 1));
        bridge.finalizeWithdrawal(idx, v1, ws[0], 0, proof);
    }

    function test_finalizeWithdrawal_revertsWhenPaused() public {
        (uint256 idx, OutputRootPreimage memory o) = finalizedOutputWith(leaves);
        bytes32[] memory proof = proofFor(0);
        vm.prank(pauser);
        bridge.pause();
        vm.expectRevert(Pausable.EnforcedPause.selector);
        bridge.finalizeWithdrawal(idx, o, ws[0], 0, proof);
        vm.prank(pauser);
        bridge.unpause();
        bridge.finalizeWithdrawal(idx, o, ws[0], 0, proof);
    }

    function test_finalizeWithdrawal_revertsOnUnknownAssetZeroAmountZeroRecipient() public {
        Withdrawal[] memory bad = new Withdrawal[](3);
        bad[0] = Withdrawal({id: 10, l2Sender: alice, l1Recipient: bob, assetId: 99, amount: 1});
        bad[1] = Withdrawal({id: 11, l2Sender: alice, l1Recipient: bob, assetId: 0, amount: 0});
        bad[2] = Withdrawal({id: 12, l2Sender: alice, l1Recipient: address(0), assetId: 0, amount: 1});
        bytes32[] memory l = new bytes32[](3);
        for (uint256 i = 0; i < 3; ++i) {
            l[i] = leafOf(bad[i]);
        }
        (uint256 idx, OutputRootPreimage memory o) = finalizedOutputWith(l);
        bytes32[] memory p0 = WithdrawalMerkle.proofOf(l, 0);
        bytes32[] memory p1 = WithdrawalMerkle.proofOf(l, 1);
        bytes32[] memory p2 = WithdrawalMerkle.proofOf(l, 2);
        vm.expectRevert(abi.encodeWithSelector(Bridge.UnknownAsset.selector, 99));
        bridge.finalizeWithdrawal(idx, o, bad[0], 0, p0);
        vm.expectRevert(Bridge.ZeroAmount.selector);
        bridge.finalizeWithdrawal(idx, o, bad[1], 1, p1);
        vm.expectRevert(Bridge.ZeroAddress.selector);
        bridge.finalizeWithdrawal(idx, o, bad[2], 2, p2);
    }

    function test_finalizeWithdrawal_neverPaysMoreThanDeposited() public {
        // 100 ETH deposited; an (invalid but finalized) output paying 100.000000001 ETH.
        Withdrawal[] memory w = new Withdrawal[](2);
        w[0] = Withdrawal({id: 20, l2Sender: alice, l1Recipient: bob, assetId: 0, amount: 60e9});
        w[1] = Withdrawal({id: 21, l2Sender: alice, l1Recipient: bob, assetId: 0, amount: 40e9 + 1});
        bytes32[] memory l = new bytes32[](2);
        l[0] = leafOf(w[0]);
        l[1] = leafOf(w[1]);
        (uint256 idx, OutputRootPreimage memory o) = finalizedOutputWith(l);
        bridge.finalizeWithdrawal(idx, o, w[0], 0, WithdrawalMerkle.proofOf(l, 0));
        bytes32[] memory p1 = WithdrawalMerkle.proofOf(l, 1);
        vm.expectRevert(abi.encodeWithSelector(Bridge.WithdrawalExceedsDeposits.selector, 0));
        bridge.finalizeWithdrawal(idx, o, w[1], 1, p1);
    }

    function test_finalizeWithdrawal_revertsWhenRecipientRejectsEther() public {
        RejectEther r = new RejectEther();
        Withdrawal[] memory w = new Withdrawal[](1);
        w[0] = Withdrawal({id: 30, l2Sender: alice, l1Recipient: address(r), assetId: 0, amount: 1e9});
        bytes32[] memory l = new bytes32[](1);
        l[0] = leafOf(w[0]);
        (uint256 idx, OutputRootPreimage memory o) = finalizedOutputWith(l);
        bytes32[] memory none = new bytes32[](0);
        vm.expectRevert(abi.encodeWithSelector(Bridge.EthTransferFailed.selector, address(r), 1 ether));
        bridge.finalizeWithdrawal(idx, o, w[0], 0, none);
        assertFalse(bridge.finalizedWithdrawals(l[0]), "still unspent: can be retried");
    }

    function test_finalizeWithdrawal_reentrancyIsBlocked() public {
        ReentrantRecipient r = new ReentrantRecipient(bridge);
        Withdrawal[] memory w = new Withdrawal[](2);
        w[0] = Withdrawal({id: 40, l2Sender: alice, l1Recipient: address(r), assetId: 0, amount: 1e9});
        w[1] = Withdrawal({id: 41, l2Sender: alice, l1Recipient: address(r), assetId: 0, amount: 2e9});
        bytes32[] memory l = new bytes32[](2);
        l[0] = leafOf(w[0]);
        l[1] = leafOf(w[1]);
        (uint256 idx, OutputRootPreimage memory o) = finalizedOutputWith(l);
        // The recipient re-enters with the same withdrawal.
        r.arm(idx, o, w[0], 0, WithdrawalMerkle.proofOf(l, 0));
        bridge.finalizeWithdrawal(idx, o, w[0], 0, WithdrawalMerkle.proofOf(l, 0));
        assertTrue(r.attempted(), "re-entry attempted");
        assertEq(
            r.reentryError(),
            abi.encodeWithSelector(ReentrancyGuardTransient.ReentrancyGuardReentrantCall.selector),
            "blocked by the guard"
        );
        assertEq(r.received(), 1 ether, "paid once");
        assertEq(bridge.totalWithdrawn(0), 1 ether, "accounted once");
    }

    function test_finalizeWithdrawal_reentrancyWithAnotherWithdrawalIsBlocked() public {
        ReentrantRecipient r = new ReentrantRecipient(bridge);
        Withdrawal[] memory w = new Withdrawal[](2);
        w[0] = Withdrawal({id: 50, l2Sender: alice, l1Recipient: address(r), assetId: 0, amount: 1e9});
        w[1] = Withdrawal({id: 51, l2Sender: alice, l1Recipient: address(r), assetId: 0, amount: 2e9});
        bytes32[] memory l = new bytes32[](2);
        l[0] = leafOf(w[0]);
        l[1] = leafOf(w[1]);
        (uint256 idx, OutputRootPreimage memory o) = finalizedOutputWith(l);
        r.arm(idx, o, w[1], 1, WithdrawalMerkle.proofOf(l, 1));
        bridge.finalizeWithdrawal(idx, o, w[0], 0, WithdrawalMerkle.proofOf(l, 0));
        assertEq(r.received(), 1 ether, "inner withdrawal refused");
        assertFalse(bridge.finalizedWithdrawals(l[1]), "inner withdrawal not spent");
        bridge.finalizeWithdrawal(idx, o, w[1], 1, WithdrawalMerkle.proofOf(l, 1));
        assertEq(r.received(), 3 ether, "the second one works on its own");
    }

    function test_finalizeWithdrawal_depth10() public {
        bytes32[] memory l = new bytes32[](1000);
        for (uint256 i = 0; i < l.length; ++i) {
            l[i] = leafOf(Withdrawal({id: uint64(100 + i), l2Sender: alice, l1Recipient: bob, assetId: 0, amount: 1e6}));
        }
        (uint256 idx, OutputRootPreimage memory o) = finalizedOutputWith(l);
        uint256 at = 777;
        bytes32[] memory proof = WithdrawalMerkle.proofOf(l, at);
        assertEq(proof.length, 10, "depth 10");
        Withdrawal memory w =
            Withdrawal({id: uint64(100 + at), l2Sender: alice, l1Recipient: bob, assetId: 0, amount: 1e6});
        uint256 before = bob.balance;
        bridge.finalizeWithdrawal(idx, o, w, at, proof);
        assertEq(bob.balance, before + 1e6 * 1 gwei, "paid");
    }

    function test_finalizeWithdrawal_afterValidityProof() public {
        // In any mode, a proven output is final at once.
        MockVerifier v = new MockVerifier();
        vm.prank(admin);
        rollup.setValidityVerifier(v);
        OutputRootPreimage memory o = preimageFor(WithdrawalMerkle.rootOf(leaves));
        bytes32 root = LaminaHashes.outputRootMem(o);
        uint256 idx = appendAndPropose(rollup, root);
        rollup.proveOutput(idx, abi.encode(GENESIS_ROOT, root, rollup.batch(idx).hash));
        bridge.finalizeWithdrawal(idx, o, ws[0], 0, proofFor(0));
        assertTrue(bridge.finalizedWithdrawals(leaves[0]), "paid without waiting");
    }

    function test_noReturnValueToken_roundTrip() public {
        NoReturnToken t = new NoReturnToken();
        vm.prank(tokenAdmin);
        uint32 id = bridge.registerToken(address(t), 1);
        t.mint(alice, 500);
        vm.startPrank(alice);
        t.approve(address(bridge), 500);
        bridge.depositERC20(address(t), 500, alice);
        vm.stopPrank();
        assertEq(t.balanceOf(address(bridge)), 500, "deposited");
        Withdrawal memory w = Withdrawal({id: 60, l2Sender: alice, l1Recipient: bob, assetId: id, amount: 200});
        bytes32[] memory l = new bytes32[](1);
        l[0] = leafOf(w);
        (uint256 idx, OutputRootPreimage memory o) = finalizedOutputWith(l);
        bridge.finalizeWithdrawal(idx, o, w, 0, new bytes32[](0));
        assertEq(t.balanceOf(bob), 200, "withdrawn through SafeERC20");
        assertEq(t.balanceOf(address(bridge)), 300, "rest held");
    }
}
