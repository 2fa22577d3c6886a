/* EIP-712: the EIP's own Mail example (assets/eip-712/Example.js: type hash,
 * encodeData, hashStruct, domain separator, digest, and the signature of
 * eth_signTypedData's example), the fixed helpers against it, integer
 * encodings, and malformed documents. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "lamina/bytes.h"
#include "lamina/eip712.h"
#include "lamina/keccak.h"
#include "lamina/secp256k1.h"

static void unhex(uint8_t *out, size_t n, const char *hex)
{
    lm_err err;
    if (lm_hex_decode_exact(out, n, hex, strlen(hex), LM_HEX_PREFIX_OPTIONAL, &err) != LM_OK)
        fail_msg("bad test hex: %s", err.msg);
}

static void assert_hex32(const uint8_t got[32], const char *want_hex)
{
    uint8_t want[32];
    unhex(want, 32, want_hex);
    if (memcmp(got, want, 32) != 0) {
        char g[65];
        lm_hex_encode(g, got, 32, false);
        fail_msg("got %s, want %s", g, want_hex);
    }
}

#define MAIL_TYPES                                                                                        \
    "\"Person\":[{\"name\":\"name\",\"type\":\"string\"},{\"name\":\"wallet\",\"type\":\"address\"}],"   \
    "\"Mail\":[{\"name\":\"from\",\"type\":\"Person\"},{\"name\":\"to\",\"type\":\"Person\"},"          \
    "{\"name\":\"contents\",\"type\":\"string\"}]"
#define MAIL_DOMAIN_TYPE                                                                                  \
    "\"EIP712Domain\":[{\"name\":\"name\",\"type\":\"string\"},{\"name\":\"version\",\"type\":\"string\"}," \
    "{\"name\":\"chainId\",\"type\":\"uint256\"},{\"name\":\"verifyingContract\",\"type\":\"address\"}],"
#define MAIL_REST                                                                                         \
    "\"primaryType\":\"Mail\","                                                                           \
    "\"domain\":{\"name\":\"Ether Mail\",\"version\":\"1\",\"chainId\":1,"                               \
    "\"verifyingContract\":\"0xCcCCccccCCCCcCCCCCCcCcCccCcCCCcCcccccccC\"},"                             \
    "\"message\":{\"from\":{\"name\":\"Cow\",\"wallet\":\"0xCD2a3d9F938E13CD947Ec05AbC7FE734Df8DD826\"},"  \
    "\"to\":{\"name\":\"Bob\",\"wallet\":\"0xbBbBBBBbbBBBbbbBbbBbbbbBBbBbbbbBbBbbBBbB\"},"                  \
    "\"contents\":\"Hello, Bob!\"}"

/* The document of eth_signTypedData's example in the EIP. */
static const char mail_doc[] = "{\"types\":{" MAIL_DOMAIN_TYPE MAIL_TYPES "}," MAIL_REST "}";
/* The same without EIP712Domain in types, as ethers takes it. */
static const char mail_doc_implicit[] = "{\"types\":{" MAIL_TYPES "}," MAIL_REST "}";

#define MAIL_DOMAIN_SEP "f2cee375fa42b42143804025fc449deafd50cc031ca257e0b194a650a912090f"
#define MAIL_STRUCT_HASH "c52c0ee5d84264471806290a3f2c4cecfc5490626bf912d01f240d7a274b371e"
#define MAIL_DIGEST "be609aee343fb3c4b28e1df9e632fca64fcfaede20f02e86244efddf30957bd2"
#define MAIL_TYPE_HASH "a0cedeb2dc280ba39b857546d74f5549c3a1d7bdc2dd96bf881f76108e23dac2"

static void test_mail_example(void **state)
{
    (void)state;
    lm_eip712_hashes h, h2;
    lm_err err;
    assert_int_equal(lm_eip712_hash_typed_data_text(&h, mail_doc, sizeof mail_doc - 1, &err), LM_OK);
    assert_hex32(h.domain_separator, MAIL_DOMAIN_SEP);
    assert_hex32(h.struct_hash, MAIL_STRUCT_HASH);
    assert_hex32(h.digest, MAIL_DIGEST);
    assert_int_equal(lm_eip712_hash_typed_data_text(&h2, mail_doc_implicit, sizeof mail_doc_implicit - 1, &err),
                     LM_OK);
    assert_memory_equal(&h, &h2, sizeof h);

    /* encodeType and typeHash of Mail (Example.js) */
    json_t *doc = json_loads(mail_doc, 0, NULL);
    assert_non_null(doc);
    json_t *types = json_object_get(doc, "types");
    char enc[200];
    size_t n;
    assert_int_equal(lm_eip712_encode_type(enc, sizeof enc, &n, types, "Mail", &err), LM_OK);
    assert_string_equal(enc, "Mail(Person from,Person to,string contents)Person(string name,address wallet)");
    assert_int_equal(n, strlen(enc));
    uint8_t th[32];
    lm_eip712_type_hash(th, enc, n);
    assert_hex32(th, MAIL_TYPE_HASH);
    assert_int_equal(lm_eip712_encode_type(enc, 20, &n, types, "Mail", &err), LM_ESPACE);
    assert_int_equal(lm_eip712_encode_type(enc, sizeof enc, &n, types, "Nope", &err), LM_EINVAL);

    uint8_t sh[32];
    assert_int_equal(lm_eip712_hash_struct_json(sh, types, "Mail", json_object_get(doc, "message"), &err), LM_OK);
    assert_hex32(sh, MAIL_STRUCT_HASH);
    assert_int_equal(lm_eip712_hash_struct_json(sh, types, "EIP712Domain", json_object_get(doc, "domain"), &err),
                     LM_OK);
    assert_hex32(sh, MAIL_DOMAIN_SEP);
    json_decref(doc);

    /* The EIP's eth_signTypedData result for this document, signed by
     * keccak256("cow"): 0x4355…1c. */
    uint8_t cow[32];
    lm_seckey key;
    lm_sig sig;
    lm_keccak256(cow, (const uint8_t *)"cow", 3);
    assert_int_equal(lm_seckey_parse(&key, cow, &err), LM_OK);
    assert_int_equal(lm_ecdsa_sign(&sig, h.digest, &key, &err), LM_OK);
    uint8_t want[65];
    unhex(want, 65, "4355c47d63924e8a72e509b65029052eb6c299d53a04e167c5775fd466751c9d"
                    "07299936d304c153f6443dfa05f40ff007d72911b6f72307f996231605b915621c");
    assert_memory_equal(sig.b, want, 65);
    lm_seckey_wipe(&key);
}

/* The fixed helpers reproduce the Mail example without JSON. */
static void test_fixed_helpers(void **state)
{
    (void)state;
    static const char person_type[] = "Person(string name,address wallet)";
    static const char mail_type[] = "Mail(Person from,Person to,string contents)Person(string name,address wallet)";
    uint8_t person_th[32], mail_th[32], cow_h[32], bob_h[32], mail_h[32], wallet[20];
    lm_eip712_type_hash(person_th, person_type, sizeof person_type - 1);
    lm_eip712_type_hash(mail_th, mail_type, sizeof mail_type - 1);
    assert_hex32(mail_th, MAIL_TYPE_HASH);

    lm_eip712_struct s;
    lm_eip712_struct_init(&s, person_th);
    lm_eip712_struct_dynamic(&s, (const uint8_t *)"Cow", 3);
    unhex(wallet, 20, "CD2a3d9F938E13CD947Ec05AbC7FE734Df8DD826");
    lm_eip712_struct_address(&s, wallet);
    lm_eip712_struct_final(&s, cow_h);
    /* Example.js encodeData(Mail) holds hashStruct(from) as its second word */
    assert_hex32(cow_h, "fc71e5fa27ff56c350aa531bc129ebdf613b772b6604664f5d8dbe21b85eb0c8");

    lm_eip712_struct_init(&s, person_th);
    lm_eip712_struct_dynamic(&s, (const uint8_t *)"Bob", 3);
    unhex(wallet, 20, "bBbBBBBbbBBBbbbBbbBbbbbBBbBbbbbBbBbbBBbB");
    lm_eip712_struct_address(&s, wallet);
    lm_eip712_struct_final(&s, bob_h);
    assert_hex32(bob_h, "cd54f074a4af31b4411ff6a60c9719dbd559c221c8ac3492d9d872b041d703d1");

    lm_eip712_struct_init(&s, mail_th);
    lm_eip712_struct_word(&s, cow_h);
    lm_eip712_struct_word(&s, bob_h);
    lm_eip712_struct_dynamic(&s, (const uint8_t *)"Hello, Bob!", 11);
    lm_eip712_struct_final(&s, mail_h);
    assert_hex32(mail_h, MAIL_STRUCT_HASH);

    lm_eip712_domain d = {.name = "Ether Mail", .name_len = 10, .version = "1", .version_len = 1, .chain_id = 1};
    unhex(d.verifying_contract, 20, "CcCCccccCCCCcCCCCCCcCcCccCcCCCcCcccccccC");
    uint8_t sep[32], digest[32];
    lm_eip712_domain_separator(sep, &d);
    assert_hex32(sep, MAIL_DOMAIN_SEP);
    lm_eip712_digest(digest, sep, mail_h);
    assert_hex32(digest, MAIL_DIGEST);
    /* keccak256 of the domain type string is the well-known constant */
    uint8_t dt[32];
    lm_eip712_type_hash(dt, LM_EIP712_DOMAIN_TYPE, sizeof LM_EIP712_DOMAIN_TYPE - 1);
    assert_hex32(dt, "8b73c3c69bb8fe3d512ecc4cf759cc79239f7b179b0ffacaa9a75d522b39400f");
}

/* The Lamina domain equals the JSON hasher's domain for the same fields,
 * and ethers' TypedDataEncoder.hashDomain({name: "Lamina", version: "1",
 * chainId: 42069, verifyingContract: 0x5FbDB2315678afecb367f032d93F642f64180aa3}). */
static void test_lamina_domain(void **state)
{
    (void)state;
    uint8_t rollup[20], sep[32], sep2[32];
    unhex(rollup, 20, "5FbDB2315678afecb367f032d93F642f64180aa3");
    lm_eip712_lamina_domain_separator(sep, 42069, rollup);
    assert_hex32(sep, "6c99aba655797a4baa6abf2913f83293a30accc1959a8e4355e6160717048d1f");
    static const char doc[] =
        "{\"types\":{\"T\":[{\"name\":\"x\",\"type\":\"uint8\"}]},\"primaryType\":\"T\","
        "\"domain\":{\"name\":\"Lamina\",\"version\":\"1\",\"chainId\":42069,"
        "\"verifyingContract\":\"0x5FbDB2315678afecb367f032d93F642f64180aa3\"},\"message\":{\"x\":1}}";
    lm_eip712_hashes h;
    lm_err err;
    assert_int_equal(lm_eip712_hash_typed_data_text(&h, doc, sizeof doc - 1, &err), LM_OK);
    memcpy(sep2, h.domain_separator, 32);
    assert_memory_equal(sep, sep2, 32);
}

/* Hashes {types: {T: [{name: "v", type}]}, message: {v: <value_json>}} and
 * returns its code. With word non-NULL, also checks that encodeData's word
 * for v is *word, by recomputing hashStruct with the fixed helpers
 * (LM_ECRYPTO when it is not). */
static lm_code one_value(const char *type, const char *value_json, uint8_t word[32], lm_err *err)
{
    char text[1024];
    int n = snprintf(text, sizeof text,
                     "{\"types\":{\"T\":[{\"name\":\"v\",\"type\":\"%s\"}]},\"primaryType\":\"T\","
                     "\"domain\":{},\"message\":{\"v\":%s}}",
                     type, value_json);
    assert_true(n > 0 && (size_t)n < sizeof text);
    lm_eip712_hashes h;
    lm_code rc = lm_eip712_hash_typed_data_text(&h, text, (size_t)n, err);
    if (rc != LM_OK || !word)
        return rc;
    char enc[64];
    int m = snprintf(enc, sizeof enc, "T(%s v)", type);
    uint8_t th[32], sh[32];
    lm_eip712_type_hash(th, enc, (size_t)m);
    lm_eip712_struct s;
    lm_eip712_struct_init(&s, th);
    lm_eip712_struct_word(&s, word);
    lm_eip712_struct_final(&s, sh);
    return memcmp(sh, h.struct_hash, 32) == 0 ? LM_OK : LM_ECRYPTO;
}

static void expect_word(const char *type, const char *value_json, const char *word_hex)
{
    uint8_t w[32];
    lm_err err;
    unhex(w, 32, word_hex);
    lm_code rc = one_value(type, value_json, w, &err);
    if (rc != LM_OK)
        fail_msg("%s %s: %s", type, value_json, rc == LM_ECRYPTO ? "wrong encoding" : err.msg);
}

static void expect_reject_at(const char *where, const char *type, const char *value_json, lm_code code,
                             const char *needle)
{
    lm_err err;
    lm_code rc = one_value(type, value_json, NULL, &err);
    if (rc != code)
        fail_msg("%s %s: got %s, want %s (%s)", type, value_json, lm_code_name(rc), lm_code_name(code),
                 rc ? err.msg : "");
    if (needle && !strstr(err.msg, needle))
        fail_msg("%s %s: message \"%s\" lacks \"%s\"", type, value_json, err.msg, needle);
    if (!strstr(err.msg, where))
        fail_msg("message does not name the place %s: %s", where, err.msg);
}

#define expect_reject(...) expect_reject_at("message.v", __VA_ARGS__)
#define expect_type_reject(...) expect_reject_at("types.T[0]", __VA_ARGS__)

#define FF32 "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"

static void test_atomic_encodings(void **state)
{
    (void)state;
    expect_word("uint8", "255", "00000000000000000000000000000000000000000000000000000000000000ff");
    expect_word("uint8", "\"0xff\"", "00000000000000000000000000000000000000000000000000000000000000ff");
    expect_word("uint8", "\"0x00ff\"", "00000000000000000000000000000000000000000000000000000000000000ff");
    expect_word("uint256", "\"115792089237316195423570985008687907853269984665640564039457584007913129639935\"",
                FF32);
    expect_word("uint256", "\"0x" FF32 "\"", FF32);
    expect_word("uint64", "9007199254740991", "000000000000000000000000000000000000000000000000001fffffffffffff");
    expect_word("int8", "-1", FF32);
    expect_word("int8", "\"-128\"", "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff80");
    expect_word("int8", "127", "000000000000000000000000000000000000000000000000000000000000007f");
    expect_word("int16", "\"-0x10\"", "fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff0");
    expect_word("int256", "\"-0x8000000000000000000000000000000000000000000000000000000000000000\"",
                "8000000000000000000000000000000000000000000000000000000000000000");
    expect_word("int256", "\"-57896044618658097711785492504343953926634992332820282019728792003956564819968\"",
                "8000000000000000000000000000000000000000000000000000000000000000");
    expect_word("int256", "\"57896044618658097711785492504343953926634992332820282019728792003956564819967\"",
                "7fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff");
    expect_word("int32", "\"-0\"", "0000000000000000000000000000000000000000000000000000000000000000");
    expect_word("bool", "true", "0000000000000000000000000000000000000000000000000000000000000001");
    expect_word("bool", "false", "0000000000000000000000000000000000000000000000000000000000000000");
    expect_word("address", "\"0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed\"",
                "0000000000000000000000005aaeb6053f3e94c9b9a09f33669435e7ef1beaed");
    expect_word("address", "\"0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed\"",
                "0000000000000000000000005aaeb6053f3e94c9b9a09f33669435e7ef1beaed");
    expect_word("bytes1", "\"0xab\"", "ab00000000000000000000000000000000000000000000000000000000000000");
    expect_word("bytes32", "\"0x" FF32 "\"", FF32);
    /* keccak256("") for empty bytes and string */
    expect_word("bytes", "\"0x\"", "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470");
    expect_word("string", "\"\"", "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470");
    expect_word("string", "\"abc\"", "4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45");
    expect_word("bytes", "\"0x616263\"", "4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45");
    /* an empty array hashes nothing: keccak256("") */
    expect_word("uint8[]", "[]", "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470");
}

static void test_value_rejects(void **state)
{
    (void)state;
    expect_reject("uint8", "256", LM_EOVERFLOW, "out of range for uint8");
    expect_reject("uint8", "-1", LM_EOVERFLOW, "out of range");
    expect_reject("int8", "128", LM_EOVERFLOW, "out of range for int8");
    expect_reject("int8", "-129", LM_EOVERFLOW, "out of range");
    expect_reject("uint256", "\"0x1" FF32 "\"", LM_EOVERFLOW, "256 bits");
    expect_reject("int256", "\"0x8000000000000000000000000000000000000000000000000000000000000000\"", LM_EOVERFLOW,
                  NULL);
    expect_reject("uint64", "9007199254740992", LM_EINVAL, "2^53");
    expect_reject("uint64", "1.5", LM_EINVAL, "integer");
    expect_reject("uint64", "\"\"", LM_EINVAL, "not an integer");
    expect_reject("uint64", "\"0x\"", LM_EINVAL, NULL);
    expect_reject("uint64", "\" 1\"", LM_EINVAL, "bad digit");
    expect_reject("uint64", "\"1e3\"", LM_EINVAL, "bad digit");
    expect_reject("uint64", "\"--1\"", LM_EINVAL, "bad digit");
    expect_reject("uint64", "true", LM_EINVAL, "expected an integer");
    expect_reject("bool", "1", LM_EINVAL, "true or false");
    expect_reject("bool", "\"true\"", LM_EINVAL, "true or false");
    expect_reject("address", "\"0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD\"", LM_EINVAL, "checksum");
    expect_reject("address", "\"0x5aaeb6053f3e94c9b9a09f33669435e7ef1bea\"", LM_EINVAL, "40 hex digits");
    expect_reject("address", "1", LM_EINVAL, "address");
    expect_reject("bytes4", "\"0x0102\"", LM_EINVAL, "expected 4 bytes");
    expect_reject("bytes4", "\"0102030405\"", LM_EINVAL, "0x");
    expect_reject("bytes", "\"0xabc\"", LM_EINVAL, "odd");
    expect_reject("bytes", "\"0xzz\"", LM_EINVAL, "bad hex digit");
    expect_reject("bytes", "\"abcd\"", LM_EINVAL, "0x");
    expect_reject("string", "5", LM_EINVAL, "string");
    expect_reject("uint8[2]", "[1]", LM_EINVAL, "array length 1");
    expect_reject("uint8[2]", "[1,2,3]", LM_EINVAL, "array length 3");
    expect_reject("uint8[]", "{}", LM_EINVAL, "expected an array");
    expect_reject("uint8[][2]", "[[1],[2,300]]", LM_EOVERFLOW, "message.v[1][1]");
    expect_reject("uint8", "null", LM_EINVAL, "missing");
}

static void test_type_rejects(void **state)
{
    (void)state;
    expect_type_reject("uint", "1", LM_EINVAL, "no aliases");
    expect_type_reject("int", "1", LM_EINVAL, "no aliases");
    expect_type_reject("uint7", "1", LM_EINVAL, "unknown type");
    expect_type_reject("uint264", "1", LM_EINVAL, "unknown type");
    expect_type_reject("uint08", "1", LM_EINVAL, "unknown type");
    expect_type_reject("bytes0", "\"0x\"", LM_EINVAL, "unknown type");
    expect_type_reject("bytes33", "\"0x\"", LM_EINVAL, "unknown type");
    expect_type_reject("Nope", "{}", LM_EINVAL, "unknown type \"Nope\"");
    expect_type_reject("uint8[0]", "[]", LM_EINVAL, "array length");
    expect_type_reject("uint8[01]", "[1]", LM_EINVAL, "array length");
    expect_type_reject("uint8[x]", "[1]", LM_EINVAL, "array length");
    expect_type_reject("uint8]", "[1]", LM_EINVAL, "malformed");
    expect_type_reject("[]", "[1]", LM_EINVAL, "malformed");
    expect_type_reject("uint8 ", "1", LM_EINVAL, "unknown type");
    expect_type_reject("uint8[][][][][][][][][]", "[]", LM_ETOOLARGE, "dimensions");
}

static lm_code doc_code(const char *text, lm_err *err)
{
    lm_eip712_hashes h;
    return lm_eip712_hash_typed_data_text(&h, text, strlen(text), err);
}

static void expect_doc_reject(const char *text, lm_code code, const char *needle)
{
    lm_err err;
    lm_code rc = doc_code(text, &err);
    if (rc != code)
        fail_msg("got %s, want %s (%s) for %s", lm_code_name(rc), lm_code_name(code), rc ? err.msg : "", text);
    if (needle && !strstr(err.msg, needle))
        fail_msg("message \"%s\" lacks \"%s\"", err.msg, needle);
}

#define DOC(types, primary, domain, message) \
    "{\"types\":{" types "},\"primaryType\":\"" primary "\",\"domain\":" domain ",\"message\":" message "}"

static void test_document_rejects(void **state)
{
    (void)state;
    /* structure */
    expect_doc_reject("[]", LM_EINVAL, "JSON object");
    expect_doc_reject("{\"types\":{}}", LM_EINVAL, "primaryType");
    expect_doc_reject("{", LM_EINVAL, "bad JSON");
    expect_doc_reject(DOC("\"T\":[]", "T", "{}", "{}") "x", LM_EINVAL, "bad JSON");
    expect_doc_reject("{\"types\":{\"T\":[]},\"primaryType\":\"T\",\"domain\":{},\"message\":{},\"extra\":1}",
                      LM_EINVAL, "unknown key");
    expect_doc_reject(DOC("\"T\":[]", "U", "{}", "{}"), LM_EINVAL, "primaryType \"U\"");
    expect_doc_reject(DOC("\"T\":[]", "EIP712Domain", "{}", "{}"), LM_EINVAL, "not supported");
    expect_doc_reject(DOC("\"T\":{}", "T", "{}", "{}"), LM_EINVAL, "array of members");
    expect_doc_reject(DOC("\"T\":[{\"name\":\"a\"}]", "T", "{}", "{}"), LM_EINVAL, "\"type\"");
    expect_doc_reject(DOC("\"T\":[{\"name\":\"a b\",\"type\":\"bool\"}]", "T", "{}", "{}"), LM_EINVAL, "member name");
    expect_doc_reject(DOC("\"T\":[{\"name\":\"a\",\"type\":\"bool\"},{\"name\":\"a\",\"type\":\"bool\"}]", "T", "{}",
                          "{\"a\":true}"),
                      LM_EINVAL, "duplicate member");
    expect_doc_reject(DOC("\"uint256\":[]", "uint256", "{}", "{}"), LM_EINVAL, "struct type name");
    expect_doc_reject(DOC("\"T(x)\":[]", "T(x)", "{}", "{}"), LM_EINVAL, "struct type name");
    /* duplicate JSON keys are refused by the text API */
    expect_doc_reject("{\"types\":{\"T\":[{\"name\":\"a\",\"type\":\"bool\"}]},\"primaryType\":\"T\","
                      "\"domain\":{},\"message\":{\"a\":true,\"a\":false}}",
                      LM_EINVAL, "duplicate");
    /* references: undefined, self, cycles (direct, through arrays, longer) */
    expect_doc_reject(DOC("\"T\":[{\"name\":\"a\",\"type\":\"U\"}]", "T", "{}", "{}"), LM_EINVAL,
                      "unknown type \"U\"");
    expect_doc_reject(DOC("\"T\":[{\"name\":\"a\",\"type\":\"T\"}]", "T", "{}", "{}"), LM_EINVAL, "cyclic");
    expect_doc_reject(DOC("\"T\":[{\"name\":\"a\",\"type\":\"T[]\"}]", "T", "{}", "{}"), LM_EINVAL, "cyclic");
    expect_doc_reject(DOC("\"A\":[{\"name\":\"b\",\"type\":\"B\"}],\"B\":[{\"name\":\"c\",\"type\":\"C[2]\"}],"
                          "\"C\":[{\"name\":\"a\",\"type\":\"A\"}]",
                          "A", "{}", "{}"),
                      LM_EINVAL, "cyclic");
    /* a cycle among types the primary type does not use is still refused */
    expect_doc_reject(DOC("\"T\":[],\"X\":[{\"name\":\"y\",\"type\":\"Y\"}],\"Y\":[{\"name\":\"x\",\"type\":\"X\"}]",
                          "T", "{}", "{}"),
                      LM_EINVAL, "cyclic");
    /* members: missing, null, extra */
    expect_doc_reject(DOC("\"T\":[{\"name\":\"a\",\"type\":\"bool\"},{\"name\":\"b\",\"type\":\"bool\"}]", "T", "{}",
                          "{\"a\":true}"),
                      LM_EINVAL, "message.b: missing member");
    expect_doc_reject(DOC("\"T\":[{\"name\":\"a\",\"type\":\"bool\"}]", "T", "{}", "{\"a\":true,\"c\":1}"), LM_EINVAL,
                      "\"c\" is not a member");
    expect_doc_reject(DOC("\"T\":[{\"name\":\"p\",\"type\":\"P\"}],\"P\":[{\"name\":\"x\",\"type\":\"uint8\"}]", "T",
                          "{}", "{\"p\":{\"x\":1,\"y\":2}}"),
                      LM_EINVAL, "message.p: \"y\" is not a member of P");
    expect_doc_reject(DOC("\"T\":[{\"name\":\"p\",\"type\":\"P\"}],\"P\":[{\"name\":\"x\",\"type\":\"uint8\"}]", "T",
                          "{}", "{\"p\":[1]}"),
                      LM_EINVAL, "expected an object of type P");
    /* domain: unknown field without an EIP712Domain type; bad values */
    expect_doc_reject(DOC("\"T\":[]", "T", "{\"name\":\"x\",\"chain\":1}", "{}"), LM_EINVAL, "unknown field \"chain\"");
    expect_doc_reject(DOC("\"T\":[]", "T", "{\"chainId\":-1}", "{}"), LM_EOVERFLOW, "domain.chainId");
    expect_doc_reject(DOC("\"T\":[]", "T", "{\"salt\":\"0x01\"}", "{}"), LM_EINVAL, "domain.salt");
    expect_doc_reject(DOC("\"T\":[]", "T", "{\"verifyingContract\":\"0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD\"}", "{}"),
                      LM_EINVAL, "checksum");
    /* with an EIP712Domain type, the domain must match it */
    expect_doc_reject(DOC("\"EIP712Domain\":[{\"name\":\"name\",\"type\":\"string\"}],\"T\":[]", "T", "{}", "{}"),
                      LM_EINVAL, "domain.name: missing");
    expect_doc_reject(DOC("\"EIP712Domain\":[{\"name\":\"name\",\"type\":\"string\"}],\"T\":[]", "T",
                          "{\"name\":\"a\",\"version\":\"1\"}", "{}"),
                      LM_EINVAL, "\"version\" is not a member");
}

static void test_document_accepts(void **state)
{
    (void)state;
    lm_err err;
    /* empty domain, empty struct, null domain values skipped (as ethers) */
    assert_int_equal(doc_code(DOC("\"T\":[]", "T", "{}", "{}"), &err), LM_OK);
    lm_eip712_hashes a, b;
    static const char d1[] = DOC("\"T\":[]", "T", "{\"name\":\"x\",\"salt\":null}", "{}");
    static const char d2[] = DOC("\"T\":[]", "T", "{\"name\":\"x\"}", "{}");
    assert_int_equal(lm_eip712_hash_typed_data_text(&a, d1, sizeof d1 - 1, &err), LM_OK);
    assert_int_equal(lm_eip712_hash_typed_data_text(&b, d2, sizeof d2 - 1, &err), LM_OK);
    assert_memory_equal(&a, &b, sizeof a);
    /* an EIP712Domain type in another order is followed as written */
    static const char d3[] = DOC("\"EIP712Domain\":[{\"name\":\"version\",\"type\":\"string\"},"
                                 "{\"name\":\"name\",\"type\":\"string\"}],\"T\":[]",
                                 "T", "{\"name\":\"x\",\"version\":\"1\"}", "{}");
    static const char d4[] = DOC("\"T\":[]", "T", "{\"name\":\"x\",\"version\":\"1\"}", "{}");
    assert_int_equal(lm_eip712_hash_typed_data_text(&a, d3, sizeof d3 - 1, &err), LM_OK);
    assert_int_equal(lm_eip712_hash_typed_data_text(&b, d4, sizeof d4 - 1, &err), LM_OK);
    assert_memory_not_equal(a.domain_separator, b.domain_separator, 32);
    /* unused types are allowed (wallets send them) */
    assert_int_equal(doc_code(DOC("\"T\":[],\"Unused\":[{\"name\":\"a\",\"type\":\"bool\"}]", "T", "{}", "{}"), &err),
                     LM_OK);
    /* err may be NULL */
    assert_int_equal(doc_code(DOC("\"T\":[]", "U", "{}", "{}"), NULL), LM_EINVAL);
}

/* A chain of structs S0 { S1[] a } ... nested deeper than the limit. */
static void test_depth_limit(void **state)
{
    (void)state;
    json_t *types = json_object();
    json_t *value = json_object();
    json_t *inner = value;
    int chain = 40; /* 40 structs, each through an array: depth 80 > 64 */
    for (int i = 0; i < chain; i++) {
        char name[16], next[20];
        snprintf(name, sizeof name, "S%d", i);
        json_t *fields = json_array();
        if (i + 1 < chain) {
            snprintf(next, sizeof next, "S%d[]", i + 1);
            json_array_append_new(fields, json_pack("{s:s,s:s}", "name", "a", "type", next));
            json_t *child = json_object();
            json_object_set_new(inner, "a", json_pack("[o]", child));
            inner = child;
        }
        json_object_set_new(types, name, fields);
    }
    json_t *doc = json_pack("{s:o,s:s,s:{},s:o}", "types", types, "primaryType", "S0", "domain", "message", value);
    assert_non_null(doc);
    lm_eip712_hashes h;
    lm_err err;
    assert_int_equal(lm_eip712_hash_typed_data(&h, doc, &err), LM_ETOOLARGE);
    assert_non_null(strstr(err.msg, "nested deeper"));
    json_decref(doc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mail_example),
        cmocka_unit_test(test_fixed_helpers),
        cmocka_unit_test(test_lamina_domain),
        cmocka_unit_test(test_atomic_encodings),
        cmocka_unit_test(test_value_rejects),
        cmocka_unit_test(test_type_rejects),
        cmocka_unit_test(test_document_rejects),
        cmocka_unit_test(test_document_accepts),
        cmocka_unit_test(test_depth_limit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
