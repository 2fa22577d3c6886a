#!/bin/sh
# Checks that the state transition function is freestanding (DESIGN.md §3,
# docs/l2-protocol.md §7): compiles src/stf/*.c with exactly the crypto and
# codec files it needs for RISC-V rv32im (no F/D extension, so any floating
# point becomes a soft-float call that nothing defines), links them with
# ld.lld and a tiny entry (tests/riscv/entry.c) into an ELF, and fails when
# - a source includes a header outside the allowed set (<stdint.h>,
#   <stddef.h>, <stdbool.h>, and <string.h> for memcpy/memset/memcmp only,
#   which tests/riscv/include/string.h declares), or mentions float/double;
# - anything fails to compile with -Werror;
# - any symbol stays undefined (libc, 64-bit division helpers, soft float).
# Usage: scripts/check_freestanding.sh [WORKDIR]   (default: a temp dir)
#        scripts/check_freestanding.sh --self-test
#   (copies the sources, plants each kind of violation in turn and checks
#   that every one is caught, and that the clean copy passes)
# Needs clang and ld.lld (version 14 or later) and llvm-nm (or GNU nm).
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)

if [ "${1:-}" = "--self-test" ]; then
  T=$(mktemp -d)
  trap 'rm -rf "$T"' EXIT
  fresh() {
    rm -rf "$T/r"
    mkdir -p "$T/r/src" "$T/r/tests"
    cp -r "$ROOT/include" "$ROOT/scripts" "$T/r/"
    cp -r "$ROOT/src/stf" "$ROOT/src/crypto" "$ROOT/src/codec" "$T/r/src/"
    cp -r "$ROOT/tests/riscv" "$T/r/tests/"
  }
  # A function the entry calls, so that the linker keeps it.
  plant() { # $1: C body of lm_planted; $2: optional line to prepend to stf.c
    f="$T/r/src/stf/stf.c"
    if [ -n "${2:-}" ]; then printf '%s\n' "$2" | cat - "$f" > "$f.new" && mv "$f.new" "$f"; fi
    printf 'unsigned long long lm_planted(unsigned long long a, unsigned long long b);\nunsigned long long lm_planted(unsigned long long a, unsigned long long b) { %s }\n' "$1" >> "$f"
    sed -i 's|^void _start(void)$|unsigned long long lm_planted(unsigned long long, unsigned long long);\nvoid _start(void)|; s|acc += out\[0\];|acc += out[0] + (uintptr_t)lm_planted(acc, out[1]);|' "$T/r/tests/riscv/entry.c"
  }
  expect() { # $1: pass|fail, $2: name
    if "$T/r/scripts/check_freestanding.sh" "$T/w" > "$T/log" 2>&1; then got=pass; else got=fail; fi
    rm -rf "$T/w"
    if [ "$got" != "$1" ]; then
      echo "check_freestanding self-test: '$2' should $1:" >&2; cat "$T/log" >&2; exit 1
    fi
    echo "self-test: $2: $got (as expected)"
  }
  fresh; expect pass "clean tree"
  fresh; plant 'return a * b;'; expect pass "64-bit multiplication"
  fresh; plant 'return a / b;'; expect fail "64-bit division (__udivdi3)"
  fresh; plant 'return a % b;'; expect fail "64-bit remainder (__umoddi3)"
  fresh; plant 'return (unsigned long long)((double)a * 1.5);'; expect fail "double"
  fresh; plant 'return (unsigned long long)((__typeof__(1.5f))a * 2);'; expect fail "hidden float"
  fresh; plant 'return a;' '#include <stdio.h>'; expect fail "<stdio.h> in the STF"
  fresh; plant 'return (unsigned long long)strlen("x") + a;'; expect fail "strlen"
  fresh; plant 'extern void *malloc(unsigned long); return (unsigned long long)(unsigned long)malloc(a);'; expect fail "malloc"
  fresh; printf '#include <limits.h>\n' >> "$T/r/src/codec/l2tx.c"; expect fail "<limits.h> in a linked codec file"
  echo "check_freestanding self-test: OK"
  exit 0
fi
WORK=${1:-}
if [ -z "$WORK" ]; then
  WORK=$(mktemp -d)
  trap 'rm -rf "$WORK"' EXIT
fi
mkdir -p "$WORK"

CLANG=${CLANG:-clang}
LLD=${LLD:-ld.lld}
if [ -z "${NM:-}" ]; then
  if command -v llvm-nm > /dev/null 2>&1; then NM="llvm-nm"; else NM="nm"; fi
fi

# The STF and the freestanding files it links (nothing else of src/).
STF_SRC=$(ls "$ROOT"/src/stf/*.c)
DEP_SRC="src/crypto/keccak.c src/crypto/poseidon2.c src/crypto/poseidon2_consts.c src/crypto/goldilocks.c
src/codec/eip712.c src/codec/settlement.c src/codec/l2tx.c"
RISCV_SRC="tests/riscv/entry.c tests/riscv/libc_min.c"

fail() { echo "check_freestanding: FAIL: $*" >&2; exit 1; }

# 1. Includes of the STF's own files: only the allowed system headers.
for f in $STF_SRC "$ROOT/include/lamina/stf.h"; do
  bad=$(grep -nE '^[[:space:]]*#[[:space:]]*include[[:space:]]*<' "$f" |
        grep -vE '<(stdint|stddef|stdbool|string)\.h>' || true)
  [ -z "$bad" ] || fail "$f includes a header outside the allowed set: $bad"
  fl=$(grep -nwE 'float|double' "$f" | grep -vE '^[0-9]+:[[:space:]]*(/\*|\*)' || true)
  [ -z "$fl" ] || fail "$f uses floating point: $fl"
done

CFLAGS="--target=riscv32-unknown-elf -march=rv32im -mabi=ilp32 -ffreestanding -fno-builtin
-nostdlib -nostdinc -isystem $("$CLANG" -print-resource-dir)/include -isystem $ROOT/tests/riscv/include
-I$ROOT/include -O2 -std=c17 -Wall -Wextra -Werror -Wshadow -Wvla -Wno-unused-parameter
-ffunction-sections -fdata-sections -fno-stack-protector -fno-pic"

# 2. Compile; record every header each file reads.
objs=""
for src in $STF_SRC $DEP_SRC $RISCV_SRC; do
  case $src in /*) path=$src ;; *) path=$ROOT/$src ;; esac
  obj=$WORK/$(basename "$(dirname "$path")")_$(basename "$path" .c).o
  # shellcheck disable=SC2086
  "$CLANG" $CFLAGS -MD -MF "$obj.d" -c "$path" -o "$obj" || fail "$src does not compile freestanding"
  objs="$objs $obj"
done

# 3. Every header read must be Lamina's, the string.h shim, or one of the
#    compiler's stdint.h / stddef.h / stdbool.h (and their internal parts).
RES=$("$CLANG" -print-resource-dir)/include
for d in "$WORK"/*.o.d; do
  # shellcheck disable=SC2013 # words are wanted: make rules list paths
  for h in $(sed -e 's/^[^:]*://' -e 's/\\$//' "$d"); do
    case $h in
      *.c) ;;
      "$ROOT"/include/lamina/*.h) ;;
      "$ROOT"/tests/riscv/include/string.h) ;;
      "$RES"/stdint.h|"$RES"/stddef.h|"$RES"/stdbool.h|"$RES"/__stddef_*.h) ;;
      *) fail "$(basename "$d" .o.d) reads $h, outside the freestanding set" ;;
    esac
  done
done

# 4. Link; no undefined symbol may remain in what the entry reaches.
ELF=$WORK/stf.elf
# shellcheck disable=SC2086
"$LLD" -m elf32lriscv --gc-sections --no-undefined -e _start -static $objs -o "$ELF" ||
  fail "link failed (see the undefined symbols above)"
und=$("$NM" -u "$ELF")
[ -z "$und" ] || fail "undefined symbols: $und"
# The public STF entry points must be in the image.
for sym in lm_stf_apply_block lm_stf_apply_tx lm_stf_check_tx lm_stf_apply_message \
           lm_account_leaf lm_meta_leaf lm_state_root; do
  "$NM" "$ELF" | grep -q " T $sym\$" || fail "$sym missing from the ELF"
done
echo "check_freestanding: OK ($(wc -c < "$ELF") bytes, rv32im ELF)"
