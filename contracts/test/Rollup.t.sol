// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Fixture} from "./utils/Fixture.sol";
import {MockVerifier, RejectEther, ReentrantProposer} from "./utils/Mocks.sol";
import {Rollup} from "../src/Rollup.sol";
import {IValidityVerifier} from "../src/interfaces/IValidityVerifier.sol";
import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";

contract RollupTest is Fixture {
    bytes32 internal constant ROOT_A = keccak256("output A");
    bytes32 internal constant ROOT_B = keccak256("output B");
    bytes32 internal constant ROOT_C = keccak256("output C");


    function unauthorized(address who, bytes32 role) internal pure returns (bytes memory) {
        return abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, who, role);
    }

    // ------------------------------------------------------------ construction

    function test_constructor_setsEverything() public view {
        assertEq(uint256(rollup.mode()), uint256(Rollup.Mode.Optimistic), "mode");
        assertEq(rollup.l2ChainId(), CHAIN_ID, "chain id");
        assertEq(rollup.genesisOutputRoot(), GENESIS_ROOT, "genesis");
        assertEq(rollup.sequencingWindow(), SEQ_WINDOW, "sequencing window");
        assertEq(rollup.challengeWindow(), CHALLENGE, "challenge window");
        assertEq(rollup.proposalBond(), BOND, "bond");
        assertEq(rollup.batcherTimeout(), BATCHER_TIMEOUT, "batcher timeout");
        assertEq(rollup.proposerTimeout(), PROPOSER_TIMEOUT, "proposer timeout");
        assertEq(rollup.lastBatchAt(), block.timestamp, "last batch at");
        assertEq(rollup.lastProposalAt(), block.timestamp, "last proposal at");
        assertTrue(rollup.hasRole(rollup.DEFAULT_ADMIN_ROLE(), admin), "admin");
        assertTrue(rollup.hasRole(rollup.BATCHER_ROLE(), batcher), "batcher");
        assertTrue(rollup.hasRole(rollup.PROPOSER_ROLE(), proposer), "proposer");
        assertEq(rollup.batchCount(), 0, "no batches");
        assertEq(rollup.nextOutputIndex(), 0, "no outputs");
        assertEq(address(rollup.validityVerifier()), address(0), "no verifier");
    }

    function test_constructor_emitsParameterEvents() public {
        vm.expectEmit(false, false, false, true);
        emit Rollup.ChallengeWindowSet(0, CHALLENGE);
        vm.expectEmit(false, false, false, true);
        emit Rollup.ProposalBondSet(0, BOND);
        vm.expectEmit(false, false, false, true);
        emit Rollup.BatcherTimeoutSet(0, BATCHER_TIMEOUT);
        vm.expectEmit(false, false, false, true);
        emit Rollup.ProposerTimeoutSet(0, PROPOSER_TIMEOUT);
        new Rollup(admin, address(0), address(0), defaultConfig(Rollup.Mode.Zk));
    }

    function test_constructor_skipsZeroBatcherAndProposer() public {
        Rollup r = new Rollup(admin, address(0), address(0), defaultConfig(Rollup.Mode.Zk));
        assertFalse(r.hasRole(r.BATCHER_ROLE(), address(0)), "no zero batcher");
        assertFalse(r.hasRole(r.PROPOSER_ROLE(), address(0)), "no zero proposer");
        assertEq(uint256(r.mode()), uint256(Rollup.Mode.Zk), "zk");
    }

    function test_constructor_revertsOnZeroAdmin() public {
        vm.expectRevert(Rollup.ZeroAddress.selector);
        new Rollup(address(0), batcher, proposer, defaultConfig(Rollup.Mode.Optimistic));
    }

    function test_constructor_revertsOnZeroChainId() public {
        Rollup.Config memory c = defaultConfig(Rollup.Mode.Optimistic);
        c.l2ChainId = 0;
        vm.expectRevert(Rollup.InvalidChainId.selector);
        new Rollup(admin, batcher, proposer, c);
    }

    function test_constructor_revertsOnZeroSequencingWindow() public {
        Rollup.Config memory c = defaultConfig(Rollup.Mode.Optimistic);
        c.sequencingWindow = 0;
        vm.expectRevert(Rollup.InvalidSequencingWindow.selector);
        new Rollup(admin, batcher, proposer, c);
    }

    function test_constructor_revertsOnBadParameters() public {
        Rollup.Config memory c = defaultConfig(Rollup.Mode.Optimistic);
        c.challengeWindow = 30 days + 1;
        vm.expectRevert(abi.encodeWithSelector(Rollup.ChallengeWindowTooLong.selector, 30 days + 1, 30 days));
        new Rollup(admin, batcher, proposer, c);
        c = defaultConfig(Rollup.Mode.Optimistic);
        c.batcherTimeout = 0;
        vm.expectRevert(abi.encodeWithSelector(Rollup.TimeoutOutOfRange.selector, 0));
        new Rollup(admin, batcher, proposer, c);
        c = defaultConfig(Rollup.Mode.Optimistic);
        c.proposerTimeout = 30 days + 1;
        vm.expectRevert(abi.encodeWithSelector(Rollup.TimeoutOutOfRange.selector, 30 days + 1));
        new Rollup(admin, batcher, proposer, c);
    }

    // ----------------------------------------------------------------- batches

    function test_appendBatch_recordsAndEmits() public {
        bytes memory data = hex"0102030405";
        vm.roll(12345);
        vm.expectEmit(true, false, false, true, address(rollup));
        emit Rollup.BatchAppended(0, keccak256(data), 12345);
        uint256 idx = appendBatch(rollup, data);
        assertEq(idx, 0, "index 0");
        Rollup.Batch memory b = rollup.batch(0);
        assertEq(b.hash, keccak256(data), "hash");
        assertEq(b.l1Block, 12345, "l1 block");
        assertEq(b.timestamp, block.timestamp, "timestamp");
        assertEq(appendBatch(rollup, hex"ff"), 1, "index 1");
        assertEq(rollup.batchCount(), 2, "count");
    }

    function test_appendBatch_revertsForStranger() public {
        vm.prank(stranger);
        vm.expectRevert(abi.encodeWithSelector(Rollup.NotBatcher.selector, stranger));
        rollup.appendBatch(hex"01");
    }

    function test_appendBatch_revertsOnEmpty() public {
        vm.prank(batcher);
        vm.expectRevert(Rollup.EmptyBatch.selector);
        rollup.appendBatch("");
    }

    function test_appendBatch_sizeLimit() public {
        bytes memory max = new bytes(rollup.MAX_BATCH_BYTES());
        appendBatch(rollup, max);
        bytes memory tooBig = new bytes(rollup.MAX_BATCH_BYTES() + 1);
        vm.prank(batcher);
        vm.expectRevert(abi.encodeWithSelector(Rollup.BatchTooLarge.selector, tooBig.length, max.length));
        rollup.appendBatch(tooBig);
    }

    function test_appendBatch_revertsWhenPaused() public {
        vm.prank(pauser);
        rollup.pause();
        vm.prank(batcher);
        vm.expectRevert(Pausable.EnforcedPause.selector);
        rollup.appendBatch(hex"01");
    }

    function test_batch_revertsWhenMissing() public {
        vm.expectRevert(abi.encodeWithSelector(Rollup.BatchNotFound.selector, 0));
        rollup.batch(0);
    }

    function test_escapeHatch_anyoneAppendsAfterBatcherTimeout() public {
        appendBatch(rollup, hex"01");
        vm.warp(block.timestamp + BATCHER_TIMEOUT - 1);
        vm.prank(stranger);
        vm.expectRevert(abi.encodeWithSelector(Rollup.NotBatcher.selector, stranger));
        rollup.appendBatch(hex"02");

        vm.warp(block.timestamp + 1);
        vm.prank(stranger);
        assertEq(rollup.appendBatch(hex"02"), 1, "stranger appended");
        // The clock restarts: the next stranger batch must wait again.
        vm.prank(stranger);
        vm.expectRevert(abi.encodeWithSelector(Rollup.NotBatcher.selector, stranger));
        rollup.appendBatch(hex"03");
        // The batcher is never blocked.
        appendBatch(rollup, hex"03");
    }

    // ----------------------------------------------------------------- outputs

    function test_proposeOutput_recordsAndEmits() public {
        appendBatch(rollup, hex"01");
        vm.expectEmit(true, true, true, true, address(rollup));
        emit Rollup.OutputProposed(0, ROOT_A, proposer, 7, BOND, uint64(block.timestamp) + CHALLENGE);
        vm.prank(proposer);
        rollup.proposeOutput{value: BOND}(0, ROOT_A, 7);
        Rollup.Output memory o = rollup.output(0);
        assertEq(o.root, ROOT_A, "root");
        assertEq(o.proposer, proposer, "proposer");
        assertEq(o.l2BlockNumber, 7, "l2 block");
        assertEq(o.proposedAt, block.timestamp, "proposed at");
        assertEq(o.finalizesAt, block.timestamp + CHALLENGE, "finalizes at");
        assertEq(rollup.outputRoot(0), ROOT_A, "outputRoot view");
        assertEq(rollup.bondOf(0), BOND, "bond");
        assertEq(rollup.nextOutputIndex(), 1, "next");
        assertEq(address(rollup).balance, BOND, "bond held");
    }

    function test_proposeOutput_revertsOnWrongBond() public {
        appendBatch(rollup, hex"01");
        vm.startPrank(proposer);
        vm.expectRevert(abi.encodeWithSelector(Rollup.WrongBond.selector, BOND, BOND - 1));
        rollup.proposeOutput{value: BOND - 1}(0, ROOT_A, 1);
        vm.expectRevert(abi.encodeWithSelector(Rollup.WrongBond.selector, BOND, BOND + 1));
        rollup.proposeOutput{value: BOND + 1}(0, ROOT_A, 1);
        vm.expectRevert(abi.encodeWithSelector(Rollup.WrongBond.selector, BOND, 0));
        rollup.proposeOutput(0, ROOT_A, 1);
        vm.stopPrank();
    }

    function test_proposeOutput_revertsOutOfOrder() public {
        appendBatch(rollup, hex"01");
        appendBatch(rollup, hex"02");
        vm.startPrank(proposer);
        vm.expectRevert(abi.encodeWithSelector(Rollup.OutputOutOfOrder.selector, 0, 1));
        rollup.proposeOutput{value: BOND}(1, ROOT_A, 1);
        rollup.proposeOutput{value: BOND}(0, ROOT_A, 1);
        vm.expectRevert(abi.encodeWithSelector(Rollup.OutputOutOfOrder.selector, 1, 0));
        rollup.proposeOutput{value: BOND}(0, ROOT_B, 2);
        vm.stopPrank();
    }

    function test_proposeOutput_revertsWithoutBatch() public {
        vm.prank(proposer);
        vm.expectRevert(abi.encodeWithSelector(Rollup.BatchNotFound.selector, 0));
        rollup.proposeOutput{value: BOND}(0, ROOT_A, 1);
    }

    function test_proposeOutput_revertsOnZeroRoot() public {
        appendBatch(rollup, hex"01");
        vm.prank(proposer);
        vm.expectRevert(Rollup.ZeroOutputRoot.selector);
        rollup.proposeOutput{value: BOND}(0, bytes32(0), 1);
    }

    function test_proposeOutput_revertsOnDecreasingL2Block() public {
        appendBatch(rollup, hex"01");
        appendBatch(rollup, hex"02");
        appendBatch(rollup, hex"03");
        vm.startPrank(proposer);
        rollup.proposeOutput{value: BOND}(0, ROOT_A, 5);
        vm.expectRevert(abi.encodeWithSelector(Rollup.L2BlockDecreasing.selector, 5, 4));
        rollup.proposeOutput{value: BOND}(1, ROOT_B, 4);
        // equal: the output of a batch that derivation ignored
        rollup.proposeOutput{value: BOND}(1, ROOT_B, 5);
        rollup.proposeOutput{value: BOND}(2, ROOT_A, 6);
        vm.stopPrank();
    }

    function test_proposeOutput_revertsForStranger() public {
        appendBatch(rollup, hex"01");
        vm.prank(stranger);
        vm.expectRevert(abi.encodeWithSelector(Rollup.NotProposer.selector, stranger));
        rollup.proposeOutput{value: BOND}(0, ROOT_A, 1);
    }

    function test_proposeOutput_revertsWhenPaused() public {
        appendBatch(rollup, hex"01");
        vm.prank(pauser);
        rollup.pause();
        vm.prank(proposer);
        vm.expectRevert(Pausable.EnforcedPause.selector);
        rollup.proposeOutput{value: BOND}(0, ROOT_A, 1);
    }

    function test_escapeHatch_anyoneProposesAfterProposerTimeout() public {
        appendBatch(rollup, hex"01");
        appendBatch(rollup, hex"02");
        vm.warp(block.timestamp + PROPOSER_TIMEOUT - 1);
        vm.prank(stranger);
        vm.expectRevert(abi.encodeWithSelector(Rollup.NotProposer.selector, stranger));
        rollup.proposeOutput{value: BOND}(0, ROOT_A, 1);
        vm.warp(block.timestamp + 1);
        // Still needs the exact bond.
        vm.prank(stranger);
        vm.expectRevert(abi.encodeWithSelector(Rollup.WrongBond.selector, BOND, 0));
        rollup.proposeOutput(0, ROOT_A, 1);
        vm.prank(stranger);
        rollup.proposeOutput{value: BOND}(0, ROOT_A, 1);
        assertEq(rollup.output(0).proposer, stranger, "stranger proposed");
        // The clock restarts.
        vm.prank(stranger);
        vm.expectRevert(abi.encodeWithSelector(Rollup.NotProposer.selector, stranger));
        rollup.proposeOutput{value: BOND}(1, ROOT_B, 2);
    }

    function test_outputViews_revertWhenMissing() public {
        vm.expectRevert(abi.encodeWithSelector(Rollup.OutputNotFound.selector, 0));
        rollup.outputRoot(0);
        vm.expectRevert(abi.encodeWithSelector(Rollup.OutputNotFound.selector, 0));
        rollup.output(0);
        vm.expectRevert(abi.encodeWithSelector(Rollup.OutputNotFound.selector, 0));
        rollup.bondOf(0);
        vm.expectRevert(abi.encodeWithSelector(Rollup.OutputNotFinalized.selector, 0));
        rollup.finalizedOutputRoot(0);
        assertFalse(rollup.isFinalized(0), "missing is not final");
    }

    // -------------------------------------------------------------- finality

    function test_finality_afterChallengeWindowExactly() public {
        uint256 t0 = block.timestamp;
        appendAndPropose(rollup, ROOT_A);
        vm.warp(t0 + CHALLENGE - 1);
        assertFalse(rollup.isFinalized(0), "not yet");
        vm.expectRevert(abi.encodeWithSelector(Rollup.OutputNotFinalized.selector, 0));
        rollup.finalizedOutputRoot(0);
        vm.warp(t0 + CHALLENGE);
        assertTrue(rollup.isFinalized(0), "final at proposedAt + window");
        assertEq(rollup.finalizedOutputRoot(0), ROOT_A, "root");
    }

    function test_finalizeOutput_returnsBondOnce() public {
        appendAndPropose(rollup, ROOT_A);
        vm.expectRevert(abi.encodeWithSelector(Rollup.OutputNotFinalized.selector, 0));
        rollup.finalizeOutput(0);
        vm.warp(block.timestamp + CHALLENGE);
        uint256 before = proposer.balance;
        vm.expectEmit(true, true, false, true, address(rollup));
        emit Rollup.OutputFinalized(0, proposer, BOND);
        vm.prank(stranger);
        rollup.finalizeOutput(0);
        assertEq(proposer.balance, before + BOND, "bond back");
        assertTrue(rollup.output(0).bondReturned, "flag");
        vm.recordLogs();
        rollup.finalizeOutput(0); // idempotent: no revert, no payment, no event
        assertEq(vm.getRecordedLogs().length, 0, "no event the second time");
        assertEq(proposer.balance, before + BOND, "paid once");
        assertEq(address(rollup).balance, 0, "rollup empty");
    }

    function test_finalizeOutput_revertsWhenMissing() public {
        vm.expectRevert(abi.encodeWithSelector(Rollup.OutputNotFound.selector, 0));
        rollup.finalizeOutput(0);
    }

    function test_finalizeOutput_worksWhilePaused() public {
        appendAndPropose(rollup, ROOT_A);
        vm.prank(pauser);
        rollup.pause();
        vm.warp(block.timestamp + CHALLENGE);
        rollup.finalizeOutput(0);
        assertTrue(rollup.output(0).bondReturned, "bond returned while paused");
    }

    function test_finalizeOutput_reentrantProposerPaidOnce() public {
        ReentrantProposer p = new ReentrantProposer(rollup);
        bytes32 role = rollup.PROPOSER_ROLE();
        vm.prank(admin);
        rollup.grantRole(role, address(p));
        appendBatch(rollup, hex"01");
        p.propose{value: BOND}(0, ROOT_A, 1);
        vm.warp(block.timestamp + CHALLENGE);
        rollup.finalizeOutput(0);
        assertEq(p.calls(), 1, "one payment");
        assertEq(address(p).balance, BOND, "bond once");
    }

    function test_finalizeOutput_revertsWhenProposerRejectsEther() public {
        RejectEther r = new RejectEther();
        bytes32 role = rollup.PROPOSER_ROLE();
        vm.prank(admin);
        rollup.grantRole(role, address(r));
        appendBatch(rollup, hex"01");
        vm.deal(address(r), BOND);
        vm.prank(address(r));
        rollup.proposeOutput{value: BOND}(0, ROOT_A, 1);
        vm.warp(block.timestamp + CHALLENGE);
        vm.expectRevert(abi.encodeWithSelector(Rollup.EthTransferFailed.selector, address(r), BOND));
        rollup.finalizeOutput(0);
    }

    function test_finality_monotonicWhenWindowShrinks() public {
        uint256 t0 = block.timestamp;
        appendAndPropose(rollup, ROOT_A);
        vm.prank(admin);
        rollup.setChallengeWindow(1 hours);
        vm.warp(t0 + 10);
        appendAndPropose(rollup, ROOT_B);
        assertEq(rollup.output(1).finalizesAt, t0 + CHALLENGE, "inherits predecessor's time");
        vm.warp(t0 + 2 hours);
        assertFalse(rollup.isFinalized(1), "not before its predecessor");
        vm.warp(t0 + CHALLENGE);
        assertTrue(rollup.isFinalized(0) && rollup.isFinalized(1), "both final");
        // The shorter window applies once it is later than the predecessor's time.
        appendAndPropose(rollup, ROOT_C);
        assertEq(rollup.output(2).finalizesAt, t0 + CHALLENGE + 1 hours, "new window");
    }

    function test_latestFinalizedIndex() public {
        (bool found,) = rollup.latestFinalizedIndex();
        assertFalse(found, "none yet");
        uint256 t0 = block.timestamp;
        appendAndPropose(rollup, ROOT_A);
        vm.warp(t0 + 1 days);
        appendAndPropose(rollup, ROOT_B);
        vm.warp(t0 + 2 days);
        appendAndPropose(rollup, ROOT_C);
        (found,) = rollup.latestFinalizedIndex();
        assertFalse(found, "none final");
        vm.warp(t0 + CHALLENGE + 1 days);
        uint256 idx;
        (found, idx) = rollup.latestFinalizedIndex();
        assertTrue(found, "found");
        assertEq(idx, 1, "outputs 0 and 1 final");
        vm.warp(t0 + CHALLENGE + 2 days);
        (found, idx) = rollup.latestFinalizedIndex();
        assertEq(idx, 2, "all final");
    }

    // ------------------------------------------------------------ invalidation

    function test_invalidateOutputs_truncatesAndPaysBonds() public {
        appendAndPropose(rollup, ROOT_A);
        vm.prank(admin);
        rollup.setProposalBond(2 ether);
        appendBatch(rollup, hex"aa");
        vm.prank(proposer);
        rollup.proposeOutput{value: 2 ether}(1, ROOT_B, 20);
        appendBatch(rollup, hex"bb");
        vm.prank(proposer);
        rollup.proposeOutput{value: 2 ether}(2, ROOT_C, 30);
        assertEq(rollup.bondOf(1), 2 ether, "bond 1");

        uint256 before = bob.balance;
        vm.expectEmit(true, true, false, true, address(rollup));
        emit Rollup.OutputsInvalidated(1, 3, bob, 4 ether);
        vm.prank(disputeGame);
        rollup.invalidateOutputs(1, bob);
        assertEq(bob.balance, before + 4 ether, "bonds of outputs 1 and 2");
        assertEq(rollup.nextOutputIndex(), 1, "truncated");
        vm.expectRevert(abi.encodeWithSelector(Rollup.OutputNotFound.selector, 1));
        rollup.outputRoot(1);
        assertEq(address(rollup).balance, 1 ether, "output 0's bond stays");

        // The chain continues from output 1 (its batch still exists).
        vm.prank(proposer);
        rollup.proposeOutput{value: 2 ether}(1, ROOT_C, 20);
        assertEq(rollup.outputRoot(1), ROOT_C, "re-proposed");
        assertEq(rollup.bondOf(1), 2 ether, "bond of the new output");
        vm.prank(disputeGame);
        rollup.invalidateOutputs(0, bob);
        assertEq(bob.balance, before + 7 ether, "1 + 2 more");
        assertEq(address(rollup).balance, 0, "no bond left behind");
    }

    function test_invalidateOutputs_revertsForStranger() public {
        appendAndPropose(rollup, ROOT_A);
        bytes memory err = unauthorized(stranger, rollup.DISPUTE_GAME_ROLE());
        vm.prank(stranger);
        vm.expectRevert(err);
        rollup.invalidateOutputs(0, stranger);
    }

    function test_invalidateOutputs_revertsOnFinalized() public {
        appendAndPropose(rollup, ROOT_A);
        vm.warp(block.timestamp + CHALLENGE);
        vm.prank(disputeGame);
        vm.expectRevert(abi.encodeWithSelector(Rollup.OutputAlreadyFinalized.selector, 0));
        rollup.invalidateOutputs(0, bob);
    }

    function test_invalidateOutputs_revertsWhenMissingOrZeroBeneficiary() public {
        vm.startPrank(disputeGame);
        vm.expectRevert(abi.encodeWithSelector(Rollup.OutputNotFound.selector, 0));
        rollup.invalidateOutputs(0, bob);
        vm.stopPrank();
        appendAndPropose(rollup, ROOT_A);
        vm.prank(disputeGame);
        vm.expectRevert(Rollup.ZeroAddress.selector);
        rollup.invalidateOutputs(0, address(0));
    }

    function test_invalidateOutputs_worksWhilePaused() public {
        appendAndPropose(rollup, ROOT_A);
        vm.prank(pauser);
        rollup.pause();
        vm.prank(disputeGame);
        rollup.invalidateOutputs(0, bob);
        assertEq(rollup.nextOutputIndex(), 0, "removed");
    }

    function test_invalidateOutputs_withZeroBond() public {
        vm.prank(admin);
        rollup.setProposalBond(0);
        appendBatch(rollup, hex"01");
        vm.prank(proposer);
        rollup.proposeOutput(0, ROOT_A, 1);
        uint256 before = bob.balance;
        vm.prank(disputeGame);
        rollup.invalidateOutputs(0, bob);
        assertEq(bob.balance, before, "nothing to pay");
    }

    // ---------------------------------------------------------- validity proofs

    function proofFor(bytes32 prev, uint256 index) internal view returns (bytes memory) {
        return abi.encode(prev, rollup.outputRoot(index), rollup.batch(index).hash);
    }

    function test_proveOutput_revertsWithoutVerifier() public {
        appendAndPropose(rollup, ROOT_A);
        vm.expectRevert(Rollup.NoVerifier.selector);
        rollup.proveOutput(0, "");
    }

    function test_proveOutput_finalizesAtOnce() public {
        MockVerifier v = new MockVerifier();
        vm.expectEmit(false, false, false, true, address(rollup));
        emit Rollup.ValidityVerifierSet(address(0), address(v));
        vm.prank(admin);
        rollup.setValidityVerifier(v);
        appendAndPropose(rollup, ROOT_A);
        appendAndPropose(rollup, ROOT_B);

        bytes memory proof0 = proofFor(GENESIS_ROOT, 0);
        bytes memory proof1 = proofFor(ROOT_A, 1);
        bytes memory wrongPrev = proofFor(ROOT_A, 0); // output 0 starts from genesis
        vm.expectRevert(abi.encodeWithSelector(Rollup.PreviousOutputNotFinalized.selector, 1));
        rollup.proveOutput(1, proof1);
        vm.expectRevert(abi.encodeWithSelector(Rollup.InvalidProof.selector, 0));
        rollup.proveOutput(0, wrongPrev);

        uint256 before = proposer.balance;
        vm.expectEmit(true, true, false, true, address(rollup));
        emit Rollup.OutputProven(0, stranger);
        vm.expectEmit(true, true, false, true, address(rollup));
        emit Rollup.OutputFinalized(0, proposer, BOND);
        vm.prank(stranger);
        rollup.proveOutput(0, proof0);
        assertTrue(rollup.isFinalized(0), "final without waiting");
        assertEq(proposer.balance, before + BOND, "bond returned");
        rollup.finalizeOutput(0); // no-op
        assertEq(proposer.balance, before + BOND, "bond returned once");

        vm.expectRevert(abi.encodeWithSelector(Rollup.OutputAlreadyFinalized.selector, 0));
        rollup.proveOutput(0, proof0);

        rollup.proveOutput(1, proof1);
        assertTrue(rollup.isFinalized(1), "second proven");
        vm.expectRevert(abi.encodeWithSelector(Rollup.OutputNotFound.selector, 2));
        rollup.proveOutput(2, "");
    }

    function test_proveOutput_revertsWhenVerifierRejects() public {
        MockVerifier v = new MockVerifier();
        vm.prank(admin);
        rollup.setValidityVerifier(v);
        appendAndPropose(rollup, ROOT_A);
        v.setAccept(false);
        bytes memory proof = proofFor(GENESIS_ROOT, 0);
        vm.expectRevert(abi.encodeWithSelector(Rollup.InvalidProof.selector, 0));
        rollup.proveOutput(0, proof);
    }

    function test_proveOutput_revertsWhenPaused() public {
        MockVerifier v = new MockVerifier();
        vm.prank(admin);
        rollup.setValidityVerifier(v);
        appendAndPropose(rollup, ROOT_A);
        bytes memory proof = proofFor(GENESIS_ROOT, 0);
        vm.prank(pauser);
        rollup.pause();
        vm.expectRevert(Pausable.EnforcedPause.selector);
        rollup.proveOutput(0, proof);
    }

    function test_zkMode_onlyProofsFinalize() public {
        Rollup zk = deployRollup(Rollup.Mode.Zk);
        MockVerifier v = new MockVerifier();
        vm.prank(admin);
        zk.setValidityVerifier(v);
        appendAndPropose(zk, ROOT_A);
        vm.warp(block.timestamp + 365 days);
        assertFalse(zk.isFinalized(0), "time alone never finalizes in zk mode");
        bytes memory proof = abi.encode(GENESIS_ROOT, ROOT_A, zk.batch(0).hash);
        zk.proveOutput(0, proof);
        assertTrue(zk.isFinalized(0), "proof finalizes");
        vm.expectRevert(abi.encodeWithSelector(Rollup.OutputAlreadyFinalized.selector, 0));
        zk.pruneUnproven(0);
    }

    function test_zkMode_pruneUnprovenAfterDeadline() public {
        Rollup zk = deployRollup(Rollup.Mode.Validium);
        uint256 t0 = block.timestamp;
        appendAndPropose(zk, ROOT_A);
        appendAndPropose(zk, ROOT_B);
        vm.warp(t0 + CHALLENGE - 1);
        vm.prank(stranger);
        vm.expectRevert(abi.encodeWithSelector(Rollup.ProofDeadlineNotReached.selector, 0, t0 + CHALLENGE));
        zk.pruneUnproven(0);
        vm.warp(t0 + CHALLENGE);
        uint256 before = stranger.balance;
        vm.expectEmit(true, true, false, true, address(zk));
        emit Rollup.OutputsInvalidated(0, 2, stranger, 2 * BOND);
        vm.prank(stranger);
        zk.pruneUnproven(0);
        assertEq(stranger.balance, before + 2 * BOND, "bonds to the pruner");
        assertEq(zk.nextOutputIndex(), 0, "pruned");
        vm.expectRevert(abi.encodeWithSelector(Rollup.OutputNotFound.selector, 0));
        zk.pruneUnproven(0);
    }

    function test_pruneUnproven_revertsInOptimisticMode() public {
        appendAndPropose(rollup, ROOT_A);
        vm.expectRevert(Rollup.NotValidityMode.selector);
        rollup.pruneUnproven(0);
    }

    // ------------------------------------------------------------------- admin

    function test_setters_emitAndApply() public {
        vm.startPrank(admin);
        vm.expectEmit(false, false, false, true, address(rollup));
        emit Rollup.ChallengeWindowSet(CHALLENGE, 5);
        rollup.setChallengeWindow(5);
        vm.expectEmit(false, false, false, true, address(rollup));
        emit Rollup.ProposalBondSet(BOND, 3 ether);
        rollup.setProposalBond(3 ether);
        vm.expectEmit(false, false, false, true, address(rollup));
        emit Rollup.BatcherTimeoutSet(BATCHER_TIMEOUT, 60);
        rollup.setBatcherTimeout(60);
        vm.expectEmit(false, false, false, true, address(rollup));
        emit Rollup.ProposerTimeoutSet(PROPOSER_TIMEOUT, 120);
        rollup.setProposerTimeout(120);
        vm.stopPrank();
        assertEq(rollup.challengeWindow(), 5, "window");
        assertEq(rollup.proposalBond(), 3 ether, "bond");
        assertEq(rollup.batcherTimeout(), 60, "batcher timeout");
        assertEq(rollup.proposerTimeout(), 120, "proposer timeout");
    }

    function test_setters_enforceBounds() public {
        vm.startPrank(admin);
        vm.expectRevert(abi.encodeWithSelector(Rollup.ChallengeWindowTooLong.selector, 30 days + 1, 30 days));
        rollup.setChallengeWindow(30 days + 1);
        rollup.setChallengeWindow(0); // a devnet may finalize at once
        vm.expectRevert(abi.encodeWithSelector(Rollup.TimeoutOutOfRange.selector, 0));
        rollup.setBatcherTimeout(0);
        vm.expectRevert(abi.encodeWithSelector(Rollup.TimeoutOutOfRange.selector, 30 days + 1));
        rollup.setBatcherTimeout(30 days + 1);
        vm.expectRevert(abi.encodeWithSelector(Rollup.TimeoutOutOfRange.selector, 0));
        rollup.setProposerTimeout(0);
        vm.stopPrank();
    }

    function test_setters_revertForNonAdmin() public {
        bytes32 role = rollup.DEFAULT_ADMIN_ROLE();
        vm.startPrank(stranger);
        vm.expectRevert(unauthorized(stranger, role));
        rollup.setChallengeWindow(1);
        vm.expectRevert(unauthorized(stranger, role));
        rollup.setProposalBond(1);
        vm.expectRevert(unauthorized(stranger, role));
        rollup.setBatcherTimeout(1);
        vm.expectRevert(unauthorized(stranger, role));
        rollup.setProposerTimeout(1);
        vm.expectRevert(unauthorized(stranger, role));
        rollup.setValidityVerifier(IValidityVerifier(address(1)));
        bytes32 batcherRole = rollup.BATCHER_ROLE();
        vm.expectRevert(unauthorized(stranger, role));
        rollup.grantRole(batcherRole, stranger);
        vm.stopPrank();
    }

    function test_pause_onlyPauser() public {
        bytes32 role = rollup.PAUSER_ROLE();
        vm.prank(stranger);
        vm.expectRevert(unauthorized(stranger, role));
        rollup.pause();
        vm.prank(admin); // the admin is not a pauser unless granted
        vm.expectRevert(unauthorized(admin, role));
        rollup.pause();
        vm.prank(pauser);
        rollup.pause();
        assertTrue(rollup.paused(), "paused");
        vm.prank(stranger);
        vm.expectRevert(unauthorized(stranger, role));
        rollup.unpause();
        vm.prank(pauser);
        rollup.unpause();
        assertFalse(rollup.paused(), "unpaused");
        appendBatch(rollup, hex"01");
    }

    function test_zeroChallengeWindow_finalAtOnce() public {
        vm.prank(admin);
        rollup.setChallengeWindow(0);
        appendAndPropose(rollup, ROOT_A);
        assertTrue(rollup.isFinalized(0), "devnet window 0");
    }
}
