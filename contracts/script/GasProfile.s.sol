// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Vm} from "../test/utils/Test.sol";
import {MockERC20} from "../test/utils/Mocks.sol";
import {Rollup} from "../src/Rollup.sol";
import {Bridge} from "../src/Bridge.sol";
import {IRollup} from "../src/interfaces/IRollup.sol";
import {WithdrawalMerkle} from "../src/lib/WithdrawalMerkle.sol";
import {LaminaHashes, OutputRootPreimage, Withdrawal} from "../src/lib/LaminaHashes.sol";

/// @notice Sends each user-facing operation as a real transaction so that
///         script/gas-profile.sh can read whole-transaction gas (21000 base,
///         calldata and EIP-7623 floor included) from the receipts.
///         Run it through script/gas-profile.sh, not by hand.
contract GasProfile {
    Vm internal constant vm = Vm(0x7109709ECfa91a80626fF3989D68f67F5b1DD12D);
    // anvil's first well-known development account (public test key).
    uint256 internal constant DEV_KEY = 0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80;

    function noise(uint256 size, uint256 salt) internal pure returns (bytes memory b) {
        // Pseudo-random bytes stand in for a zstd-compressed batch (incompressible, ~1/256 zero bytes).
        b = new bytes(size);
        bytes32 h = keccak256(abi.encode(salt));
        for (uint256 i = 0; i < size; ++i) {
            if (i % 32 == 0) h = keccak256(abi.encode(h));
            b[i] = h[i % 32];
        }
    }

    function run() external {
        uint256 key = vm.envOr("PRIVATE_KEY", DEV_KEY);
        address me = vm.addr(key);
        vm.startBroadcast(key);

        Rollup rollup = new Rollup(
            me,
            me,
            me,
            Rollup.Config({
                mode: Rollup.Mode.Optimistic,
                l2ChainId: 42069,
                genesisOutputRoot: keccak256("genesis"),
                sequencingWindow: 3600,
                challengeWindow: 0, // final at once, so one script run can withdraw
                proposalBond: 0.1 ether,
                batcherTimeout: 1 days,
                proposerTimeout: 1 days
            })
        );
        Bridge bridge = new Bridge(me, IRollup(address(rollup)));
        bridge.grantRole(bridge.TOKEN_ADMIN_ROLE(), me);
        MockERC20 token = new MockERC20("Token", "TKN", 18);
        bridge.registerToken(address(token), 1e9);
        token.mint(me, 1000 ether);
        token.approve(address(bridge), type(uint256).max);

        // Deposits: the first of each asset touches fresh slots, the second is the steady state.
        bridge.depositETH{value: 1 ether}(me);
        bridge.depositETH{value: 1 ether}(me);
        bridge.depositERC20(address(token), 5 ether, me);
        bridge.depositERC20(address(token), 5 ether, me);
        bridge.forceWithdrawal(0, 1e9, me);
        bridge.forceTransaction(noise(200, 7));

        // Batches of 1 kB and 10 kB (plus a first one, which pays for fresh slots).
        rollup.appendBatch(noise(1024, 0));
        rollup.appendBatch(noise(1024, 1));
        rollup.appendBatch(noise(10240, 2));

        // A withdrawal tree of 1000 leaves (depth 10).
        bytes32[] memory leaves = new bytes32[](1000);
        for (uint256 i = 0; i < leaves.length; ++i) {
            leaves[i] = LaminaHashes.withdrawalLeafMem(
                Withdrawal({
                    id: uint64(i), l2Sender: me, l1Recipient: address(uint160(0x1000 + i)), assetId: 0, amount: 1e6
                })
            );
        }
        OutputRootPreimage memory o = OutputRootPreimage({
            version: 0,
            stateRoot: keccak256("state"),
            withdrawalsRoot: WithdrawalMerkle.rootOf(leaves),
            lastBlockHash: keccak256("block")
        });
        rollup.proposeOutput{value: 0.1 ether}(0, LaminaHashes.outputRootMem(o), 10);
        rollup.proposeOutput{value: 0.1 ether}(1, keccak256("root 1"), 20);

        uint256 at = 777;
        bridge.finalizeWithdrawal(
            0,
            o,
            Withdrawal({
                id: uint64(at), l2Sender: me, l1Recipient: address(uint160(0x1000 + at)), assetId: 0, amount: 1e6
            }),
            at,
            WithdrawalMerkle.proofOf(leaves, at)
        );
        rollup.finalizeOutput(0);
        vm.stopBroadcast();
    }
}
