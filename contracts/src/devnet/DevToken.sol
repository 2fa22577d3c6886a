// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @title DevToken
/// @notice An ERC-20 for local devnets and integration tests only: `lamina
///         devnet` deploys it and registers it on the Bridge, so that token
///         deposits and withdrawals can be tried end to end. Anyone may mint
///         (a faucet). Never deploy it on a public network.
contract DevToken is ERC20 {
    uint8 private immutable _decimals;

    /// @param name_ token name
    /// @param symbol_ token symbol
    /// @param decimals_ decimals reported to wallets
    constructor(string memory name_, string memory symbol_, uint8 decimals_) ERC20(name_, symbol_) {
        _decimals = decimals_;
    }

    /// @notice Decimals reported to wallets.
    function decimals() public view override returns (uint8) {
        return _decimals;
    }

    /// @notice Mints `amount` to `to` (a devnet faucet).
    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }
}
