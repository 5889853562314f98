#!/usr/bin/env bash
# infra/oss-fuzz/build.sh — builds sshdiff's fuzz targets under the OSS-Fuzz /
# ClusterFuzzLite build contract and installs them into $OUT:
#
#   $OUT/fuzz_X                   every targets/fuzz_X.c, linked with $LIB_FUZZING_ENGINE
#   $OUT/fuzz_X_seed_corpus.zip   the seed corpus the build generated (build/targets/fuzz_X_seeds/)
#   $OUT/fuzz_X.dict, .options    copied from targets/
#   $OUT/lib/*.so*                the distribution's shared libraries the targets load
#                                 (libssh, libcrypto, libsodium, libsqlite3, ... and their
#                                 deps), found through a DT_RPATH of $ORIGIN/lib
#
# Inputs are the contract's environment variables only: $CC $CFLAGS $CXX
# $CXXFLAGS $LIB_FUZZING_ENGINE $OUT $WORK ($SRC is not needed: the source
# tree is the one this script lives in, which is $SRC/sshdiff under
# ClusterFuzzLite).  Run by hand, they default to an ASan+UBSan libFuzzer
# build like OSS-Fuzz's, into build/oss-fuzz/{out,work}.
#
# Nothing but this repository is compiled: the libraries come from the
# distribution's -dev packages and are copied, never rebuilt.  They are not
# instrumented, which is why the MemorySanitizer build is not supported.
set -euo pipefail

die() { echo "oss-fuzz/build.sh: $*" >&2; exit 1; }
note() { echo "oss-fuzz/build.sh: $*" >&2; }

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
[ -f "$REPO/targets/CMakeLists.txt" ] || die "no targets/CMakeLists.txt under $REPO"

: "${CC:=clang}"
: "${CXX:=clang++}"
: "${CFLAGS:=-O1 -fno-omit-frame-pointer -gline-tables-only -fsanitize=address,undefined -fsanitize-address-use-after-scope -fsanitize=fuzzer-no-link}"
: "${CXXFLAGS:=$CFLAGS}"
: "${LIB_FUZZING_ENGINE:=-fsanitize=fuzzer}"
: "${OUT:=$REPO/build/oss-fuzz/out}"
: "${WORK:=$REPO/build/oss-fuzz/work}"
JOBS=$(nproc)
BUILD="$WORK/sshdiff-build"
mkdir -p "$OUT" "$BUILD"

generator=()
if command -v ninja >/dev/null 2>&1; then generator=(-G Ninja); fi

# Why each setting:
# * CMAKE_C_FLAGS=$CFLAGS and no SSHDIFF_SANITIZE: the sanitizers and
#   -fsanitize=fuzzer-no-link come from OSS-Fuzz's CFLAGS (address, undefined
#   or coverage builds differ only there); adding our own would mix builds.
# * empty CMAKE_BUILD_TYPE: no -O2/-g of ours on top of $CFLAGS' -O1.
# * SSHDIFF_WERROR=OFF: OSS-Fuzz builds with its own, newer clang, whose new
#   warnings must not stop fuzzing; -Werror stays on in our own CI (clang 14).
# * the link runs through $CXX $CXXFLAGS, as the contract asks: an engine
#   given as a library ($LIB_FUZZING_ENGINE=/usr/lib/libFuzzingEngine.a) is
#   C++ and needs the C++ runtime.
# * -rpath $ORIGIN/lib with --disable-new-dtags: DT_RPATH, unlike DT_RUNPATH,
#   is also searched for the libraries' own dependencies (libssh ->
#   libgssapi_krb5 -> ...), so everything in $OUT/lib is found with no
#   LD_LIBRARY_PATH on a runner that has none of these packages.
#   The single quotes reach the shell that runs the link command, so that
#   $ORIGIN is left for the loader.
rpath_flags="-Wl,--disable-new-dtags -Wl,-rpath,'\$ORIGIN/lib'"
cmake -S "$REPO" -B "$BUILD" "${generator[@]}" \
	-DCMAKE_C_COMPILER="$CC" \
	-DCMAKE_C_FLAGS="$CFLAGS" \
	-DCMAKE_BUILD_TYPE= \
	-DCMAKE_C_LINK_EXECUTABLE="$CXX $CXXFLAGS <FLAGS> <CMAKE_C_LINK_FLAGS> <LINK_FLAGS> <OBJECTS> -o <TARGET> <LINK_LIBRARIES>" \
	-DCMAKE_EXE_LINKER_FLAGS="$rpath_flags" \
	-DSSHDIFF_FUZZ=ON \
	-DSSHDIFF_FUZZ_ENGINE="$LIB_FUZZING_ENGINE" \
	-DSSHDIFF_SANITIZE= \
	-DSSHDIFF_COVERAGE=OFF \
	-DSSHDIFF_WERROR=OFF

# The targets are every targets/fuzz_*.c (as targets/CMakeLists.txt globs
# them); the seed generators are whatever gen_*_seeds_run targets exist.
targets=()
for src in "$REPO"/targets/fuzz_*.c; do
	[ -e "$src" ] || continue
	name=$(basename "$src" .c)
	[[ "$name" =~ ^[A-Za-z0-9_-]+$ ]] || die "target name '$name' is not [A-Za-z0-9_-]+ (OSS-Fuzz would not run it)"
	targets+=("$name")
done
[ ${#targets[@]} -gt 0 ] || die "no targets/fuzz_*.c"
seedgens=()
while read -r t; do seedgens+=("$t"); done < <(
	cmake --build "$BUILD" --target help | grep -oE '\bgen_[A-Za-z0-9_]+_seeds_run\b' | sort -u)
note "building ${targets[*]} ${seedgens[*]}"
cmake --build "$BUILD" -j "$JOBS" --target "${targets[@]}" "${seedgens[@]}"

# Seed corpora are zipped flat (file names relative to the seeds folder),
# sorted, with a fixed time stamp: the same corpus gives the same zip.
zip_dir() {
	python3 - "$1" "$2" <<'PY'
import os, sys, zipfile
src, dst = sys.argv[1], sys.argv[2]
names = []
for root, _, files in os.walk(src):
	names += [os.path.relpath(os.path.join(root, f), src) for f in files]
tmp = dst + ".tmp"
with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as z:
	for n in sorted(names):
		info = zipfile.ZipInfo(n, date_time=(1980, 1, 1, 0, 0, 0))
		info.compress_type = zipfile.ZIP_DEFLATED
		info.external_attr = 0o644 << 16
		with open(os.path.join(src, n), "rb") as f:
			z.writestr(info, f.read())
os.replace(tmp, dst)
print(len(names))
PY
}

for t in "${targets[@]}"; do
	bin="$BUILD/targets/$t"
	[ -x "$bin" ] || die "$t was not built ($bin)"
	install -m 0755 "$bin" "$OUT/$t"
	for ext in dict options; do
		if [ -f "$BUILD/targets/$t.$ext" ]; then
			install -m 0644 "$BUILD/targets/$t.$ext" "$OUT/$t.$ext"
		else
			note "warning: $t has no targets/$t.$ext"
		fi
	done
	if [ -d "$BUILD/targets/${t}_seeds" ]; then
		n=$(zip_dir "$BUILD/targets/${t}_seeds" "$OUT/${t}_seed_corpus.zip")
		note "$t: $n seeds"
	else
		note "warning: $t has no seed corpus (no ${t}_seeds/ in the build)"
	fi
done

# Shared libraries: everything ldd resolves for any target except glibc's
# own objects (they must match the runner's loader) and the vDSO.  ldd lists
# the dependencies' dependencies too, so one pass is the closure.
is_glibc() {
	case "$1" in
	ld-linux*.so* | libc.so.* | libm.so.* | libdl.so.* | libpthread.so.* | librt.so.* | \
	libresolv.so.* | libutil.so.* | libanl.so.* | libmvec.so.* | libnsl.so.* | \
	libBrokenLocale.so.* | libnss_*.so.* | libthread_db.so.* | libc_malloc_debug.so.*)
		return 0 ;;
	esac
	return 1
}
mkdir -p "$OUT/lib"
copied=()
while read -r soname path; do
	is_glibc "$soname" && continue
	case "$path" in "$OUT"/lib/*) continue ;; esac
	cp -L "$path" "$OUT/lib/$soname"
	chmod 0644 "$OUT/lib/$soname"
	copied+=("$soname")
done < <(for t in "${targets[@]}"; do ldd "$OUT/$t"; done |
	awk '$2 == "=>" && $3 ~ /^\// { print $1, $3 }' | sort -u -k1,1)
note "copied into \$OUT/lib: ${copied[*]:-nothing new}"

# Every library a target loads must now come from $OUT/lib (or be glibc).
for t in "${targets[@]}"; do
	while read -r soname path; do
		is_glibc "$soname" && continue
		[ "$path" = "$OUT/lib/$soname" ] || die "$t loads $soname from $path, not \$OUT/lib"
	done < <(ldd "$OUT/$t" | awk '$2 == "=>" { print $1, $3 }')
done
note "installed ${#targets[@]} targets into $OUT"
