// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title IValidityVerifier
/// @notice A validity-proof verifier (STARK) that the Rollup consults in
///         `proveOutput`. The statement it checks: executing the batch whose
///         calldata hashes to `batchHash`, starting from the state committed by
///         `prevOutputRoot`, yields the state committed by `outputRoot`.
/// @dev Binding the L1 -> L2 messages the batch consumed is the verifier's
///      job too: the proof can name the last message index it consumed, and
///      the verifier reads `Bridge.queueHash(index)` to check it (the rolling
///      queue hash commits to every message up to that index).
interface IValidityVerifier {
    /// @notice Returns true when `proof` proves the statement above.
    /// @param prevOutputRoot output root of the previous output (the Rollup's genesis output root for output 0)
    /// @param outputRoot the output root being proven
    /// @param batchHash keccak256 of the batch's calldata, as the Rollup recorded it
    /// @param proof the proof bytes, in the verifier's own format
    function verify(bytes32 prevOutputRoot, bytes32 outputRoot, bytes32 batchHash, bytes calldata proof)
        external
        view
        returns (bool);
}
