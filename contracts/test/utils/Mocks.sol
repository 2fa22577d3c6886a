// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {IValidityVerifier} from "../../src/interfaces/IValidityVerifier.sol";
import {Bridge} from "../../src/Bridge.sol";
import {Rollup} from "../../src/Rollup.sol";
import {OutputRootPreimage, Withdrawal} from "../../src/lib/LaminaHashes.sol";

/// @notice A plain ERC-20 anyone can mint.
contract MockERC20 is ERC20 {
    uint8 private immutable _decimals;

    constructor(string memory name_, string memory symbol_, uint8 decimals_) ERC20(name_, symbol_) {
        _decimals = decimals_;
    }

    function decimals() public view override returns (uint8) {
        return _decimals;
    }

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }
}

/// @notice An ERC-20 that burns 1% of every transfer between two accounts.
contract FeeToken is MockERC20 {
    constructor() MockERC20("Fee", "FEE", 18) {}

    function _update(address from, address to, uint256 value) internal override {
        if (from != address(0) && to != address(0)) {
            uint256 fee = value / 100;
            super._update(from, address(0), fee);
            value -= fee;
        }
        super._update(from, to, value);
    }
}

/// @notice A test verifier: accepts a proof iff `accept` is set and the proof
///         is abi.encode(prevOutputRoot, outputRoot, batchHash), so the tests
///         see that the Rollup passes the right public inputs.
contract MockVerifier is IValidityVerifier {
    bool public accept = true;

    function setAccept(bool a) external {
        accept = a;
    }

    function verify(bytes32 prevOutputRoot, bytes32 outputRoot, bytes32 batchHash, bytes calldata proof)
        external
        view
        returns (bool)
    {
        return accept && keccak256(proof) == keccak256(abi.encode(prevOutputRoot, outputRoot, batchHash));
    }
}

/// @notice Rejects every ETH transfer.
contract RejectEther {
    receive() external payable {
        revert("no ether");
    }
}

/// @notice A withdrawal recipient that tries to finalize the same withdrawal
///         again from inside the ETH transfer, and records what happened.
contract ReentrantRecipient {
    Bridge public immutable bridge;
    uint256 public outputIndex;
    OutputRootPreimage public preimage;
    Withdrawal public withdrawal;
    uint256 public leafIndex;
    bytes32[] public proof;
    bool public attempted;
    bytes public reentryError;
    uint256 public received;

    constructor(Bridge b) {
        bridge = b;
    }

    function arm(
        uint256 outputIndex_,
        OutputRootPreimage memory o,
        Withdrawal memory w,
        uint256 leafIndex_,
        bytes32[] memory proof_
    ) external {
        outputIndex = outputIndex_;
        preimage = o;
        withdrawal = w;
        leafIndex = leafIndex_;
        proof = proof_;
    }

    receive() external payable {
        received += msg.value;
        if (attempted) return;
        attempted = true;
        try bridge.finalizeWithdrawal(outputIndex, preimage, withdrawal, leafIndex, proof) {
            reentryError = "succeeded";
        } catch (bytes memory err) {
            reentryError = err;
        }
    }
}

/// @notice A proposer contract that calls finalizeOutput again when its bond arrives.
contract ReentrantProposer {
    Rollup public immutable rollup;
    uint256 public calls;
    uint256 public index;

    constructor(Rollup r) {
        rollup = r;
    }

    function propose(uint256 index_, bytes32 root, uint64 l2Block) external payable {
        index = index_;
        rollup.proposeOutput{value: msg.value}(index_, root, l2Block);
    }

    receive() external payable {
        calls++;
        if (calls == 1) rollup.finalizeOutput(index);
    }
}

/// @notice A USDT-style token whose transfer functions return nothing.
contract NoReturnToken {
    mapping(address => uint256) public balanceOf;
    mapping(address => mapping(address => uint256)) public allowance;

    function mint(address to, uint256 amount) external {
        balanceOf[to] += amount;
    }

    function approve(address spender, uint256 amount) external {
        allowance[msg.sender][spender] = amount;
    }

    function transfer(address to, uint256 amount) external {
        balanceOf[msg.sender] -= amount;
        balanceOf[to] += amount;
    }

    function transferFrom(address from, address to, uint256 amount) external {
        allowance[from][msg.sender] -= amount;
        balanceOf[from] -= amount;
        balanceOf[to] += amount;
    }
}
