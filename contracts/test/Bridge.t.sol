// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Fixture} from "./utils/Fixture.sol";
import {MockERC20} from "./utils/Mocks.sol";
import {Bridge} from "../src/Bridge.sol";
import {IRollup} from "../src/interfaces/IRollup.sol";
import {LaminaHashes} from "../src/lib/LaminaHashes.sol";
import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {IERC20Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";

contract BridgeTest is Fixture {

    function unauthorized(address who, bytes32 role) internal pure returns (bytes memory) {
        return abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, who, role);
    }

    // ------------------------------------------------------------ construction

    function test_constructor_registersEth() public view {
        assertEq(address(bridge.rollup()), address(rollup), "rollup");
        assertEq(bridge.assetCount(), 4, "eth + 3 tokens");
        Bridge.Asset memory eth = bridge.asset(0);
        assertEq(eth.token, address(0), "eth token");
        assertEq(eth.unit, 1 gwei, "eth unit");
        assertTrue(bridge.hasRole(bridge.DEFAULT_ADMIN_ROLE(), admin), "admin");
        assertEq(bridge.messageCount(), 0, "empty queue");
    }

    function test_constructor_revertsOnZeroAddresses() public {
        vm.expectRevert(Bridge.ZeroAddress.selector);
        new Bridge(address(0), IRollup(address(rollup)));
        vm.expectRevert(Bridge.ZeroAddress.selector);
        new Bridge(admin, IRollup(address(0)));
    }

    // ------------------------------------------------------------------ assets

    function test_registerToken_assignsIdsInOrder() public {
        MockERC20 t = new MockERC20("T", "T", 18);
        vm.expectEmit(true, true, false, true, address(bridge));
        emit Bridge.AssetRegistered(4, address(t), 1e12);
        vm.prank(tokenAdmin);
        assertEq(bridge.registerToken(address(t), 1e12), 4, "next id");
        assertEq(bridge.assetIdOf(address(t)), 4, "lookup");
        assertEq(bridge.assetIdOf(address(usdc)), USDC_ID, "usdc 1");
        assertEq(bridge.assetIdOf(address(weth)), WETH_ID, "weth 2");
        Bridge.Asset memory a = bridge.asset(4);
        assertEq(a.token, address(t), "token");
        assertEq(a.unit, 1e12, "unit");
    }

    function test_registerToken_reverts() public {
        MockERC20 t = new MockERC20("T", "T", 18);
        bytes32 role = bridge.TOKEN_ADMIN_ROLE();
        vm.prank(stranger);
        vm.expectRevert(unauthorized(stranger, role));
        bridge.registerToken(address(t), 1);

        vm.startPrank(tokenAdmin);
        vm.expectRevert(Bridge.ZeroAddress.selector);
        bridge.registerToken(address(0), 1);
        vm.expectRevert(abi.encodeWithSelector(Bridge.NotAContract.selector, alice));
        bridge.registerToken(alice, 1);
        vm.expectRevert(abi.encodeWithSelector(Bridge.InvalidUnit.selector, 0));
        bridge.registerToken(address(t), 0);
        vm.expectRevert(abi.encodeWithSelector(Bridge.InvalidUnit.selector, uint256(type(uint96).max) + 1));
        bridge.registerToken(address(t), uint256(type(uint96).max) + 1);
        vm.expectRevert(abi.encodeWithSelector(Bridge.TokenAlreadyRegistered.selector, address(usdc), USDC_ID));
        bridge.registerToken(address(usdc), 1);
        vm.stopPrank();
    }

    function test_assetViews_revertOnUnknown() public {
        vm.expectRevert(abi.encodeWithSelector(Bridge.UnknownAsset.selector, 9));
        bridge.asset(9);
        vm.expectRevert(abi.encodeWithSelector(Bridge.UnknownAsset.selector, 9));
        bridge.totalDeposited(9);
        vm.expectRevert(abi.encodeWithSelector(Bridge.UnknownAsset.selector, 9));
        bridge.totalWithdrawn(9);
        vm.expectRevert(abi.encodeWithSelector(Bridge.UnregisteredToken.selector, alice));
        bridge.assetIdOf(alice);
    }

    // ------------------------------------------------------------ ETH deposits

    function test_depositETH_queuesAndEmits() public {
        vm.roll(500);
        bytes32 msgHash = LaminaHashes.depositMessage(0, 500, alice, bob, 0, 1_500_000_000);
        bytes32 q = LaminaHashes.chain(bytes32(0), msgHash);
        vm.expectEmit(true, true, true, true, address(bridge));
        emit Bridge.Deposit(0, alice, bob, 0, 1_500_000_000, 500, q);
        vm.prank(alice);
        assertEq(bridge.depositETH{value: 1.5 ether}(bob), 0, "message 0");
        assertEq(bridge.queueHash(0), q, "queue hash");
        assertEq(bridge.messageCount(), 1, "count");
        assertEq(bridge.totalDeposited(0), 1.5 ether, "total in wei");
        assertEq(address(bridge).balance, 1.5 ether, "held");

        vm.roll(501);
        vm.prank(bob);
        assertEq(bridge.depositETH{value: 1 gwei}(bob), 1, "message 1");
        bytes32 q1 = LaminaHashes.chain(q, LaminaHashes.depositMessage(1, 501, bob, bob, 0, 1));
        assertEq(bridge.queueHash(1), q1, "rolling hash");
    }

    function test_depositETH_revertsOnNonMultiple() public {
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(Bridge.NotUnitMultiple.selector, 1 gwei + 1, 1 gwei));
        bridge.depositETH{value: 1 gwei + 1}(alice);
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(Bridge.NotUnitMultiple.selector, 999, 1 gwei));
        bridge.depositETH{value: 999}(alice);
    }

    function test_depositETH_revertsOnZero() public {
        vm.prank(alice);
        vm.expectRevert(Bridge.ZeroAmount.selector);
        bridge.depositETH(alice);
    }

    function test_depositETH_revertsOnZeroRecipient() public {
        vm.prank(alice);
        vm.expectRevert(Bridge.ZeroAddress.selector);
        bridge.depositETH{value: 1 ether}(address(0));
    }

    function test_depositETH_revertsWhenPaused() public {
        vm.prank(pauser);
        bridge.pause();
        vm.prank(alice);
        vm.expectRevert(Pausable.EnforcedPause.selector);
        bridge.depositETH{value: 1 ether}(alice);
        vm.prank(pauser);
        bridge.unpause();
        depositEth(alice, 1 ether);
    }

    function test_depositETH_amountMustFitUint64Units() public {
        uint256 maxWei = uint256(type(uint64).max) * 1 gwei;
        vm.deal(alice, maxWei + 1 gwei);
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(Bridge.AmountTooLarge.selector, uint256(type(uint64).max) + 1));
        bridge.depositETH{value: maxWei + 1 gwei}(alice);
        vm.prank(alice);
        bridge.depositETH{value: maxWei}(alice);
        // Everything locked for an asset must fit one L2 balance.
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(Bridge.AssetCapExceeded.selector, 0));
        bridge.depositETH{value: 1 gwei}(alice);
    }

    function test_plainEthTransfer_isRejected() public {
        vm.prank(alice);
        (bool ok,) = address(bridge).call{value: 1 ether}("");
        assertFalse(ok, "no receive()");
    }

    // ---------------------------------------------------------- ERC-20 deposits

    function test_depositERC20_queuesAndEmits() public {
        usdc.mint(alice, 100e6);
        vm.prank(alice);
        usdc.approve(address(bridge), type(uint256).max);
        vm.roll(777);
        bytes32 q = LaminaHashes.chain(bytes32(0), LaminaHashes.depositMessage(0, 777, alice, bob, USDC_ID, 25e6));
        vm.expectEmit(true, true, true, true, address(bridge));
        emit Bridge.Deposit(0, alice, bob, USDC_ID, 25e6, 777, q);
        vm.prank(alice);
        assertEq(bridge.depositERC20(address(usdc), 25e6, bob), 0, "message 0");
        assertEq(usdc.balanceOf(address(bridge)), 25e6, "held");
        assertEq(usdc.balanceOf(alice), 75e6, "taken");
        assertEq(bridge.totalDeposited(USDC_ID), 25e6, "total");
        assertEq(bridge.queueHash(0), q, "queue");
    }

    function test_depositERC20_unitScaling() public {
        weth.mint(alice, 10 ether);
        vm.startPrank(alice);
        weth.approve(address(bridge), type(uint256).max);
        vm.expectEmit(true, true, true, true, address(bridge));
        emit Bridge.Deposit(
            0,
            alice,
            alice,
            WETH_ID,
            2_000_000_000,
            uint64(block.number),
            LaminaHashes.chain(0, LaminaHashes.depositMessage(0, uint64(block.number), alice, alice, WETH_ID, 2e9))
        );
        bridge.depositERC20(address(weth), 2 ether, alice);
        vm.expectRevert(abi.encodeWithSelector(Bridge.NotUnitMultiple.selector, 1 ether + 5, 1e9));
        bridge.depositERC20(address(weth), 1 ether + 5, alice);
        vm.stopPrank();
        assertEq(bridge.totalDeposited(WETH_ID), 2 ether, "wei total");
    }

    function test_depositERC20_revertsOnUnregisteredToken() public {
        MockERC20 t = new MockERC20("T", "T", 18);
        t.mint(alice, 1 ether);
        vm.startPrank(alice);
        t.approve(address(bridge), 1 ether);
        vm.expectRevert(abi.encodeWithSelector(Bridge.UnregisteredToken.selector, address(t)));
        bridge.depositERC20(address(t), 1 ether, alice);
        vm.stopPrank();
    }

    function test_depositERC20_revertsOnFeeOnTransferToken() public {
        feeToken.mint(alice, 1000);
        vm.startPrank(alice);
        feeToken.approve(address(bridge), 1000);
        vm.expectRevert(abi.encodeWithSelector(Bridge.FeeOnTransferToken.selector, address(feeToken), 1000, 990));
        bridge.depositERC20(address(feeToken), 1000, alice);
        vm.stopPrank();
        assertEq(feeToken.balanceOf(address(bridge)), 0, "nothing kept");
        assertEq(bridge.messageCount(), 0, "nothing queued");
    }

    function test_depositERC20_revertsWithoutAllowance() public {
        usdc.mint(alice, 10);
        vm.prank(alice);
        vm.expectRevert(
            abi.encodeWithSelector(IERC20Errors.ERC20InsufficientAllowance.selector, address(bridge), 0, 10)
        );
        bridge.depositERC20(address(usdc), 10, alice);
    }

    function test_depositERC20_revertsOnZeroAmountOrRecipient() public {
        usdc.mint(alice, 10);
        vm.startPrank(alice);
        usdc.approve(address(bridge), 10);
        vm.expectRevert(Bridge.ZeroAmount.selector);
        bridge.depositERC20(address(usdc), 0, alice);
        vm.expectRevert(Bridge.ZeroAddress.selector);
        bridge.depositERC20(address(usdc), 10, address(0));
        vm.stopPrank();
    }

    function test_depositERC20_amountMustFitUint64Units() public {
        uint256 tooMany = uint256(type(uint64).max) + 1;
        usdc.mint(alice, tooMany);
        vm.startPrank(alice);
        usdc.approve(address(bridge), tooMany);
        vm.expectRevert(abi.encodeWithSelector(Bridge.AmountTooLarge.selector, tooMany));
        bridge.depositERC20(address(usdc), tooMany, alice);
        vm.stopPrank();
    }

    function test_depositERC20_revertsWhenPaused() public {
        usdc.mint(alice, 10);
        vm.prank(alice);
        usdc.approve(address(bridge), 10);
        vm.prank(pauser);
        bridge.pause();
        vm.prank(alice);
        vm.expectRevert(Pausable.EnforcedPause.selector);
        bridge.depositERC20(address(usdc), 10, alice);
    }

    // --------------------------------------------------------- forced messages

    function test_forceWithdrawal_queuesAndEmits() public {
        depositEth(alice, 1 ether);
        vm.roll(900);
        bytes32 q =
            LaminaHashes.chain(bridge.queueHash(0), LaminaHashes.forcedWithdrawalMessage(1, 900, alice, bob, 0, 123));
        vm.expectEmit(true, true, true, true, address(bridge));
        emit Bridge.ForcedWithdrawal(1, alice, bob, 0, 123, 900, q);
        vm.prank(alice);
        assertEq(bridge.forceWithdrawal(0, 123, bob), 1, "message 1");
        assertEq(bridge.queueHash(1), q, "queue");
    }

    function test_forceWithdrawal_reverts() public {
        vm.startPrank(alice);
        vm.expectRevert(abi.encodeWithSelector(Bridge.UnknownAsset.selector, 4));
        bridge.forceWithdrawal(4, 1, alice);
        vm.expectRevert(Bridge.ZeroAmount.selector);
        bridge.forceWithdrawal(0, 0, alice);
        vm.expectRevert(Bridge.ZeroAddress.selector);
        bridge.forceWithdrawal(0, 1, address(0));
        vm.stopPrank();
    }

    function test_forceTransaction_queuesAndEmits() public {
        bytes memory l2Tx = hex"01020304";
        vm.roll(901);
        bytes32 q = LaminaHashes.chain(bytes32(0), LaminaHashes.forcedTxMessage(0, 901, alice, keccak256(l2Tx)));
        vm.expectEmit(true, true, false, true, address(bridge));
        emit Bridge.ForcedTransaction(0, alice, l2Tx, 901, q);
        vm.prank(alice);
        assertEq(bridge.forceTransaction(l2Tx), 0, "message 0");
        assertEq(bridge.queueHash(0), q, "queue");
    }

    function test_forceTransaction_sizeLimits() public {
        uint256 max = bridge.MAX_FORCED_TX_BYTES();
        vm.startPrank(alice);
        vm.expectRevert(abi.encodeWithSelector(Bridge.ForcedTxSize.selector, 0, max));
        bridge.forceTransaction("");
        vm.expectRevert(abi.encodeWithSelector(Bridge.ForcedTxSize.selector, max + 1, max));
        bridge.forceTransaction(new bytes(max + 1));
        bridge.forceTransaction(new bytes(max));
        vm.stopPrank();
    }

    function test_forcedMessages_workWhilePaused() public {
        vm.prank(pauser);
        bridge.pause();
        vm.startPrank(alice);
        bridge.forceWithdrawal(0, 1, alice);
        bridge.forceTransaction(hex"aa");
        vm.stopPrank();
        assertEq(bridge.messageCount(), 2, "censorship resistance survives a pause");
    }

    function test_queueHash_revertsWhenMissing() public {
        vm.expectRevert(abi.encodeWithSelector(Bridge.MessageNotFound.selector, 0));
        bridge.queueHash(0);
    }

    function test_pause_onlyPauser() public {
        bytes32 role = bridge.PAUSER_ROLE();
        vm.prank(stranger);
        vm.expectRevert(unauthorized(stranger, role));
        bridge.pause();
        vm.prank(pauser);
        bridge.pause();
        vm.prank(stranger);
        vm.expectRevert(unauthorized(stranger, role));
        bridge.unpause();
        vm.prank(pauser);
        bridge.unpause();
        assertFalse(bridge.paused(), "unpaused");
    }

    // --------------------------------------------------------------- fuzzing

    /// @dev Random mixes of ETH, USDC (unit 1) and WETH (unit 1e9) deposits:
    ///      totals, balances, queue length and the rolling hash all agree.
    function testFuzz_depositAccounting(uint256 seed, uint8 count) public {
        count = uint8(bound(count, 1, 24));
        uint256[3] memory expected;
        bytes32 q;
        vm.deal(alice, 1e30);
        usdc.mint(alice, type(uint128).max);
        weth.mint(alice, type(uint128).max);
        vm.startPrank(alice);
        usdc.approve(address(bridge), type(uint256).max);
        weth.approve(address(bridge), type(uint256).max);
        for (uint256 i = 0; i < count; ++i) {
            uint256 r = uint256(keccak256(abi.encode(seed, i)));
            uint256 kind = r % 3;
            uint64 units = uint64(bound(r >> 8, 1, 1e12));
            address to = address(uint160(uint256(keccak256(abi.encode(r)))));
            if (to == address(0)) to = bob;
            uint32 assetId;
            if (kind == 0) {
                bridge.depositETH{value: uint256(units) * 1 gwei}(to);
                expected[0] += uint256(units) * 1 gwei;
                assetId = 0;
            } else if (kind == 1) {
                bridge.depositERC20(address(usdc), units, to);
                expected[1] += units;
                assetId = USDC_ID;
            } else {
                bridge.depositERC20(address(weth), uint256(units) * 1e9, to);
                expected[2] += uint256(units) * 1e9;
                assetId = WETH_ID;
            }
            q = LaminaHashes.chain(
                q, LaminaHashes.depositMessage(uint64(i), uint64(block.number), alice, to, assetId, units)
            );
        }
        vm.stopPrank();
        assertEq(bridge.totalDeposited(0), expected[0], "eth total");
        assertEq(bridge.totalDeposited(USDC_ID), expected[1], "usdc total");
        assertEq(bridge.totalDeposited(WETH_ID), expected[2], "weth total");
        assertEq(address(bridge).balance, expected[0], "eth held");
        assertEq(usdc.balanceOf(address(bridge)), expected[1], "usdc held");
        assertEq(weth.balanceOf(address(bridge)), expected[2], "weth held");
        assertEq(bridge.messageCount(), count, "queue length");
        assertEq(bridge.queueHash(count - 1), q, "rolling hash");
    }

    /// @dev Any amount that is not a whole number of units reverts, any whole one succeeds.
    function testFuzz_depositETH_unitRule(uint256 amount) public {
        amount = bound(amount, 1, 1000 ether);
        vm.deal(alice, 2 * amount);
        if (amount % 1 gwei != 0) {
            vm.prank(alice);
            vm.expectRevert(abi.encodeWithSelector(Bridge.NotUnitMultiple.selector, amount, 1 gwei));
            bridge.depositETH{value: amount}(alice);
        }
        uint256 whole = amount - (amount % 1 gwei);
        if (whole > 0) {
            vm.prank(alice);
            bridge.depositETH{value: whole}(alice);
        }
        assertEq(bridge.totalDeposited(0), whole, "only whole units accepted");
        assertEq(address(bridge).balance, whole, "held");
    }
}
