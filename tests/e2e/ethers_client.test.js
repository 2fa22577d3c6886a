// An external client of a Lamina devnet, written with ethers v6 only (no
// Lamina code): it reads the devnet's endpoints.json, deposits ETH on L1,
// signs L2 transactions from the EIP-712 schema of docs/l2-protocol.md §4,
// submits them over the JSON-RPC API of docs/node-api.md (object and wire
// form, single and batched requests), withdraws to L1 with the node's proof,
// and stops the devnet, checking that nothing is left running.
//
// Run:  node tests/e2e/ethers_client.test.js [path/to/lamina]
//   or  LAMINA_BIN=path/to/lamina node --test tests/e2e/ethers_client.test.js
'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const ethers = require('ethers');
const WebSocket = require('ws'); // the WebSocket client ethers itself depends on

const LAMINA_BIN = path.resolve(
    process.argv[2] && !process.argv[2].startsWith('-') ? process.argv[2]
        : process.env.LAMINA_BIN || path.join(__dirname, '..', '..', 'build', 'lamina'));

// anvil's test account 3 (public test mnemonic "test test ... junk"): never for value.
const USER_KEY = '0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6';
const GWEI = 1000000000n;

// docs/l2-protocol.md §4:
//   Transfer(address from,address to,uint32 asset,uint64 amount,uint64 fee,uint64 nonce)
//   Withdraw(address from,address to,uint32 asset,uint64 amount,uint64 fee,uint64 nonce)
const TX_FIELDS = [
    { name: 'from', type: 'address' },
    { name: 'to', type: 'address' },
    { name: 'asset', type: 'uint32' },
    { name: 'amount', type: 'uint64' },
    { name: 'fee', type: 'uint64' },
    { name: 'nonce', type: 'uint64' },
];
const TX_TYPES = { transfer: { Transfer: TX_FIELDS }, withdraw: { Withdraw: TX_FIELDS } };

const BRIDGE_ABI = [
    'function depositETH(address l2Recipient) payable returns (uint256)',
    // contracts/src/Bridge.sol, structs from contracts/src/lib/LaminaHashes.sol
    'function finalizeWithdrawal(uint256 outputIndex, (uint8 version, bytes32 stateRoot, bytes32 withdrawalsRoot, bytes32 lastBlockHash) o, (uint64 id, address l2Sender, address l1Recipient, uint32 assetId, uint64 amount) w, uint256 leafIndex, bytes32[] proof)',
];
const ROLLUP_ABI = ['function isFinalized(uint256 index) view returns (bool)'];

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function until(what, timeoutMs, fn, intervalMs = 200) {
    const end = Date.now() + timeoutMs;
    let last;
    for (;;) {
        try {
            const v = await fn();
            if (v !== undefined && v !== null && v !== false)
                return v;
            last = v;
        } catch (e) {
            last = e;
        }
        if (Date.now() > end)
            throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (last: ${last instanceof Error ? last.message : JSON.stringify(last)})`);
        await sleep(intervalMs);
    }
}

// A JSON-RPC client over fetch: returns the parsed body (object or array).
let nextId = 1;
async function post(url, body) {
    const res = await fetch(url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: typeof body === 'string' ? body : JSON.stringify(body),
        signal: AbortSignal.timeout(15000),
    });
    const text = await res.text();
    return { status: res.status, body: text.length ? JSON.parse(text) : null };
}

function req(method, params) {
    return { jsonrpc: '2.0', id: nextId++, method, params };
}

// One call; returns {result} or {error}.
async function call(url, method, params) {
    const r = await post(url, req(method, params));
    assert.equal(r.status, 200, `${method}: HTTP ${r.status}`);
    return r.body;
}

async function ok(url, method, params) {
    const r = await call(url, method, params);
    if (r.error)
        throw new Error(`${method}: JSON-RPC error ${r.error.code} ${r.error.message} ${JSON.stringify(r.error.data)}`);
    return r.result;
}

const big = (q) => BigInt(q); // quantities are numbers or decimal strings

function pidAlive(pid) {
    try {
        process.kill(pid, 0);
    } catch (e) {
        return e.code === 'EPERM';
    }
    // a zombie is dead for our purpose
    try {
        const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
        return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
    } catch {
        return false;
    }
}

// The descendants of pid (from /proc), so that we can check they all end.
function descendants(pid) {
    const parent = new Map();
    for (const d of fs.readdirSync('/proc')) {
        if (!/^\d+$/.test(d))
            continue;
        try {
            const stat = fs.readFileSync(`/proc/${d}/stat`, 'utf8');
            const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
            parent.set(Number(d), Number(rest[1]));
        } catch { /* gone */ }
    }
    const out = [];
    const todo = [pid];
    while (todo.length) {
        const p = todo.pop();
        for (const [c, pp] of parent)
            if (pp === p) {
                out.push(c);
                todo.push(c);
            }
    }
    return out;
}

function cmdline(pid) {
    try {
        return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
    } catch {
        return '';
    }
}

test('ethers v6 client against lamina devnet', { timeout: 120000 }, async (t) => {
    assert.ok(fs.existsSync(LAMINA_BIN), `lamina binary not found: ${LAMINA_BIN} (pass it as argv[2] or LAMINA_BIN)`);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lamina-e2e-'));
    const log = fs.openSync(path.join(dir, 'devnet.out'), 'a');
    const devnet = spawn(LAMINA_BIN, ['devnet', '--dir', dir, '--no-demo'], { stdio: ['ignore', log, log] });
    fs.closeSync(log);
    let exited = null;
    const exitPromise = new Promise((resolve) => devnet.on('exit', (code, sig) => {
        exited = { code, sig };
        resolve(exited);
    }));
    const tail = () => {
        try {
            return fs.readFileSync(path.join(dir, 'devnet.out'), 'utf8').slice(-3000);
        } catch {
            return '';
        }
    };
    let l1 = null;
    let tracked = []; // the devnet's descendants, taken before it is stopped
    t.after(async () => {
        if (l1)
            l1.destroy();
        if (exited === null) {
            // a failed test: kill the devnet and whatever it started
            const kids = descendants(devnet.pid);
            devnet.kill('SIGKILL');
            await exitPromise;
            tracked = tracked.concat(kids);
        }
        for (const p of tracked)
            if (pidAlive(p))
                try { process.kill(p, 'SIGKILL'); } catch { /* gone */ }
        if (!process.env.LAMINA_E2E_KEEP)
            fs.rmSync(dir, { recursive: true, force: true });
    });

    // ---- endpoints.json, written once everything is up ----
    const endpointsPath = path.join(dir, 'endpoints.json');
    const ep = await until('endpoints.json', 45000, () => {
        if (exited)
            throw new Error(`devnet exited early (${JSON.stringify(exited)}):\n${tail()}`);
        return fs.existsSync(endpointsPath) && JSON.parse(fs.readFileSync(endpointsPath, 'utf8'));
    }, 100).catch((e) => {
        throw new Error(`${e.message}\n--- devnet output ---\n${tail()}`);
    });
    for (const k of ['l1Rpc', 'l2Rpc', 'deployment', 'l1ChainId', 'l2ChainId', 'rollup'])
        assert.ok(ep[k] !== undefined, `endpoints.json lacks ${k}: ${JSON.stringify(ep)}`);
    assert.equal(ep.l1ChainId, 31337);
    assert.equal(ep.l2ChainId, 42069);
    const dep = JSON.parse(fs.readFileSync(ep.deployment, 'utf8'));
    assert.equal(ethers.getAddress(dep.rollup), ethers.getAddress(ep.rollup), 'endpoints.rollup != deployment.rollup');
    const L2 = ep.l2Rpc;
    const l2ChainId = BigInt(ep.l2ChainId);
    assert.equal(BigInt(await ok(L2, 'lamina_chainId', [])), l2ChainId);

    l1 = new ethers.JsonRpcProvider(ep.l1Rpc, Number(ep.l1ChainId), { staticNetwork: true, polling: true, pollingInterval: 200 });
    const user = new ethers.Wallet(USER_KEY, l1);
    const bridge = new ethers.Contract(dep.bridge, BRIDGE_ABI, user);
    const rollup = new ethers.Contract(ep.rollup, ROLLUP_ABI, l1);
    const domain = { name: 'Lamina', version: '1', chainId: l2ChainId, verifyingContract: ethers.getAddress(ep.rollup) };

    // fresh addresses derived from fixed labels: deterministic, empty
    const friend = ethers.getAddress(ethers.dataSlice(ethers.id('lamina e2e friend'), 12));
    const l1Dest = ethers.getAddress(ethers.dataSlice(ethers.id('lamina e2e l1 recipient'), 12));

    // ---- 1. deposit 1 ETH on L1, wait for it on L2 ----
    const before = big(await ok(L2, 'lamina_getBalance', [user.address, 0]));
    const dtx = await bridge.depositETH(user.address, { value: ethers.parseEther('1') });
    const drc = await dtx.wait(1, 20000);
    assert.equal(drc.status, 1, 'depositETH reverted');
    const deposited = 1000000000n; // 1 ETH in gwei, asset 0's L2 unit
    await until('the deposit on L2', 20000, async () =>
        big(await ok(L2, 'lamina_getBalance', [user.address, 0])) === before + deposited);

    let acct = await ok(L2, 'lamina_getAccount', [user.address]);
    assert.ok(acct, 'lamina_getAccount: null after the deposit');
    // nonces: a window [nonceBase, nonceBase + 64) with a bitmap of used ones;
    // a fresh account has none used.
    let nonce = big(acct.nonceBase);

    async function sign(kind, to, amount, fee, n, signer = user) {
        const message = { from: signer.address, to, asset: 0, amount, fee, nonce: n };
        const signature = await signer.signTypedData(domain, TX_TYPES[kind], message);
        return { type: kind, chainId: Number(l2ChainId), from: message.from, to, asset: 0,
            amount: Number(amount), fee: Number(fee), nonce: Number(n), signature };
    }
    // the 143-byte wire form: 0x01 ‖ type ‖ chainId u64 ‖ from ‖ to ‖ asset u32 ‖
    // amount u64 ‖ fee u64 ‖ nonce u64 ‖ r ‖ s ‖ v
    function wire(tx) {
        const sig = ethers.Signature.from(tx.signature);
        const w = ethers.solidityPacked(
            ['uint8', 'uint8', 'uint64', 'address', 'address', 'uint32', 'uint64', 'uint64', 'uint64', 'bytes32', 'bytes32', 'uint8'],
            [1, tx.type === 'transfer' ? 1 : 2, tx.chainId, tx.from, tx.to, tx.asset, tx.amount, tx.fee, tx.nonce, sig.r, sig.s, sig.v]);
        assert.equal(ethers.dataLength(w), 143);
        return w;
    }
    const txHash = (tx) => ethers.keccak256(wire(tx));
    function checkConfirmation(res, tx, what) {
        assert.ok(res && typeof res === 'object', `${what}: no confirmation: ${JSON.stringify(res)}`);
        assert.equal(res.hash.toLowerCase(), txHash(tx), `${what}: hash is not keccak256(wire form)`);
        assert.ok(Number(res.block) >= 1, `${what}: block ${res.block}`);
        assert.ok(Number(res.position) >= 0, `${what}: position ${res.position}`);
    }
    const expected = { user: before + deposited, friend: 0n, fees: 0n };
    const feesBefore = big(await ok(L2, 'lamina_getBalance', [dep.batcher, 0]));

    // ---- subscriptions over WebSocket (docs/node-api.md): the friend's
    // account and new blocks, notified once the block is committed ----
    const ws = new WebSocket(L2.replace(/^http/, 'ws') + '/ws');
    t.after(() => ws.terminate());
    const wsMsgs = [];
    ws.on('message', (m) => wsMsgs.push(JSON.parse(m.toString())));
    await new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject); });
    ws.send(JSON.stringify([req('lamina_subscribe', ['account', friend]), req('lamina_subscribe', ['newBlocks'])]));
    const subAnswer = await until('the subscribe answers', 5000, () => wsMsgs.find((m) => Array.isArray(m)));
    assert.ok(subAnswer.every((r) => typeof r.result === 'string'), `subscribe: ${JSON.stringify(subAnswer)}`);
    const [subAcct, subBlocks] = subAnswer.sort((a, b) => a.id - b.id).map((r) => r.result);
    const notes = (sub) => wsMsgs.filter((m) => m.method === 'lamina_subscription' && m.params.subscription === sub)
        .map((m) => m.params.result);

    // ---- 2. a transfer in object form, one request ----
    const t1 = await sign('transfer', friend, 100000000n, 1000n, nonce++);
    const c1 = await ok(L2, 'lamina_sendTransaction', [t1]);
    checkConfirmation(c1, t1, 'transfer (object)');
    // the friend's first account update: created by this transfer, in its block
    const upd = await until('the account notification', 5000, () => notes(subAcct)[0]);
    assert.equal(ethers.getAddress(upd.address), friend);
    assert.equal(big(upd.balances['0']), 100000000n, `account notification: ${JSON.stringify(upd)}`);
    const blkNote = await until('the block notification', 5000, () =>
        notes(subBlocks).find((b) => Number(b.number) === Number(c1.block)));
    ws.close();
    expected.user -= 100000000n + 1000n;
    expected.friend += 100000000n;
    expected.fees += 1000n;
    const got1 = await ok(L2, 'lamina_getTransaction', [c1.hash]);
    assert.equal(Number(got1.block), Number(c1.block));
    assert.equal(Number(got1.position), Number(c1.position));

    // ---- 3. a transfer in wire form, one request ----
    const t2 = await sign('transfer', friend, 7n, 0n, nonce++);
    const c2 = await ok(L2, 'lamina_sendTransaction', [wire(t2)]);
    checkConfirmation(c2, t2, 'transfer (wire)');
    expected.user -= 7n;
    expected.friend += 7n;

    // ---- 4. a batched request: two transfers (object and wire) and a read ----
    const t3 = await sign('transfer', friend, 11n, 1n, nonce++);
    const t4 = await sign('transfer', friend, 13n, 2n, nonce++);
    const batch = [req('lamina_sendTransaction', [t3]), req('lamina_sendTransaction', [wire(t4)]),
        req('lamina_chainId', [])];
    const br = await post(L2, batch);
    assert.equal(br.status, 200);
    assert.ok(Array.isArray(br.body) && br.body.length === 3, `batch answer: ${JSON.stringify(br.body)}`);
    const byId = new Map(br.body.map((r) => [r.id, r]));
    for (const [i, tx] of [[0, t3], [1, t4]]) {
        const r = byId.get(batch[i].id);
        assert.ok(r && !r.error, `batched send ${i}: ${JSON.stringify(r)}`);
        checkConfirmation(r.result, tx, `batched transfer ${i}`);
    }
    assert.equal(BigInt(byId.get(batch[2].id).result), l2ChainId);
    expected.user -= 11n + 1n + 13n + 2n;
    expected.friend += 24n;
    expected.fees += 3n;

    // ---- 5. refusals: a replayed nonce and a bad signature ----
    const replay = await call(L2, 'lamina_sendTransaction', [t1]);
    assert.ok(replay.error, `a replay was accepted: ${JSON.stringify(replay)}`);
    assert.ok(replay.error.code === -32010 || replay.error.code === -32011, `replay: ${JSON.stringify(replay.error)}`);
    if (replay.error.code === -32010)
        assert.equal(replay.error.data.reason, 'NONCE_USED');
    // the same nonce re-signed for a different amount: a new hash, still used
    const t1b = await sign('transfer', friend, 5n, 0n, BigInt(t1.nonce));
    const replay2 = await call(L2, 'lamina_sendTransaction', [wire(t1b)]);
    assert.equal(replay2.error?.code, -32010, `nonce reuse: ${JSON.stringify(replay2)}`);
    assert.equal(replay2.error.data.reason, 'NONCE_USED');
    const bad = await sign('transfer', friend, 5n, 0n, nonce);
    bad.amount = 6; // signed for 5
    const badr = await call(L2, 'lamina_sendTransaction', [bad]);
    assert.equal(badr.error?.code, -32010, `bad signature: ${JSON.stringify(badr)}`);
    assert.equal(badr.error.data.reason, 'BAD_SIGNATURE');
    // signed by someone else for the user's account, in a batch with a good read
    const mallory = ethers.Wallet.createRandom();
    const forged = await sign('transfer', friend, 5n, 0n, nonce, mallory);
    forged.from = user.address;
    const fb = await post(L2, [req('lamina_sendTransaction', [wire(forged)]), req('lamina_getBalance', [friend, 0])]);
    assert.equal(fb.status, 200);
    const forgedAns = fb.body.find((r) => r.error);
    assert.equal(forgedAns?.error?.data?.reason, 'BAD_SIGNATURE', `forged: ${JSON.stringify(fb.body)}`);
    assert.equal(big(fb.body.find((r) => !r.error).result), expected.friend);

    // ---- 6. balances on L2 ----
    acct = await ok(L2, 'lamina_getAccount', [user.address]);
    assert.equal(big(acct.balances['0']), expected.user, `user account: ${JSON.stringify(acct)}`);
    const facct = await ok(L2, 'lamina_getAccount', [friend]);
    assert.equal(big(facct.balances['0']), expected.friend, `friend account: ${JSON.stringify(facct)}`);
    const blk = await ok(L2, 'lamina_getBlock', [Number(c1.block)]);
    assert.ok(blk.transactions.map((h) => h.toLowerCase()).includes(c1.hash.toLowerCase()));
    // the newBlocks notification is the same block, without the transaction list
    const { transactions: _txs, ...blkHead } = blk;
    assert.deepEqual(blkNote, blkHead, 'newBlocks notification != lamina_getBlock');
    // the fee recipient is an account index; the devnet's sequencer credits
    // the batcher's account (index 0, created at genesis)
    const feeAcct = await ok(L2, 'lamina_getAccount', [dep.batcher]);
    assert.ok(feeAcct, 'the batcher has no L2 account');
    assert.equal(Number(blk.feeRecipient), Number(feeAcct.index), `feeRecipient ${blk.feeRecipient}`);
    assert.equal(big(feeAcct.balances['0'] ?? 0) - feesBefore, expected.fees, 'fees credited');

    // ---- 7. a withdrawal to a fresh L1 address ----
    const wAmount = 200000000n; // 0.2 ETH in gwei
    const w = await sign('withdraw', l1Dest, wAmount, 0n, nonce++);
    const cw = await ok(L2, 'lamina_sendTransaction', [w]);
    checkConfirmation(cw, w, 'withdraw');
    expected.user -= wAmount;
    assert.equal(big(await ok(L2, 'lamina_getBalance', [user.address, 0])), expected.user);

    // its proof once the batch is posted (ids count from 0 on this chain: find ours)
    const proof = await until('lamina_getWithdrawalProof', 30000, async () => {
        for (let id = 0; id < 16; id++) {
            const p = await ok(L2, 'lamina_getWithdrawalProof', [id]);
            if (p && ethers.getAddress(p.withdrawal.l1Recipient) === l1Dest)
                return p;
        }
        return null;
    }, 250);
    assert.equal(ethers.getAddress(proof.withdrawal.l2Sender), user.address);
    assert.equal(big(proof.withdrawal.amount), wAmount);
    assert.equal(Number(proof.withdrawal.assetId), 0);

    // past the challenge window (4 s on the devnet): move anvil's clock
    const batchIndex = BigInt(proof.batchIndex);
    const window = Number(dep.params?.challengeWindow ?? 4);
    assert.ok(window <= 3600, `challenge window ${window} s: not a devnet`);
    await until('the output to be finalized on L1', 30000, async () => {
        if (await rollup.isFinalized(batchIndex))
            return true;
        await l1.send('evm_increaseTime', [window + 1]);
        await l1.send('evm_mine', []);
        return rollup.isFinalized(batchIndex);
    }, 300);

    // ---- 8. finalize on L1 with the node's proof; the recipient gets exactly the amount ----
    const l1Before = await l1.getBalance(l1Dest);
    const o = proof.output;
    const wd = proof.withdrawal;
    const ftx = await bridge.finalizeWithdrawal(batchIndex,
        { version: o.version, stateRoot: o.stateRoot, withdrawalsRoot: o.withdrawalsRoot, lastBlockHash: o.lastBlockHash },
        { id: BigInt(wd.id), l2Sender: wd.l2Sender, l1Recipient: wd.l1Recipient, assetId: wd.assetId, amount: BigInt(wd.amount) },
        BigInt(proof.leafIndex), proof.proof);
    const frc = await ftx.wait(1, 20000);
    assert.equal(frc.status, 1, 'finalizeWithdrawal reverted');
    const l1After = await l1.getBalance(l1Dest);
    assert.equal(l1After - l1Before, wAmount * GWEI, 'the L1 recipient did not get exactly the amount');
    // a second finalize of the same withdrawal is refused by the Bridge
    await assert.rejects(bridge.finalizeWithdrawal.staticCall(batchIndex,
        { version: o.version, stateRoot: o.stateRoot, withdrawalsRoot: o.withdrawalsRoot, lastBlockHash: o.lastBlockHash },
        { id: BigInt(wd.id), l2Sender: wd.l2Sender, l1Recipient: wd.l1Recipient, assetId: wd.assetId, amount: BigInt(wd.amount) },
        BigInt(proof.leafIndex), proof.proof), 'a withdrawal was paid twice');

    // ---- 9. SIGTERM: the devnet exits and leaves nothing running ----
    l1.destroy();
    l1 = null;
    const children = descendants(devnet.pid);
    tracked = children;
    const anvils = children.filter((p) => /anvil/.test(cmdline(p)));
    assert.ok(anvils.length >= 1, `no anvil among the devnet's children: ${children.map(cmdline).join(' | ')}`);
    devnet.kill('SIGTERM');
    let timer;
    const ex = await Promise.race([exitPromise, new Promise((r) => { timer = setTimeout(() => r(null), 20000); })]);
    clearTimeout(timer);
    assert.ok(ex, `the devnet did not exit within 20 s of SIGTERM:\n${tail()}`);
    assert.ok(ex.code === 0 || ex.sig === 'SIGTERM', `devnet exit: ${JSON.stringify(ex)}\n${tail()}`);
    await until('the devnet children to end', 5000, () => children.every((p) => !pidAlive(p)), 100)
        .catch(() => assert.fail(`still alive after the devnet exited: ${children.filter(pidAlive).map((p) => `${p} ${cmdline(p)}`).join(', ')}`));
    for (const url of [ep.l1Rpc, ep.l2Rpc])
        await assert.rejects(post(url, req('eth_chainId', [])), `${url} still answers after SIGTERM`);
});
