/* Fuzz target: signature recovery and address text. Input: 32-byte digest
 * ‖ 65-byte signature, then any bytes tried as address text. Recovery
 * either fails with a message or gives a key that verifies: signing is not
 * possible here, so check that a recovered signature is well-formed and
 * that address parsing round-trips through the checksum form. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lamina/secp256k1.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    lm_err err;
    if (size >= 97) {
        lm_sig sig;
        lm_pubkey pk;
        memcpy(sig.b, data + 32, 65);
        lm_code rc = lm_ecdsa_recover(&pk, data, &sig, &err);
        if (rc != LM_OK) {
            if (rc != LM_ECRYPTO || err.msg[0] == '\0')
                abort();
        } else {
            /* what was accepted is canonical: v 27/28, s in the low half */
            if ((sig.b[64] != 27 && sig.b[64] != 28) || sig.b[32] > 0x7f)
                abort();
            lm_pubkey again;
            uint8_t ser[65] = {0x04};
            memcpy(ser + 1, pk.b, 64);
            if (lm_pubkey_parse(&again, ser, 65, &err) != LM_OK || memcmp(again.b, pk.b, 64) != 0)
                abort();
        }
    }
    lm_address a;
    if (lm_address_parse(&a, (const char *)data, size, &err) == LM_OK) {
        char text[LM_ADDRESS_TEXT_LEN + 1];
        lm_address b;
        lm_address_to_checksum(text, &a);
        if (lm_address_parse(&b, text, LM_ADDRESS_TEXT_LEN, &err) != LM_OK || memcmp(a.b, b.b, 20) != 0)
            abort();
    }
    return 0;
}
