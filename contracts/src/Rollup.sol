// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {IRollup} from "./interfaces/IRollup.sol";
import {IValidityVerifier} from "./interfaces/IValidityVerifier.sol";

/// @title Rollup
/// @notice Lamina's L1 record of the L2 chain: the sequence of batches (their
///         hashes; the bytes travel as this contract's calldata) and one
///         bonded output root per batch, which becomes final after the
///         challenge window (optimistic mode) or at once when a validity proof
///         is accepted. The Bridge pays withdrawals against finalized outputs.
/// @dev Non-upgradeable on purpose: no proxy, no initializer; the deployment
///      is the code. docs/contracts.md lists every role, parameter, event and
///      what the admin can and cannot do.
contract Rollup is IRollup, AccessControl, Pausable {
    // ------------------------------------------------------------------ types

    /// @notice How outputs become final, fixed at construction.
    /// @dev Optimistic: after the challenge window (or at once with a validity
    ///      proof, when a verifier is set). Zk and Validium: only with a
    ///      validity proof; the challenge window is the proof deadline.
    enum Mode {
        Optimistic,
        Zk,
        Validium
    }

    /// @notice Construction parameters.
    struct Config {
        Mode mode;
        uint64 l2ChainId;
        bytes32 genesisOutputRoot; // output root of the L2 genesis state ("output -1")
        uint64 sequencingWindow; // L1 blocks within which L2 must include a queued message
        uint64 challengeWindow; // seconds
        uint96 proposalBond; // wei
        uint64 batcherTimeout; // seconds without a batch before anyone may append
        uint64 proposerTimeout; // seconds without a proposal before anyone may propose
    }

    /// @notice One appended batch.
    struct Batch {
        bytes32 hash; // keccak256 of the batch bytes (the `data` argument of appendBatch)
        uint64 l1Block;
        uint64 timestamp;
    }

    /// @notice One proposed output (three storage slots).
    struct Output {
        bytes32 root;
        address proposer;
        uint64 l2BlockNumber;
        bool proven; // accepted by the validity verifier
        bool bondReturned;
        uint64 proposedAt;
        uint64 finalizesAt; // optimistic: final from this time on; zk/validium: proof deadline
        uint128 cumulativeBond; // sum of the bonds of outputs 0..this (bond = difference with the previous)
    }

    // ---------------------------------------------------------------- constants

    /// @notice Role that appends batches (the sequencer's batcher key).
    bytes32 public constant BATCHER_ROLE = keccak256("BATCHER_ROLE");
    /// @notice Role that proposes output roots.
    bytes32 public constant PROPOSER_ROLE = keccak256("PROPOSER_ROLE");
    /// @notice Role that invalidates unfinalized outputs (the dispute game contract).
    bytes32 public constant DISPUTE_GAME_ROLE = keccak256("DISPUTE_GAME_ROLE");
    /// @notice Role that pauses and unpauses batch appends, proposals and proofs.
    bytes32 public constant PAUSER_ROLE = keccak256("PAUSER_ROLE");

    /// @notice Upper bound on the challenge window the admin may set.
    uint64 public constant MAX_CHALLENGE_WINDOW = 30 days;
    /// @notice Upper bound on the escape-hatch timeouts the admin may set.
    uint64 public constant MAX_TIMEOUT = 30 days;
    /// @notice Largest batch accepted by appendBatch, in bytes.
    uint256 public constant MAX_BATCH_BYTES = 128 * 1024;

    // ---------------------------------------------------------------- immutables

    /// @notice Finality mode, fixed at construction.
    Mode public immutable mode;
    /// @notice The L2 chain id (EIP-712 domain of L2 transactions), fixed at construction.
    uint64 public immutable l2ChainId;
    /// @notice Output root of the L2 genesis state, fixed at construction.
    bytes32 public immutable genesisOutputRoot;
    /// @notice Sequencing window in L1 blocks, fixed at construction (a derivation rule).
    uint64 public immutable sequencingWindow;

    // ------------------------------------------------------------------- storage

    /// @notice Seconds after a proposal before its output is final (optimistic mode),
    ///         or before an unproven output may be pruned (zk/validium modes).
    uint64 public challengeWindow;
    /// @notice Seconds without a new batch after which anyone may append batches.
    uint64 public batcherTimeout;
    /// @notice Seconds without a new proposal after which anyone may propose outputs.
    uint64 public proposerTimeout;
    /// @notice Timestamp of the last appended batch (construction time before the first).
    uint64 public lastBatchAt;

    /// @notice Timestamp of the last proposal (construction time before the first).
    uint64 public lastProposalAt;
    /// @notice Exact value proposeOutput must carry, in wei.
    uint96 public proposalBond;
    /// @notice Index the next proposal must use; outputs [0, nextOutputIndex) exist.
    uint64 public nextOutputIndex;

    /// @notice The validity-proof verifier used by proveOutput (zero: none).
    IValidityVerifier public validityVerifier;

    Batch[] internal _batches;
    mapping(uint256 => Output) internal _outputs;

    // -------------------------------------------------------------------- events

    /// @notice A batch was appended; its bytes are the `data` argument of this call.
    event BatchAppended(uint256 indexed index, bytes32 hash, uint256 l1Block);
    /// @notice An output was proposed for batch `index`.
    event OutputProposed(
        uint256 indexed index,
        bytes32 indexed outputRoot,
        address indexed proposer,
        uint64 l2BlockNumber,
        uint256 bond,
        uint64 finalizesAt
    );
    /// @notice The validity verifier accepted a proof for output `index`.
    event OutputProven(uint256 indexed index, address indexed prover);
    /// @notice Output `index` is final and its bond went back to its proposer.
    event OutputFinalized(uint256 indexed index, address indexed proposer, uint256 bond);
    /// @notice Outputs [fromIndex, toIndex) were removed; their bonds went to `beneficiary`.
    event OutputsInvalidated(uint256 indexed fromIndex, uint256 toIndex, address indexed beneficiary, uint256 bonds);
    /// @notice The challenge window changed.
    event ChallengeWindowSet(uint64 oldValue, uint64 newValue);
    /// @notice The proposal bond changed.
    event ProposalBondSet(uint96 oldValue, uint96 newValue);
    /// @notice The batcher timeout changed.
    event BatcherTimeoutSet(uint64 oldValue, uint64 newValue);
    /// @notice The proposer timeout changed.
    event ProposerTimeoutSet(uint64 oldValue, uint64 newValue);
    /// @notice The validity verifier changed.
    event ValidityVerifierSet(address oldValue, address newValue);

    // -------------------------------------------------------------------- errors

    error ZeroAddress();
    error InvalidChainId();
    error InvalidSequencingWindow();
    error ChallengeWindowTooLong(uint64 value, uint64 max);
    error TimeoutOutOfRange(uint64 value);
    error NotBatcher(address caller);
    error NotProposer(address caller);
    error EmptyBatch();
    error BatchTooLarge(uint256 size, uint256 max);
    error WrongBond(uint256 expected, uint256 got);
    error OutputOutOfOrder(uint256 expected, uint256 got);
    error BatchNotFound(uint256 batchIndex);
    error ZeroOutputRoot();
    error L2BlockDecreasing(uint64 previous, uint64 got);
    error OutputNotFound(uint256 index);
    error OutputNotFinalized(uint256 index);
    error OutputAlreadyFinalized(uint256 index);
    error NoVerifier();
    error PreviousOutputNotFinalized(uint256 index);
    error InvalidProof(uint256 index);
    error NotValidityMode();
    error ProofDeadlineNotReached(uint256 index, uint64 deadline);
    error EthTransferFailed(address to, uint256 amount);

    // --------------------------------------------------------------- constructor

    /// @notice Deploys the rollup record.
    /// @param admin receives DEFAULT_ADMIN_ROLE (grants the other roles, sets parameters)
    /// @param batcher receives BATCHER_ROLE unless zero
    /// @param proposer receives PROPOSER_ROLE unless zero
    /// @param cfg mode, chain id, genesis output root, sequencing window and the initial parameters
    constructor(address admin, address batcher, address proposer, Config memory cfg) {
        if (admin == address(0)) revert ZeroAddress();
        if (cfg.l2ChainId == 0) revert InvalidChainId();
        if (cfg.sequencingWindow == 0) revert InvalidSequencingWindow();
        mode = cfg.mode;
        l2ChainId = cfg.l2ChainId;
        genesisOutputRoot = cfg.genesisOutputRoot;
        sequencingWindow = cfg.sequencingWindow;
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        if (batcher != address(0)) _grantRole(BATCHER_ROLE, batcher);
        if (proposer != address(0)) _grantRole(PROPOSER_ROLE, proposer);
        _setChallengeWindow(cfg.challengeWindow);
        _setProposalBond(cfg.proposalBond);
        _setBatcherTimeout(cfg.batcherTimeout);
        _setProposerTimeout(cfg.proposerTimeout);
        lastBatchAt = uint64(block.timestamp);
        lastProposalAt = uint64(block.timestamp);
    }

    // ------------------------------------------------------------------- batches

    /// @notice Appends a batch. The node reads `data` from this call's calldata
    ///         and checks it against the recorded hash.
    /// @dev Only BATCHER_ROLE, or anyone once no batch was appended for
    ///      `batcherTimeout` seconds (escape hatch). Paused: reverts.
    /// @param data the batch bytes (1 .. MAX_BATCH_BYTES)
    /// @return index the batch's sequence number
    function appendBatch(bytes calldata data) external whenNotPaused returns (uint256 index) {
        uint64 last = lastBatchAt;
        if (block.timestamp < uint256(last) + batcherTimeout && !hasRole(BATCHER_ROLE, msg.sender)) {
            revert NotBatcher(msg.sender);
        }
        uint256 size = data.length;
        if (size == 0) revert EmptyBatch();
        if (size > MAX_BATCH_BYTES) revert BatchTooLarge(size, MAX_BATCH_BYTES);
        bytes32 h = keccak256(data);
        index = _batches.length;
        _batches.push(Batch({hash: h, l1Block: uint64(block.number), timestamp: uint64(block.timestamp)}));
        lastBatchAt = uint64(block.timestamp);
        emit BatchAppended(index, h, block.number);
    }

    /// @notice Number of batches appended so far.
    function batchCount() external view returns (uint256) {
        return _batches.length;
    }

    /// @notice Batch `index`; reverts with BatchNotFound if it does not exist.
    function batch(uint256 index) external view returns (Batch memory) {
        if (index >= _batches.length) revert BatchNotFound(index);
        return _batches[index];
    }

    // ------------------------------------------------------------------- outputs

    /// @notice Proposes the output root reached after batch `batchIndex`.
    /// @dev One output per batch, in order: batchIndex must equal nextOutputIndex
    ///      and the batch must exist. msg.value must equal proposalBond. Only
    ///      PROPOSER_ROLE, or anyone once nothing was proposed for
    ///      `proposerTimeout` seconds (escape hatch). Paused: reverts.
    /// @param batchIndex the batch (and output) index
    /// @param root the output root, keccak256(version ‖ stateRoot ‖ withdrawalsRoot ‖ lastBlockHash)
    /// @param l2BlockNumber number of the batch's last L2 block; not below the previous output's (equal for a batch derivation ignored)
    function proposeOutput(uint256 batchIndex, bytes32 root, uint64 l2BlockNumber) external payable whenNotPaused {
        if (block.timestamp < uint256(lastProposalAt) + proposerTimeout && !hasRole(PROPOSER_ROLE, msg.sender)) {
            revert NotProposer(msg.sender);
        }
        uint96 bond = proposalBond;
        if (msg.value != bond) revert WrongBond(bond, msg.value);
        uint64 index = nextOutputIndex;
        if (batchIndex != index) revert OutputOutOfOrder(index, batchIndex);
        if (batchIndex >= _batches.length) revert BatchNotFound(batchIndex);
        if (root == bytes32(0)) revert ZeroOutputRoot();

        uint64 prevL2Block = 0;
        uint64 prevFinalizesAt = 0;
        uint128 prevCumulative = 0;
        if (index > 0) {
            Output storage prev = _outputs[index - 1];
            prevL2Block = prev.l2BlockNumber;
            prevFinalizesAt = prev.finalizesAt;
            prevCumulative = prev.cumulativeBond;
        }
        // Equal is allowed: a batch that derivation ignores (garbage posted
        // through the escape hatch) leaves the L2 head where it was, and its
        // honest output must still be proposable.
        if (l2BlockNumber < prevL2Block) revert L2BlockDecreasing(prevL2Block, l2BlockNumber);

        // Finality times never decrease along the chain of outputs, even when
        // the admin shortens the window: the finalized outputs are always a prefix.
        uint64 finalizesAt = uint64(block.timestamp) + challengeWindow;
        if (finalizesAt < prevFinalizesAt) finalizesAt = prevFinalizesAt;

        _outputs[index] = Output({
            root: root,
            proposer: msg.sender,
            l2BlockNumber: l2BlockNumber,
            proven: false,
            bondReturned: false,
            proposedAt: uint64(block.timestamp),
            finalizesAt: finalizesAt,
            cumulativeBond: prevCumulative + bond
        });
        nextOutputIndex = index + 1;
        lastProposalAt = uint64(block.timestamp);
        emit OutputProposed(index, root, msg.sender, l2BlockNumber, bond, finalizesAt);
    }

    /// @notice Finalizes output `index` at once with a validity proof.
    /// @dev Needs a verifier, and the previous output (if any) already final.
    ///      Anyone may call. Returns the bond to the proposer. Paused: reverts.
    /// @param index the output to prove
    /// @param proof the proof bytes, passed to the verifier unchanged
    function proveOutput(uint256 index, bytes calldata proof) external whenNotPaused {
        IValidityVerifier v = validityVerifier;
        if (address(v) == address(0)) revert NoVerifier();
        if (index >= nextOutputIndex) revert OutputNotFound(index);
        if (isFinalized(index)) revert OutputAlreadyFinalized(index);
        bytes32 prevRoot = genesisOutputRoot;
        if (index > 0) {
            if (!isFinalized(index - 1)) revert PreviousOutputNotFinalized(index);
            prevRoot = _outputs[index - 1].root;
        }
        Output storage o = _outputs[index];
        if (!v.verify(prevRoot, o.root, _batches[index].hash, proof)) revert InvalidProof(index);
        o.proven = true;
        emit OutputProven(index, msg.sender);
        _returnBond(index, o);
    }

    /// @notice Returns the bond of a finalized output to its proposer.
    /// @dev Anyone may call; a second call for the same output does nothing.
    ///      Works while paused.
    /// @param index the output
    function finalizeOutput(uint256 index) external {
        if (index >= nextOutputIndex) revert OutputNotFound(index);
        if (!isFinalized(index)) revert OutputNotFinalized(index);
        Output storage o = _outputs[index];
        if (o.bondReturned) return;
        _returnBond(index, o);
    }

    /// @notice Removes output `fromIndex` and every later output; their bonds go to `beneficiary`.
    /// @dev Only DISPUTE_GAME_ROLE. Reverts if output `fromIndex` is final (then
    ///      nothing after it can be removed either). O(1): outputs are
    ///      truncated, bonds summed from the cumulative counters. Works while paused.
    /// @param fromIndex first output to remove
    /// @param beneficiary receives the removed outputs' bonds (the challenger)
    function invalidateOutputs(uint256 fromIndex, address beneficiary) external onlyRole(DISPUTE_GAME_ROLE) {
        if (beneficiary == address(0)) revert ZeroAddress();
        _truncate(fromIndex, beneficiary);
    }

    /// @notice Zk/validium modes: removes an output that was not proven by its
    ///         deadline (proposedAt + challengeWindow), and every later output;
    ///         the bonds go to the caller.
    /// @dev Anyone may call. This is what keeps a bogus, unprovable proposal
    ///      from blocking the chain in validity modes.
    /// @param fromIndex first output to remove
    function pruneUnproven(uint256 fromIndex) external {
        if (mode == Mode.Optimistic) revert NotValidityMode();
        if (fromIndex < nextOutputIndex) {
            Output storage o = _outputs[fromIndex];
            if (!o.proven && block.timestamp < o.finalizesAt) {
                revert ProofDeadlineNotReached(fromIndex, o.finalizesAt);
            }
        }
        _truncate(fromIndex, msg.sender);
    }

    /// @notice Whether output `index` exists and is final.
    /// @dev Final = proven, or (optimistic mode) block.timestamp >= finalizesAt
    ///      where finalizesAt = max(proposedAt + challengeWindow at proposal, previous finalizesAt).
    function isFinalized(uint256 index) public view returns (bool) {
        if (index >= nextOutputIndex) return false;
        Output storage o = _outputs[index];
        if (o.proven) return true;
        return mode == Mode.Optimistic && block.timestamp >= o.finalizesAt;
    }

    /// @inheritdoc IRollup
    function finalizedOutputRoot(uint256 index) external view returns (bytes32) {
        if (!isFinalized(index)) revert OutputNotFinalized(index);
        return _outputs[index].root;
    }

    /// @notice The root of output `index` (final or not); reverts with OutputNotFound.
    function outputRoot(uint256 index) external view returns (bytes32) {
        if (index >= nextOutputIndex) revert OutputNotFound(index);
        return _outputs[index].root;
    }

    /// @notice Output `index` in full; reverts with OutputNotFound.
    function output(uint256 index) external view returns (Output memory) {
        if (index >= nextOutputIndex) revert OutputNotFound(index);
        return _outputs[index];
    }

    /// @notice The bond output `index` carries (or carried), in wei; reverts with OutputNotFound.
    function bondOf(uint256 index) external view returns (uint256) {
        if (index >= nextOutputIndex) revert OutputNotFound(index);
        return _bond(index);
    }

    /// @notice The highest finalized output index; found = false when none is final.
    /// @dev Finalized outputs always form a prefix, so this is a binary search.
    function latestFinalizedIndex() external view returns (bool found, uint256 index) {
        uint256 lo = 0; // invariant: outputs [0, lo) are final
        uint256 hi = nextOutputIndex; // invariant: outputs [hi, next) are not
        while (lo < hi) {
            uint256 mid = (lo + hi) / 2;
            if (isFinalized(mid)) lo = mid + 1;
            else hi = mid;
        }
        if (lo == 0) return (false, 0);
        return (true, lo - 1);
    }

    // ------------------------------------------------------------------ admin

    /// @notice Sets the challenge window (seconds, at most MAX_CHALLENGE_WINDOW).
    /// @dev Only DEFAULT_ADMIN_ROLE. Applies to later proposals only: an output
    ///      keeps the finality time it got when proposed.
    function setChallengeWindow(uint64 value) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _setChallengeWindow(value);
    }

    /// @notice Sets the proposal bond (wei). Only DEFAULT_ADMIN_ROLE; applies to later proposals.
    function setProposalBond(uint96 value) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _setProposalBond(value);
    }

    /// @notice Sets the batcher timeout (seconds, 1 .. MAX_TIMEOUT). Only DEFAULT_ADMIN_ROLE.
    function setBatcherTimeout(uint64 value) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _setBatcherTimeout(value);
    }

    /// @notice Sets the proposer timeout (seconds, 1 .. MAX_TIMEOUT). Only DEFAULT_ADMIN_ROLE.
    function setProposerTimeout(uint64 value) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _setProposerTimeout(value);
    }

    /// @notice Sets the validity verifier (zero disables proveOutput). Only DEFAULT_ADMIN_ROLE.
    /// @dev Outputs already proven stay proven.
    function setValidityVerifier(IValidityVerifier value) external onlyRole(DEFAULT_ADMIN_ROLE) {
        emit ValidityVerifierSet(address(validityVerifier), address(value));
        validityVerifier = value;
    }

    /// @notice Pauses appendBatch, proposeOutput and proveOutput. Only PAUSER_ROLE.
    function pause() external onlyRole(PAUSER_ROLE) {
        _pause();
    }

    /// @notice Lifts the pause. Only PAUSER_ROLE.
    function unpause() external onlyRole(PAUSER_ROLE) {
        _unpause();
    }

    // --------------------------------------------------------------- internals

    function _bond(uint256 index) internal view returns (uint256) {
        uint256 cum = _outputs[index].cumulativeBond;
        return index == 0 ? cum : cum - _outputs[index - 1].cumulativeBond;
    }

    function _returnBond(uint256 index, Output storage o) internal {
        o.bondReturned = true;
        uint256 bond = _bond(index);
        address proposer = o.proposer;
        emit OutputFinalized(index, proposer, bond);
        _sendEth(proposer, bond);
    }

    function _truncate(uint256 fromIndex, address beneficiary) internal {
        uint256 count = nextOutputIndex;
        if (fromIndex >= count) revert OutputNotFound(fromIndex);
        if (isFinalized(fromIndex)) revert OutputAlreadyFinalized(fromIndex);
        // No output in [fromIndex, count) is final (finality is a prefix), so
        // none has had its bond returned: their bonds sum to this difference.
        uint256 bonds = uint256(_outputs[count - 1].cumulativeBond)
            - (fromIndex == 0 ? 0 : uint256(_outputs[fromIndex - 1].cumulativeBond));
        // forge-lint: disable-next-line(unsafe-typecast) -- fromIndex < nextOutputIndex, a uint64
        nextOutputIndex = uint64(fromIndex);
        emit OutputsInvalidated(fromIndex, count, beneficiary, bonds);
        _sendEth(beneficiary, bonds);
    }

    function _sendEth(address to, uint256 amount) internal {
        if (amount == 0) return;
        bool ok;
        assembly ("memory-safe") {
            ok := call(gas(), to, amount, 0, 0, 0, 0) // no return-data copy
        }
        if (!ok) revert EthTransferFailed(to, amount);
    }

    function _setChallengeWindow(uint64 value) internal {
        if (value > MAX_CHALLENGE_WINDOW) revert ChallengeWindowTooLong(value, MAX_CHALLENGE_WINDOW);
        emit ChallengeWindowSet(challengeWindow, value);
        challengeWindow = value;
    }

    function _setProposalBond(uint96 value) internal {
        emit ProposalBondSet(proposalBond, value);
        proposalBond = value;
    }

    function _setBatcherTimeout(uint64 value) internal {
        if (value == 0 || value > MAX_TIMEOUT) revert TimeoutOutOfRange(value);
        emit BatcherTimeoutSet(batcherTimeout, value);
        batcherTimeout = value;
    }

    function _setProposerTimeout(uint64 value) internal {
        if (value == 0 || value > MAX_TIMEOUT) revert TimeoutOutOfRange(value);
        emit ProposerTimeoutSet(proposerTimeout, value);
        proposerTimeout = value;
    }
}
