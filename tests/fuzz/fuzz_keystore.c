/* Fuzz target: keystore files (lamina/keystore.h) and the node's answers
 * the wallet parses (lamina/wallet.h) — all untrusted input.
 *
 * The input is a JSON document. lm_keystore_peek_address and
 * lm_keystore_decrypt (password "pw") must refuse it with a code and a
 * message or succeed; on success the key's address is the one returned and
 * a keystore's address field (when any) agrees. So that the fuzzer stays
 * fast, decryption runs only when the document's KDF parameters are small
 * (scrypt n*r*p <= 2^12, pbkdf2 c <= 2^10): the bounds that keep hostile
 * files from allocating gigabytes are unit-tested (tests/unit/test_keystore.c).
 * The same document goes through lm_wallet_parse_account and
 * lm_wallet_parse_withdrawal_proof. Violations abort(). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "lamina/keystore.h"
#include "lamina/wallet.h"

static json_t *kdfparams(json_t *root)
{
    json_t *c = json_object_get(root, "crypto");
    if (!c)
        c = json_object_get(root, "Crypto");
    return json_object_get(c, "kdfparams");
}

static json_int_t num(json_t *o, const char *k)
{
    json_t *v = json_object_get(o, k);
    return json_is_integer(v) ? json_integer_value(v) : 0;
}

static void check_err(lm_code rc, const lm_err *err)
{
    if (rc != LM_OK && (rc >= LM_ECODE_COUNT || err->msg[0] == '\0'))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    lm_err err;
    lm_address peek, addr;
    lm_code prc = lm_keystore_peek_address(&peek, text, size, &err);
    check_err(prc, &err);

    json_t *root = json_loadb(text, size, JSON_DECODE_ANY, NULL);
    bool cheap = true;
    if (json_is_object(root)) {
        json_t *kp = kdfparams(root);
        json_int_t n = num(kp, "n"), r = num(kp, "r"), p = num(kp, "p"), c = num(kp, "c");
        if (n < 0 || r < 0 || p < 0 || c < 0 || n > 4096 || r > 4096 || p > 4096 ||
            n * r * p > 4096 || c > 1024)
            cheap = false;
    }
    if (cheap) {
        lm_seckey key;
        lm_code rc = lm_keystore_decrypt(&key, &addr, text, size, "pw", 2, &err);
        check_err(rc, &err);
        if (rc == LM_OK) {
            lm_address want;
            if (lm_address_from_seckey(&want, &key, &err) != LM_OK ||
                memcmp(want.b, addr.b, 20) != 0)
                abort();
            if (prc == LM_OK && memcmp(peek.b, addr.b, 20) != 0)
                abort(); /* the address field was checked against the key */
        }
    }
    if (root) {
        lm_account acc;
        memset(&acc, 0, sizeof acc);
        uint64_t index;
        bool exists, posted;
        check_err(lm_wallet_parse_account(&acc, &index, &exists, root, &err), &err);
        lm_withdrawal_claim claim;
        check_err(lm_wallet_parse_withdrawal_proof(&claim, &posted, root, &err), &err);
    }
    json_decref(root);
    return 0;
}
