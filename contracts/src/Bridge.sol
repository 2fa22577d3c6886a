// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {IRollup} from "./interfaces/IRollup.sol";
import {WithdrawalMerkle} from "./lib/WithdrawalMerkle.sol";
import {LaminaHashes, OutputRootPreimage, Withdrawal} from "./lib/LaminaHashes.sol";

/// @title Bridge
/// @notice Lamina's L1 bridge: takes ETH and registered ERC-20 deposits,
///         queues every L1 -> L2 message (deposits, forced withdrawals, forced
///         L2 transactions) in one ordered queue with a rolling hash, and pays
///         withdrawals proven against the Rollup's finalized output roots.
/// @dev Amounts on L2 are uint64 "units"; asset `a` has `unit(a)` wei per unit
///      (ETH: asset 0, 1 gwei). Non-upgradeable. docs/contracts.md is the
///      specification of every encoding, event and flow.
contract Bridge is AccessControl, Pausable, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    // ------------------------------------------------------------------ types

    /// @notice A registered asset: its token (zero for ETH) and its unit in wei.
    struct Asset {
        address token;
        uint96 unit;
    }

    /// @notice Per-asset accounting, in L2 units (one storage slot).
    struct Ledger {
        uint128 depositedUnits;
        uint128 withdrawnUnits;
    }

    // ---------------------------------------------------------------- constants

    /// @notice Role that registers ERC-20 tokens.
    bytes32 public constant TOKEN_ADMIN_ROLE = keccak256("TOKEN_ADMIN_ROLE");
    /// @notice Role that pauses and unpauses deposits and withdrawal finalization.
    bytes32 public constant PAUSER_ROLE = keccak256("PAUSER_ROLE");
    /// @notice Asset id of ETH.
    uint32 public constant ETH_ASSET_ID = 0;
    /// @notice Wei per L2 unit of ETH (1 gwei).
    uint96 public constant ETH_UNIT = 1 gwei;
    /// @notice Largest opaque L2 transaction forceTransaction accepts, in bytes.
    uint256 public constant MAX_FORCED_TX_BYTES = 2048;

    // ---------------------------------------------------------------- immutables

    /// @notice The Rollup whose finalized outputs withdrawals are proven against.
    IRollup public immutable rollup;

    // ------------------------------------------------------------------- storage

    Asset[] internal _assets; // index = asset id
    mapping(address token => uint32) internal _assetIdPlusOne;
    mapping(uint256 assetId => Ledger) internal _ledger;
    bytes32[] internal _queue; // _queue[i] = queue hash after message i

    /// @notice Whether the withdrawal with this leaf hash was paid.
    mapping(bytes32 leaf => bool) public finalizedWithdrawals;

    // -------------------------------------------------------------------- events

    /// @notice An ERC-20 token was registered as asset `assetId`.
    event AssetRegistered(uint32 indexed assetId, address indexed token, uint256 unit);
    /// @notice Message `messageIndex`: a deposit of `amount` units of `assetId` to `l2Recipient`.
    event Deposit(
        uint256 indexed messageIndex,
        address indexed from,
        address indexed l2Recipient,
        uint32 assetId,
        uint64 amount,
        uint64 l1Block,
        bytes32 queueHash
    );
    /// @notice Message `messageIndex`: L2 account `l2Account` asks L2 to withdraw to `l1Recipient`.
    event ForcedWithdrawal(
        uint256 indexed messageIndex,
        address indexed l2Account,
        address indexed l1Recipient,
        uint32 assetId,
        uint64 amount,
        uint64 l1Block,
        bytes32 queueHash
    );
    /// @notice Message `messageIndex`: an opaque L2 transaction that L2 must include.
    event ForcedTransaction(
        uint256 indexed messageIndex, address indexed from, bytes l2Tx, uint64 l1Block, bytes32 queueHash
    );
    /// @notice A withdrawal was paid.
    event WithdrawalFinalized(
        bytes32 indexed leaf,
        uint64 indexed withdrawalId,
        uint256 indexed outputIndex,
        address l1Recipient,
        uint32 assetId,
        uint64 amount
    );

    // -------------------------------------------------------------------- errors

    error ZeroAddress();
    error NotAContract(address token);
    error InvalidUnit(uint256 unit);
    error TokenAlreadyRegistered(address token, uint32 assetId);
    error TooManyAssets();
    error UnregisteredToken(address token);
    error UnknownAsset(uint32 assetId);
    error ZeroAmount();
    error NotUnitMultiple(uint256 amount, uint256 unit);
    error AmountTooLarge(uint256 units);
    error AssetCapExceeded(uint32 assetId);
    error FeeOnTransferToken(address token, uint256 expected, uint256 received);
    error ForcedTxSize(uint256 size, uint256 max);
    error UnsupportedOutputVersion(uint8 version);
    error OutputRootMismatch(uint256 outputIndex);
    error InvalidWithdrawalProof();
    error AlreadyFinalized(bytes32 leaf);
    error WithdrawalExceedsDeposits(uint32 assetId);
    error EthTransferFailed(address to, uint256 amount);
    error MessageNotFound(uint256 messageIndex);

    // --------------------------------------------------------------- constructor

    /// @notice Deploys the bridge for `rollup_`; ETH becomes asset 0 (unit 1 gwei).
    /// @param admin receives DEFAULT_ADMIN_ROLE (grants TOKEN_ADMIN_ROLE and PAUSER_ROLE)
    /// @param rollup_ the Rollup contract holding the output roots
    constructor(address admin, IRollup rollup_) {
        if (admin == address(0) || address(rollup_) == address(0)) revert ZeroAddress();
        rollup = rollup_;
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _assets.push(Asset({token: address(0), unit: ETH_UNIT}));
        emit AssetRegistered(ETH_ASSET_ID, address(0), ETH_UNIT);
    }

    // ---------------------------------------------------------------- assets

    /// @notice Registers an ERC-20 token as the next asset id (1, 2, ...).
    /// @dev Only TOKEN_ADMIN_ROLE. A token is registered at most once and never
    ///      removed. Fee-on-transfer tokens register but every deposit reverts.
    /// @param token the token contract
    /// @param unit token base units (its "wei") per L2 unit, 1 .. 2^96-1
    /// @return assetId the new asset id
    function registerToken(address token, uint256 unit) external onlyRole(TOKEN_ADMIN_ROLE) returns (uint32 assetId) {
        if (token == address(0)) revert ZeroAddress();
        if (token.code.length == 0) revert NotAContract(token);
        if (unit == 0 || unit > type(uint96).max) revert InvalidUnit(unit);
        uint32 existing = _assetIdPlusOne[token];
        if (existing != 0) revert TokenAlreadyRegistered(token, existing - 1);
        uint256 id = _assets.length;
        if (id >= type(uint32).max) revert TooManyAssets();
        // forge-lint: disable-next-line(unsafe-typecast) -- id < 2^32 - 1, checked above
        assetId = uint32(id);
        // forge-lint: disable-next-line(unsafe-typecast) -- unit <= 2^96 - 1, checked above
        _assets.push(Asset({token: token, unit: uint96(unit)}));
        _assetIdPlusOne[token] = assetId + 1;
        emit AssetRegistered(assetId, token, unit);
    }

    /// @notice Number of assets (ETH included); ids are 0 .. assetCount()-1.
    function assetCount() external view returns (uint256) {
        return _assets.length;
    }

    /// @notice Asset `assetId`; reverts with UnknownAsset.
    function asset(uint32 assetId) external view returns (Asset memory) {
        if (assetId >= _assets.length) revert UnknownAsset(assetId);
        return _assets[assetId];
    }

    /// @notice The asset id of a registered token; reverts with UnregisteredToken.
    function assetIdOf(address token) public view returns (uint32) {
        uint32 idPlusOne = _assetIdPlusOne[token];
        if (idPlusOne == 0) revert UnregisteredToken(token);
        return idPlusOne - 1;
    }

    /// @notice Total ever deposited of `assetId`, in wei (token base units).
    function totalDeposited(uint32 assetId) external view returns (uint256) {
        if (assetId >= _assets.length) revert UnknownAsset(assetId);
        return uint256(_ledger[assetId].depositedUnits) * _assets[assetId].unit;
    }

    /// @notice Total ever withdrawn of `assetId`, in wei (token base units).
    function totalWithdrawn(uint32 assetId) external view returns (uint256) {
        if (assetId >= _assets.length) revert UnknownAsset(assetId);
        return uint256(_ledger[assetId].withdrawnUnits) * _assets[assetId].unit;
    }

    // ---------------------------------------------------------------- deposits

    /// @notice Deposits msg.value wei of ETH to `l2Recipient` on L2.
    /// @dev msg.value must be a non-zero multiple of 1 gwei and at most 2^64-1 gwei.
    ///      Paused: reverts.
    /// @param l2Recipient the L2 account credited
    /// @return messageIndex the deposit's index in the L1 -> L2 message queue
    function depositETH(address l2Recipient) external payable whenNotPaused returns (uint256 messageIndex) {
        uint64 units = _toUnits(msg.value, ETH_UNIT);
        return _deposit(ETH_ASSET_ID, units, l2Recipient);
    }

    /// @notice Deposits `amount` base units of registered `token` to `l2Recipient` on L2.
    /// @dev Needs an allowance. `amount` must be a non-zero multiple of the
    ///      asset's unit, at most (2^64-1) units. The bridge's balance must grow
    ///      by at least `amount`, else FeeOnTransferToken. Paused: reverts.
    /// @param token a registered token
    /// @param amount base units of the token
    /// @param l2Recipient the L2 account credited
    /// @return messageIndex the deposit's index in the L1 -> L2 message queue
    function depositERC20(address token, uint256 amount, address l2Recipient)
        external
        whenNotPaused
        nonReentrant
        returns (uint256 messageIndex)
    {
        uint32 assetId = assetIdOf(token);
        uint64 units = _toUnits(amount, _assets[assetId].unit);
        IERC20 t = IERC20(token);
        uint256 before = t.balanceOf(address(this));
        t.safeTransferFrom(msg.sender, address(this), amount);
        uint256 afterBalance = t.balanceOf(address(this));
        uint256 received = afterBalance > before ? afterBalance - before : 0;
        if (received < amount) revert FeeOnTransferToken(token, amount, received);
        return _deposit(assetId, units, l2Recipient);
    }

    // ---------------------------------------------------------- forced messages

    /// @notice Queues a forced withdrawal: L2 must move `amount` units of
    ///         `assetId` from msg.sender's L2 account into a withdrawal to
    ///         `l1Recipient` (or skip it if the balance is short), within the
    ///         sequencing window. Finalize it later with finalizeWithdrawal.
    /// @dev Works while paused (censorship resistance moves no L1 funds).
    /// @return messageIndex the message's index in the queue
    function forceWithdrawal(uint32 assetId, uint64 amount, address l1Recipient)
        external
        returns (uint256 messageIndex)
    {
        if (assetId >= _assets.length) revert UnknownAsset(assetId);
        if (amount == 0) revert ZeroAmount();
        if (l1Recipient == address(0)) revert ZeroAddress();
        messageIndex = _queue.length;
        uint64 l1Block = uint64(block.number);
        bytes32 h = LaminaHashes.forcedWithdrawalMessage(
            // forge-lint: disable-next-line(unsafe-typecast) -- the queue cannot reach 2^64 messages
            uint64(messageIndex),
            l1Block,
            msg.sender,
            l1Recipient,
            assetId,
            amount
        );
        bytes32 q = _enqueue(messageIndex, h);
        emit ForcedWithdrawal(messageIndex, msg.sender, l1Recipient, assetId, amount, l1Block, q);
    }

    /// @notice Queues an opaque, signed L2 transaction that L2 must include
    ///         (execute or reject as invalid) within the sequencing window.
    /// @dev 1 .. MAX_FORCED_TX_BYTES bytes. The transaction's authority is its
    ///      own L2 signature; `from` is recorded only. Works while paused.
    /// @param l2Tx the encoded L2 transaction
    /// @return messageIndex the message's index in the queue
    function forceTransaction(bytes calldata l2Tx) external returns (uint256 messageIndex) {
        uint256 size = l2Tx.length;
        if (size == 0 || size > MAX_FORCED_TX_BYTES) revert ForcedTxSize(size, MAX_FORCED_TX_BYTES);
        messageIndex = _queue.length;
        uint64 l1Block = uint64(block.number);
        // forge-lint: disable-next-line(unsafe-typecast) -- the queue cannot reach 2^64 messages
        bytes32 h = LaminaHashes.forcedTxMessage(uint64(messageIndex), l1Block, msg.sender, keccak256(l2Tx));
        bytes32 q = _enqueue(messageIndex, h);
        emit ForcedTransaction(messageIndex, msg.sender, l2Tx, l1Block, q);
    }

    /// @notice Number of L1 -> L2 messages queued so far (the next message index).
    function messageCount() external view returns (uint256) {
        return _queue.length;
    }

    /// @notice The rolling queue hash after message `messageIndex`; reverts with MessageNotFound.
    function queueHash(uint256 messageIndex) external view returns (bytes32) {
        if (messageIndex >= _queue.length) revert MessageNotFound(messageIndex);
        return _queue[messageIndex];
    }

    // ------------------------------------------------------------- withdrawals

    /// @notice Pays withdrawal `w`, proven to sit at `leafIndex` of the
    ///         withdrawals tree of finalized output `outputIndex`.
    /// @dev Anyone may call (the funds go to w.l1Recipient). Checks: output
    ///      final (else Rollup.OutputNotFinalized), preimage version 0 and hash
    ///      equal to the output root, Merkle proof, not yet paid, known asset,
    ///      the asset's total withdrawals stay within its total deposits. Pays
    ///      ETH by a call (all gas forwarded, reverts on failure) or ERC-20
    ///      amount * unit by safeTransfer. Paused: reverts.
    /// @param outputIndex the finalized output
    /// @param o the output root's preimage
    /// @param w the withdrawal
    /// @param leafIndex the withdrawal's leaf index in the tree
    /// @param proof sibling hashes, leaf level first (depth = proof.length <= 32)
    function finalizeWithdrawal(
        uint256 outputIndex,
        OutputRootPreimage calldata o,
        Withdrawal calldata w,
        uint256 leafIndex,
        bytes32[] calldata proof
    ) external whenNotPaused nonReentrant {
        if (o.version != LaminaHashes.OUTPUT_VERSION) revert UnsupportedOutputVersion(o.version);
        if (rollup.finalizedOutputRoot(outputIndex) != LaminaHashes.outputRoot(o)) {
            revert OutputRootMismatch(outputIndex);
        }
        bytes32 leaf = LaminaHashes.withdrawalLeaf(w);
        if (!WithdrawalMerkle.verifyCalldata(o.withdrawalsRoot, leaf, leafIndex, proof)) {
            revert InvalidWithdrawalProof();
        }
        if (finalizedWithdrawals[leaf]) revert AlreadyFinalized(leaf);
        uint32 assetId = w.assetId;
        if (assetId >= _assets.length) revert UnknownAsset(assetId);
        if (w.amount == 0) revert ZeroAmount();
        address to = w.l1Recipient;
        if (to == address(0)) revert ZeroAddress();

        Ledger storage l = _ledger[assetId];
        uint128 withdrawn = l.withdrawnUnits + w.amount;
        if (withdrawn > l.depositedUnits) revert WithdrawalExceedsDeposits(assetId);

        finalizedWithdrawals[leaf] = true;
        l.withdrawnUnits = withdrawn;
        emit WithdrawalFinalized(leaf, w.id, outputIndex, to, assetId, w.amount);

        Asset memory a = _assets[assetId];
        uint256 value = uint256(w.amount) * a.unit;
        if (assetId == ETH_ASSET_ID) {
            bool ok;
            assembly ("memory-safe") {
                ok := call(gas(), to, value, 0, 0, 0, 0) // no return-data copy
            }
            if (!ok) revert EthTransferFailed(to, value);
        } else {
            IERC20(a.token).safeTransfer(to, value);
        }
    }

    /// @notice The output root of a preimage (see LaminaHashes.outputRoot).
    function hashOutputRoot(OutputRootPreimage calldata o) external pure returns (bytes32) {
        return LaminaHashes.outputRoot(o);
    }

    /// @notice The withdrawal-tree leaf of a withdrawal (see LaminaHashes.withdrawalLeaf).
    function hashWithdrawal(Withdrawal calldata w) external pure returns (bytes32) {
        return LaminaHashes.withdrawalLeaf(w);
    }

    // ------------------------------------------------------------------- pause

    /// @notice Pauses deposits and withdrawal finalization. Only PAUSER_ROLE.
    function pause() external onlyRole(PAUSER_ROLE) {
        _pause();
    }

    /// @notice Lifts the pause. Only PAUSER_ROLE.
    function unpause() external onlyRole(PAUSER_ROLE) {
        _unpause();
    }

    // --------------------------------------------------------------- internals

    function _toUnits(uint256 amount, uint256 unit) internal pure returns (uint64) {
        if (amount == 0) revert ZeroAmount();
        if (amount % unit != 0) revert NotUnitMultiple(amount, unit);
        uint256 units = amount / unit;
        if (units > type(uint64).max) revert AmountTooLarge(units);
        // forge-lint: disable-next-line(unsafe-typecast) -- units <= 2^64 - 1, checked above
        return uint64(units);
    }

    function _deposit(uint32 assetId, uint64 units, address l2Recipient) internal returns (uint256 messageIndex) {
        if (l2Recipient == address(0)) revert ZeroAddress();
        Ledger storage l = _ledger[assetId];
        uint128 deposited = l.depositedUnits + units;
        // Everything locked for an asset must fit an L2 uint64 balance.
        if (deposited - l.withdrawnUnits > type(uint64).max) revert AssetCapExceeded(assetId);
        l.depositedUnits = deposited;

        messageIndex = _queue.length;
        uint64 l1Block = uint64(block.number);
        // forge-lint: disable-next-line(unsafe-typecast) -- the queue cannot reach 2^64 messages
        bytes32 h = LaminaHashes.depositMessage(uint64(messageIndex), l1Block, msg.sender, l2Recipient, assetId, units);
        bytes32 q = _enqueue(messageIndex, h);
        emit Deposit(messageIndex, msg.sender, l2Recipient, assetId, units, l1Block, q);
    }

    function _enqueue(uint256 messageIndex, bytes32 messageHash) internal returns (bytes32 q) {
        bytes32 prev = messageIndex == 0 ? bytes32(0) : _queue[messageIndex - 1];
        q = LaminaHashes.chain(prev, messageHash);
        _queue.push(q);
    }
}
