/* Lamina's Poseidon2 constants, exported (include/lamina/poseidon2_consts.h).
 * Transcribed from the Horizen Labs reference implementation,
 * github.com/HorizenLabs/poseidon2, file
 * plain_implementations/src/poseidon2/poseidon2_instance_goldilocks.rs
 * (MAT_DIAG12_M_1 and RC12 of POSEIDON2_GOLDILOCKS_12_PARAMS). The one copy:
 * src/crypto/poseidon2.c and the Poseidon2 AIR (src/stark/air_poseidon2.c)
 * both read these tables. Freestanding (linked into the STF's RISC-V build). */
#include "lamina/poseidon2_consts.h"

/* Internal (partial-round) matrix diagonal d_i = mu_i - 1: MAT_DIAG12_M_1. */
const lm_gl lm_poseidon2_diag[LM_P2_WIDTH] = {
    UINT64_C(0xc3b6c08e23ba9300), UINT64_C(0xd84b5de94a324fb6), UINT64_C(0x0d0c371c5b35b84f),
    UINT64_C(0x7964f570e7188037), UINT64_C(0x5daf18bbd996604b), UINT64_C(0x6743bc47b9595257),
    UINT64_C(0x5528b9362c59bb70), UINT64_C(0xac45e25b7127b68b), UINT64_C(0xa2077d7dfbb606b5),
    UINT64_C(0xf3faac6faee378ae), UINT64_C(0x0c6388b51545e883), UINT64_C(0xd27dbb6944917b60),
};

/* Round constants of the 4 + 4 full rounds: RC12 rows 0-3 and 26-29. */
const lm_gl lm_poseidon2_rc_full[LM_P2_ROUNDS_F][LM_P2_WIDTH] = {
    {
        UINT64_C(0x13dcf33aba214f46), UINT64_C(0x30b3b654a1da6d83), UINT64_C(0x1fc634ada6159b56),
        UINT64_C(0x937459964dc03466), UINT64_C(0xedd2ef2ca7949924), UINT64_C(0xede9affde0e22f68),
        UINT64_C(0x8515b9d6bac9282d), UINT64_C(0x6b5c07b4e9e900d8), UINT64_C(0x1ec66368838c8a08),
        UINT64_C(0x9042367d80d1fbab), UINT64_C(0x400283564a3c3799), UINT64_C(0x4a00be0466bca75e),
    },
    {
        UINT64_C(0x7913beee58e3817f), UINT64_C(0xf545e88532237d90), UINT64_C(0x22f8cb8736042005),
        UINT64_C(0x6f04990e247a2623), UINT64_C(0xfe22e87ba37c38cd), UINT64_C(0xd20e32c85ffe2815),
        UINT64_C(0x117227674048fe73), UINT64_C(0x4e9fb7ea98a6b145), UINT64_C(0xe0866c232b8af08b),
        UINT64_C(0x00bbc77916884964), UINT64_C(0x7031c0fb990d7116), UINT64_C(0x240a9e87cf35108f),
    },
    {
        UINT64_C(0x2e6363a5a12244b3), UINT64_C(0x5e1c3787d1b5011c), UINT64_C(0x4132660e2a196e8b),
        UINT64_C(0x3a013b648d3d4327), UINT64_C(0xf79839f49888ea43), UINT64_C(0xfe85658ebafe1439),
        UINT64_C(0xb6889825a14240bd), UINT64_C(0x578453605541382b), UINT64_C(0x4508cda8f6b63ce9),
        UINT64_C(0x9c3ef35848684c91), UINT64_C(0x0812bde23c87178c), UINT64_C(0xfe49638f7f722c14),
    },
    {
        UINT64_C(0x8e3f688ce885cbf5), UINT64_C(0xb8e110acf746a87d), UINT64_C(0xb4b2e8973a6dabef),
        UINT64_C(0x9e714c5da3d462ec), UINT64_C(0x6438f9033d3d0c15), UINT64_C(0x24312f7cf1a27199),
        UINT64_C(0x23f843bb47acbf71), UINT64_C(0x9183f11a34be9f01), UINT64_C(0x839062fbb9d45dbf),
        UINT64_C(0x24b56e7e6c2e43fa), UINT64_C(0xe1683da61c962a72), UINT64_C(0xa95c63971a19bfa7),
    },
    {
        UINT64_C(0xc68be7c94882a24d), UINT64_C(0xaf996d5d5cdaedd9), UINT64_C(0x9717f025e7daf6a5),
        UINT64_C(0x6436679e6e7216f4), UINT64_C(0x8a223d99047af267), UINT64_C(0xbb512e35a133ba9a),
        UINT64_C(0xfbbf44097671aa03), UINT64_C(0xf04058ebf6811e61), UINT64_C(0x5cca84703fac7ffb),
        UINT64_C(0x9b55c7945de6469f), UINT64_C(0x8e05bf09808e934f), UINT64_C(0x2ea900de876307d7),
    },
    {
        UINT64_C(0x7748fff2b38dfb89), UINT64_C(0x6b99a676dd3b5d81), UINT64_C(0xac4bb7c627cf7c13),
        UINT64_C(0xadb6ebe5e9e2f5ba), UINT64_C(0x2d33378cafa24ae3), UINT64_C(0x1e5b73807543f8c2),
        UINT64_C(0x09208814bfebb10f), UINT64_C(0x782e64b6bb5b93dd), UINT64_C(0xadd5a48eac90b50f),
        UINT64_C(0xadd4c54c736ea4b1), UINT64_C(0xd58dbb86ed817fd8), UINT64_C(0x6d5ed1a533f34ddd),
    },
    {
        UINT64_C(0x28686aa3e36b7cb9), UINT64_C(0x591abd3476689f36), UINT64_C(0x047d766678f13875),
        UINT64_C(0xa2a11112625f5b49), UINT64_C(0x21fd10a3f8304958), UINT64_C(0xf9b40711443b0280),
        UINT64_C(0xd2697eb8b2bde88e), UINT64_C(0x3493790b51731b3f), UINT64_C(0x11caf9dd73764023),
        UINT64_C(0x7acfb8f72878164e), UINT64_C(0x744ec4db23cefc26), UINT64_C(0x1e00e58f422c6340),
    },
    {
        UINT64_C(0x21dd28d906a62dda), UINT64_C(0xf32a46ab5f465b5f), UINT64_C(0xbfce13201f3f7e6b),
        UINT64_C(0xf30d2e7adb5304e2), UINT64_C(0xecdf4ee4abad48e9), UINT64_C(0xf94e82182d395019),
        UINT64_C(0x4ee52e3744d887c5), UINT64_C(0xa1341c7cac0083b2), UINT64_C(0x2302fb26c30c834a),
        UINT64_C(0xaea3c587273bf7d3), UINT64_C(0xf798e24961823ec7), UINT64_C(0x962deba3e9a2cd94),
    },
};

/* Round constants of the 22 partial rounds: RC12 rows 4-25, element 0 (the
 * reference's rows carry zeros in elements 1-11 for these rounds). */
const lm_gl lm_poseidon2_rc_partial[LM_P2_ROUNDS_P] = {
    UINT64_C(0x4adf842aa75d4316), UINT64_C(0xf8fbb871aa4ab4eb), UINT64_C(0x68e85b6eb2dd6aeb),
    UINT64_C(0x07a0b06b2d270380), UINT64_C(0xd94e0228bd282de4), UINT64_C(0x8bdd91d3250c5278),
    UINT64_C(0x209c68b88bba778f), UINT64_C(0xb5e18cdab77f3877), UINT64_C(0xb296a3e808da93fa),
    UINT64_C(0x8370ecbda11a327e), UINT64_C(0x3f9075283775dad8), UINT64_C(0xb78095bb23c6aa84),
    UINT64_C(0x3f36b9fe72ad4e5f), UINT64_C(0x69bc96780b10b553), UINT64_C(0x3f1d341f2eb7b881),
    UINT64_C(0x4e939e9815838818), UINT64_C(0xda366b3ae2a31604), UINT64_C(0xbc89db1e7287d509),
    UINT64_C(0x6102f411f9ef5659), UINT64_C(0x58725c5e7ac1f0ab), UINT64_C(0x0df5856c798883e7),
    UINT64_C(0xf7bb62a8da4c961b),
};
