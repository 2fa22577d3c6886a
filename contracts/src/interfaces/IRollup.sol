// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title IRollup
/// @notice What the Bridge needs from the Rollup: finalized output roots.
interface IRollup {
    /// @notice The output root of output `index`; reverts with
    ///         `Rollup.OutputNotFinalized(index)` unless that output exists and is finalized.
    function finalizedOutputRoot(uint256 index) external view returns (bytes32);
}
