// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @notice The preimage of an L2 output root (format version 0).
struct OutputRootPreimage {
    uint8 version; // must be 0
    bytes32 stateRoot; // root of the L2 state tree after the batch
    bytes32 withdrawalsRoot; // WithdrawalMerkle root over the batch's withdrawals
    bytes32 lastBlockHash; // hash of the batch's last L2 block
}

/// @notice One L2 -> L1 withdrawal, as the L2 state transition emits it.
struct Withdrawal {
    uint64 id; // unique per L2 chain (a global withdrawal counter on L2)
    address l2Sender; // the L2 account that withdrew
    address l1Recipient; // who receives the funds on L1
    uint32 assetId; // Bridge asset id (0 = ETH)
    uint64 amount; // in L2 units of the asset (wei = amount * unit)
}

/// @title LaminaHashes
/// @notice Every hash that L1 and the Lamina node must compute identically:
///         output roots, withdrawal leaves, L1 -> L2 message hashes and the
///         rolling queue hash. docs/contracts.md §4 specifies each one with a
///         worked vector (checked in test/Encoding.t.sol against values computed
///         independently with ethers.js).
library LaminaHashes {
    /// @notice The only output-root format version this code accepts.
    uint8 internal constant OUTPUT_VERSION = 0;

    /// @notice Kind byte of a deposit message.
    uint8 internal constant MSG_DEPOSIT = 1;
    /// @notice Kind byte of a forced-withdrawal message.
    uint8 internal constant MSG_FORCED_WITHDRAWAL = 2;
    /// @notice Kind byte of a forced (opaque) L2 transaction message.
    uint8 internal constant MSG_FORCED_TX = 3;

    /// @notice keccak256(uint8 version ‖ stateRoot ‖ withdrawalsRoot ‖ lastBlockHash), 97 bytes.
    function outputRoot(OutputRootPreimage calldata o) internal pure returns (bytes32) {
        return keccak256(abi.encodePacked(o.version, o.stateRoot, o.withdrawalsRoot, o.lastBlockHash));
    }

    /// @notice Same as outputRoot, for a preimage in memory.
    function outputRootMem(OutputRootPreimage memory o) internal pure returns (bytes32) {
        return keccak256(abi.encodePacked(o.version, o.stateRoot, o.withdrawalsRoot, o.lastBlockHash));
    }

    /// @notice keccak256(abi.encode(id, l2Sender, l1Recipient, assetId, amount)), 5 words.
    function withdrawalLeaf(Withdrawal calldata w) internal pure returns (bytes32) {
        return keccak256(abi.encode(w.id, w.l2Sender, w.l1Recipient, w.assetId, w.amount));
    }

    /// @notice Same as withdrawalLeaf, for a withdrawal in memory.
    function withdrawalLeafMem(Withdrawal memory w) internal pure returns (bytes32) {
        return keccak256(abi.encode(w.id, w.l2Sender, w.l1Recipient, w.assetId, w.amount));
    }

    /// @notice Hash of a deposit message (7 ABI words).
    function depositMessage(
        uint64 messageIndex,
        uint64 l1Block,
        address from,
        address l2Recipient,
        uint32 assetId,
        uint64 amount
    ) internal pure returns (bytes32) {
        return keccak256(abi.encode(MSG_DEPOSIT, messageIndex, l1Block, from, l2Recipient, assetId, amount));
    }

    /// @notice Hash of a forced-withdrawal message (7 ABI words).
    function forcedWithdrawalMessage(
        uint64 messageIndex,
        uint64 l1Block,
        address l2Account,
        address l1Recipient,
        uint32 assetId,
        uint64 amount
    ) internal pure returns (bytes32) {
        return keccak256(
            abi.encode(MSG_FORCED_WITHDRAWAL, messageIndex, l1Block, l2Account, l1Recipient, assetId, amount)
        );
    }

    /// @notice Hash of a forced-transaction message (5 ABI words; the tx enters as its keccak256).
    function forcedTxMessage(uint64 messageIndex, uint64 l1Block, address from, bytes32 txHash)
        internal
        pure
        returns (bytes32)
    {
        return keccak256(abi.encode(MSG_FORCED_TX, messageIndex, l1Block, from, txHash));
    }

    /// @notice queueHash[i] = keccak256(abi.encode(queueHash[i-1], messageHash_i)), queueHash[-1] = 0.
    function chain(bytes32 prevQueueHash, bytes32 messageHash) internal pure returns (bytes32 h) {
        assembly ("memory-safe") {
            mstore(0x00, prevQueueHash)
            mstore(0x20, messageHash)
            h := keccak256(0x00, 0x40)
        }
    }
}
