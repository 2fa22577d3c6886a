// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Test, Vm} from "./utils/Test.sol";
import {Fixture} from "./utils/Fixture.sol";
import {MockERC20} from "./utils/Mocks.sol";
import {Bridge} from "../src/Bridge.sol";
import {Rollup} from "../src/Rollup.sol";
import {WithdrawalMerkle} from "../src/lib/WithdrawalMerkle.sol";
import {LaminaHashes, OutputRootPreimage, Withdrawal} from "../src/lib/LaminaHashes.sol";

/// @notice Drives the Bridge (and the Rollup behind it) with random deposits,
///         forced messages, proven withdrawals, replays and overdraws, and
///         keeps ghost copies of what the contracts should hold.
contract BridgeHandler {
    Vm internal constant vm = Vm(0x7109709ECfa91a80626fF3989D68f67F5b1DD12D);

    Bridge public immutable bridge;
    Rollup public immutable rollup;
    MockERC20 public immutable usdc;
    MockERC20 public immutable weth;
    address internal immutable batcher;
    address internal immutable proposer;
    uint64 internal immutable challenge;

    uint256[3] public ghostDeposited; // wei, assets 0 (ETH), 1 (USDC), 2 (WETH)
    uint256[3] public ghostWithdrawn;
    uint256 public ghostMessages;
    bytes32 public ghostQueue;
    uint256 public doublePays; // must stay 0
    uint256 public overdraws; // must stay 0
    uint256 public withdrawals;

    struct Paid {
        uint256 outputIndex;
        OutputRootPreimage o;
        Withdrawal w;
        uint256 leafIndex;
        bytes32[] proof;
    }

    Paid[] internal paid;
    uint64 internal nextWithdrawalId;
    uint64 internal l2Block;

    constructor(Bridge b, Rollup r, MockERC20 u, MockERC20 w, address batcher_, address proposer_, uint64 challenge_) {
        bridge = b;
        rollup = r;
        usdc = u;
        weth = w;
        batcher = batcher_;
        proposer = proposer_;
        challenge = challenge_;
    }

    function actor(uint256 seed) internal pure returns (address) {
        return address(uint160(0x10000 + (seed % 5)));
    }

    function unitOf(uint256 assetId) internal pure returns (uint256) {
        return assetId == 0 ? 1 gwei : (assetId == 1 ? 1 : 1e9);
    }

    function track(bytes32 messageHash) internal {
        ghostQueue = LaminaHashes.chain(ghostQueue, messageHash);
        ghostMessages++;
    }

    function bnd(uint256 x, uint256 lo, uint256 hi) internal pure returns (uint256) {
        return lo + (x % (hi - lo + 1));
    }

    // ------------------------------------------------------------- actions

    function depositETH(uint256 actorSeed, uint256 units) external {
        address a = actor(actorSeed);
        units = bnd(units, 1, 1e12);
        vm.deal(a, a.balance + units * 1 gwei);
        vm.prank(a);
        uint256 idx = bridge.depositETH{value: units * 1 gwei}(a);
        track(LaminaHashes.depositMessage(uint64(idx), uint64(block.number), a, a, 0, uint64(units)));
        ghostDeposited[0] += units * 1 gwei;
    }

    function depositERC20(uint256 actorSeed, bool useWeth, uint256 units) external {
        address a = actor(actorSeed);
        units = bnd(units, 1, 1e12);
        uint32 assetId = useWeth ? 2 : 1;
        MockERC20 t = useWeth ? weth : usdc;
        uint256 amount = units * unitOf(assetId);
        t.mint(a, amount);
        vm.startPrank(a);
        t.approve(address(bridge), amount);
        uint256 idx = bridge.depositERC20(address(t), amount, a);
        vm.stopPrank();
        track(LaminaHashes.depositMessage(uint64(idx), uint64(block.number), a, a, assetId, uint64(units)));
        ghostDeposited[assetId] += amount;
    }

    function forceWithdrawal(uint256 actorSeed, uint256 assetSeed, uint64 amount) external {
        address a = actor(actorSeed);
        uint32 assetId = uint32(assetSeed % 3);
        if (amount == 0) amount = 1;
        vm.prank(a);
        uint256 idx = bridge.forceWithdrawal(assetId, amount, a);
        track(LaminaHashes.forcedWithdrawalMessage(uint64(idx), uint64(block.number), a, a, assetId, amount));
    }

    function forceTransaction(uint256 actorSeed, uint256 len) external {
        address a = actor(actorSeed);
        bytes memory l2Tx = new bytes(bnd(len, 1, 300));
        l2Tx[0] = bytes1(uint8(actorSeed));
        vm.prank(a);
        uint256 idx = bridge.forceTransaction(l2Tx);
        track(LaminaHashes.forcedTxMessage(uint64(idx), uint64(block.number), a, keccak256(l2Tx)));
    }

    /// @dev Proposes an output whose withdrawals tree holds one real
    ///      withdrawal among decoys, waits out the window and finalizes it.
    function withdraw(uint256 actorSeed, uint256 assetSeed, uint256 amountSeed, uint256 decoys, uint256 pos) external {
        uint32 assetId = uint32(assetSeed % 3);
        uint256 outstanding = (ghostDeposited[assetId] - ghostWithdrawn[assetId]) / unitOf(assetId);
        if (outstanding == 0) return;
        Withdrawal memory w = Withdrawal({
            id: nextWithdrawalId++,
            l2Sender: actor(actorSeed),
            l1Recipient: actor((actorSeed % 5) + 1),
            assetId: assetId,
            amount: uint64(bnd(amountSeed, 1, outstanding > type(uint64).max ? type(uint64).max : outstanding))
        });
        uint256 n = bnd(decoys, 1, 9);
        pos = pos % n;
        bytes32[] memory leaves = new bytes32[](n);
        for (uint256 i = 0; i < n; ++i) {
            leaves[i] = keccak256(abi.encode("decoy", nextWithdrawalId, i));
        }
        leaves[pos] = LaminaHashes.withdrawalLeafMem(w);
        OutputRootPreimage memory o = OutputRootPreimage({
            version: 0,
            stateRoot: keccak256(abi.encode("state", nextWithdrawalId)),
            withdrawalsRoot: WithdrawalMerkle.rootOf(leaves),
            lastBlockHash: keccak256(abi.encode("block", nextWithdrawalId))
        });
        uint256 outputIndex = proposeFinal(o);
        bytes32[] memory proof = WithdrawalMerkle.proofOf(leaves, pos);
        bridge.finalizeWithdrawal(outputIndex, o, w, pos, proof);
        ghostWithdrawn[assetId] += uint256(w.amount) * unitOf(assetId);
        withdrawals++;
        paid.push();
        Paid storage p = paid[paid.length - 1];
        p.outputIndex = outputIndex;
        p.o = o;
        p.w = w;
        p.leafIndex = pos;
        p.proof = proof;
    }

    /// @dev Appends a batch, proposes `o` for it and waits until it is final.
    function proposeFinal(OutputRootPreimage memory o) internal returns (uint256 batchIndex) {
        vm.prank(batcher);
        batchIndex = rollup.appendBatch(abi.encode(o));
        uint256 bond = rollup.proposalBond();
        vm.deal(proposer, proposer.balance + bond);
        vm.prank(proposer);
        rollup.proposeOutput{value: bond}(batchIndex, LaminaHashes.outputRootMem(o), ++l2Block);
        vm.warp(block.timestamp + challenge);
    }

    /// @dev Replays a paid withdrawal; it must revert.
    function replay(uint256 seed) external {
        if (paid.length == 0) return;
        Paid storage p = paid[seed % paid.length];
        try bridge.finalizeWithdrawal(p.outputIndex, p.o, p.w, p.leafIndex, p.proof) {
            doublePays++;
        } catch {}
    }

    /// @dev Proves a withdrawal of one unit more than the bridge holds for the
    ///      asset in a finalized output; paying it must revert.
    function overdraw(uint256 assetSeed) external {
        uint32 assetId = uint32(assetSeed % 3);
        uint256 unit = unitOf(assetId);
        uint256 outstanding = (ghostDeposited[assetId] - ghostWithdrawn[assetId]) / unit;
        if (outstanding >= type(uint64).max) return;
        Withdrawal memory w = Withdrawal({
            id: nextWithdrawalId++,
            l2Sender: actor(0),
            l1Recipient: actor(1),
            assetId: assetId,
            amount: uint64(outstanding + 1)
        });
        bytes32[] memory leaves = new bytes32[](1);
        leaves[0] = LaminaHashes.withdrawalLeafMem(w);
        OutputRootPreimage memory o = OutputRootPreimage({
            version: 0, stateRoot: bytes32(uint256(1)), withdrawalsRoot: leaves[0], lastBlockHash: 0
        });
        uint256 batchIndex = proposeFinal(o);
        try bridge.finalizeWithdrawal(batchIndex, o, w, 0, new bytes32[](0)) {
            overdraws++;
        } catch {}
    }
}

contract BridgeInvariantTest is Fixture {
    BridgeHandler internal handler;

    function setUp() public override {
        super.setUp();
        handler = new BridgeHandler(bridge, rollup, usdc, weth, batcher, proposer, CHALLENGE);
        targetContract(address(handler));
        bytes4[] memory s = new bytes4[](7);
        s[0] = BridgeHandler.depositETH.selector;
        s[1] = BridgeHandler.depositERC20.selector;
        s[2] = BridgeHandler.forceWithdrawal.selector;
        s[3] = BridgeHandler.forceTransaction.selector;
        s[4] = BridgeHandler.withdraw.selector;
        s[5] = BridgeHandler.replay.selector;
        s[6] = BridgeHandler.overdraw.selector;
        targetSelector(FuzzSelector({addr: address(handler), selectors: s}));
    }

    function held(uint32 assetId) internal view returns (uint256) {
        if (assetId == 0) return address(bridge).balance;
        return (assetId == USDC_ID ? usdc : weth).balanceOf(address(bridge));
    }

    /// @dev The bridge always holds at least what was deposited and not withdrawn, per asset, in wei.
    function invariant_solvent() public view {
        for (uint32 a = 0; a < 3; ++a) {
            assertGe(held(a), bridge.totalDeposited(a) - bridge.totalWithdrawn(a), "bridge solvent");
        }
    }

    function invariant_accountingMatchesGhosts() public view {
        for (uint32 a = 0; a < 3; ++a) {
            assertEq(bridge.totalDeposited(a), handler.ghostDeposited(a), "deposited");
            assertEq(bridge.totalWithdrawn(a), handler.ghostWithdrawn(a), "withdrawn");
            assertLe(bridge.totalWithdrawn(a), bridge.totalDeposited(a), "never more out than in");
        }
    }

    function invariant_queueMatchesGhost() public view {
        uint256 n = bridge.messageCount();
        assertEq(n, handler.ghostMessages(), "message count");
        if (n > 0) assertEq(bridge.queueHash(n - 1), handler.ghostQueue(), "rolling queue hash");
    }

    function invariant_noDoublePayNoOverdraw() public view {
        assertEq(handler.doublePays(), 0, "a withdrawal was paid twice");
        assertEq(handler.overdraws(), 0, "the bridge paid more than it held");
    }
}

/// @notice Drives the Rollup with proposals (under changing bonds and windows),
///         time, bond returns and invalidations.
contract RollupHandler {
    Vm internal constant vm = Vm(0x7109709ECfa91a80626fF3989D68f67F5b1DD12D);

    Rollup public immutable rollup;
    address internal immutable admin;
    address internal immutable batcher;
    address internal immutable proposer;
    address internal immutable disputeGame;
    uint256 public ghostHeld; // bonds the rollup should still hold
    uint64 internal l2Block;

    constructor(Rollup r, address admin_, address batcher_, address proposer_, address disputeGame_) {
        rollup = r;
        admin = admin_;
        batcher = batcher_;
        proposer = proposer_;
        disputeGame = disputeGame_;
    }

    function propose(uint256 bondSeed, uint256 windowSeed) external {
        uint96 bond = uint96((bondSeed % 4) * 0.5 ether);
        uint64 window = uint64(windowSeed % 3 days);
        vm.startPrank(admin);
        rollup.setProposalBond(bond);
        rollup.setChallengeWindow(window);
        vm.stopPrank();
        bytes memory data = abi.encode(rollup.batchCount());
        vm.prank(batcher);
        uint256 idx = rollup.appendBatch(data);
        if (idx != rollup.nextOutputIndex()) return; // an earlier batch still lacks an output
        vm.deal(proposer, proposer.balance + bond);
        vm.prank(proposer);
        rollup.proposeOutput{value: bond}(idx, keccak256(abi.encode(idx, bondSeed)), ++l2Block);
        ghostHeld += bond;
    }

    function proposeMissing(uint256 seed) external {
        uint256 idx = rollup.nextOutputIndex();
        if (idx >= rollup.batchCount()) return;
        uint256 bond = rollup.proposalBond();
        vm.deal(proposer, proposer.balance + bond);
        vm.prank(proposer);
        rollup.proposeOutput{value: bond}(idx, keccak256(abi.encode(idx, seed)), ++l2Block);
        ghostHeld += bond;
    }

    function advance(uint256 secs) external {
        vm.warp(block.timestamp + (secs % 4 days));
    }

    function finalize(uint256 seed) external {
        uint256 n = rollup.nextOutputIndex();
        if (n == 0) return;
        uint256 idx = seed % n;
        if (!rollup.isFinalized(idx)) return;
        bool returned = rollup.output(idx).bondReturned;
        uint256 bond = rollup.bondOf(idx);
        rollup.finalizeOutput(idx);
        if (!returned) ghostHeld -= bond;
    }

    function invalidate(uint256 seed) external {
        uint256 n = rollup.nextOutputIndex();
        if (n == 0) return;
        uint256 idx = seed % n;
        if (rollup.isFinalized(idx)) return;
        uint256 sum;
        for (uint256 i = idx; i < n; ++i) {
            sum += rollup.bondOf(i);
        }
        vm.prank(disputeGame);
        rollup.invalidateOutputs(idx, disputeGame);
        ghostHeld -= sum;
    }
}

contract RollupInvariantTest is Fixture {
    RollupHandler internal handler;

    function setUp() public override {
        super.setUp();
        handler = new RollupHandler(rollup, admin, batcher, proposer, disputeGame);
        targetContract(address(handler));
    }

    /// @dev The rollup holds exactly the bonds not yet returned or forfeited.
    function invariant_bondsHeld() public view {
        uint256 n = rollup.nextOutputIndex();
        uint256 owed;
        for (uint256 i = 0; i < n; ++i) {
            if (!rollup.output(i).bondReturned) owed += rollup.bondOf(i);
        }
        assertEq(address(rollup).balance, owed, "balance = unreturned bonds of live outputs");
        assertEq(address(rollup).balance, handler.ghostHeld(), "balance = ghost");
    }

    /// @dev Finalized outputs form a prefix of the output sequence.
    function invariant_finalityIsAPrefix() public view {
        uint256 n = rollup.nextOutputIndex();
        bool seenUnfinal;
        for (uint256 i = 0; i < n; ++i) {
            bool f = rollup.isFinalized(i);
            assertFalse(f && seenUnfinal, "final after an unfinal output");
            if (!f) seenUnfinal = true;
        }
        (bool found, uint256 last) = rollup.latestFinalizedIndex();
        if (found) {
            assertTrue(rollup.isFinalized(last), "latest is final");
            assertFalse(rollup.isFinalized(last + 1), "next is not");
        }
    }
}
