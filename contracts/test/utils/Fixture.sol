// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Test} from "./Test.sol";
import {MockERC20, FeeToken} from "./Mocks.sol";
import {Rollup} from "../../src/Rollup.sol";
import {Bridge} from "../../src/Bridge.sol";
import {IRollup} from "../../src/interfaces/IRollup.sol";
import {WithdrawalMerkle} from "../../src/lib/WithdrawalMerkle.sol";
import {LaminaHashes, OutputRootPreimage, Withdrawal} from "../../src/lib/LaminaHashes.sol";

/// @notice Deploys a Rollup and a Bridge the way a devnet does, with named actors.
abstract contract Fixture is Test {
    Rollup internal rollup;
    Bridge internal bridge;
    MockERC20 internal usdc; // 6 decimals, unit 1 (asset 1)
    MockERC20 internal weth; // 18 decimals, unit 1e9 (asset 2)
    FeeToken internal feeToken; // registered as asset 3

    address internal admin = makeAddr("admin");
    address internal batcher = makeAddr("batcher");
    address internal proposer = makeAddr("proposer");
    address internal disputeGame = makeAddr("disputeGame");
    address internal pauser = makeAddr("pauser");
    address internal tokenAdmin = makeAddr("tokenAdmin");
    address internal alice = makeAddr("alice");
    address internal bob = makeAddr("bob");
    address internal stranger = makeAddr("stranger");

    uint64 internal constant CHAIN_ID = 42069;
    bytes32 internal constant GENESIS_ROOT = keccak256("lamina genesis");
    uint64 internal constant SEQ_WINDOW = 3600;
    uint64 internal constant CHALLENGE = 7 days;
    uint96 internal constant BOND = 1 ether;
    uint64 internal constant BATCHER_TIMEOUT = 1 days;
    uint64 internal constant PROPOSER_TIMEOUT = 2 days;

    uint32 internal constant USDC_ID = 1;
    uint32 internal constant WETH_ID = 2;
    uint32 internal constant FEE_ID = 3;

    function setUp() public virtual {
        vm.warp(1_700_000_000);
        vm.roll(100);
        rollup = deployRollup(Rollup.Mode.Optimistic);
        bridge = new Bridge(admin, IRollup(address(rollup)));
        usdc = new MockERC20("USD Coin", "USDC", 6);
        weth = new MockERC20("Wrapped Ether", "WETH", 18);
        feeToken = new FeeToken();
        vm.startPrank(admin);
        bridge.grantRole(bridge.TOKEN_ADMIN_ROLE(), tokenAdmin);
        bridge.grantRole(bridge.PAUSER_ROLE(), pauser);
        vm.stopPrank();
        vm.startPrank(tokenAdmin);
        bridge.registerToken(address(usdc), 1);
        bridge.registerToken(address(weth), 1e9);
        bridge.registerToken(address(feeToken), 1);
        vm.stopPrank();
        vm.deal(proposer, 1000 ether);
        vm.deal(alice, 1000 ether);
        vm.deal(bob, 1000 ether);
        vm.deal(stranger, 1000 ether);
    }

    function defaultConfig(Rollup.Mode mode) internal pure returns (Rollup.Config memory) {
        return Rollup.Config({
            mode: mode,
            l2ChainId: CHAIN_ID,
            genesisOutputRoot: GENESIS_ROOT,
            sequencingWindow: SEQ_WINDOW,
            challengeWindow: CHALLENGE,
            proposalBond: BOND,
            batcherTimeout: BATCHER_TIMEOUT,
            proposerTimeout: PROPOSER_TIMEOUT
        });
    }

    function deployRollup(Rollup.Mode mode) internal returns (Rollup r) {
        r = new Rollup(admin, batcher, proposer, defaultConfig(mode));
        vm.startPrank(admin);
        r.grantRole(r.DISPUTE_GAME_ROLE(), disputeGame);
        r.grantRole(r.PAUSER_ROLE(), pauser);
        vm.stopPrank();
    }

    // ---- helpers ----

    function appendBatch(Rollup r, bytes memory data) internal returns (uint256 index) {
        vm.prank(batcher);
        index = r.appendBatch(data);
    }

    /// @dev Appends a batch and proposes `root` for it; returns the output index.
    function appendAndPropose(Rollup r, bytes32 root) internal returns (uint256 index) {
        index = appendBatch(r, abi.encodePacked("batch", r.batchCount()));
        vm.prank(proposer);
        r.proposeOutput{value: BOND}(index, root, uint64(index + 1) * 10);
    }

    function preimageFor(bytes32 withdrawalsRoot) internal pure returns (OutputRootPreimage memory) {
        return OutputRootPreimage({
            version: 0,
            stateRoot: keccak256("state"),
            withdrawalsRoot: withdrawalsRoot,
            lastBlockHash: keccak256("block")
        });
    }

    /// @dev Proposes an output committing to `leaves` and waits out the challenge window.
    function finalizedOutputWith(bytes32[] memory leaves)
        internal
        returns (uint256 outputIndex, OutputRootPreimage memory o)
    {
        o = preimageFor(WithdrawalMerkle.rootOf(leaves));
        outputIndex = appendAndPropose(rollup, LaminaHashes.outputRootMem(o));
        vm.warp(block.timestamp + CHALLENGE);
        assertTrue(rollup.isFinalized(outputIndex), "output final");
    }

    function leafOf(Withdrawal memory w) internal pure returns (bytes32) {
        return LaminaHashes.withdrawalLeafMem(w);
    }

    function depositEth(address from, uint256 amountWei) internal {
        vm.prank(from);
        bridge.depositETH{value: amountWei}(from);
    }
}
