# The OSS-Fuzz / ClusterFuzzLite build contract: infra/oss-fuzz/build.sh run
# with OSS-Fuzz's environment variables set by hand (an address+undefined
# libFuzzer build), into a fresh $OUT and $WORK.  Asserts that every
# targets/fuzz_*.c gave a binary, a seed corpus zip, a dict and an options
# file; that the targets carry an $ORIGIN/lib RPATH and load every non-glibc
# library from $OUT/lib; and that each target, run with an empty environment
# and with the system's copies of those libraries hidden (a private mount
# namespace binds /dev/null over them), reads its whole seed corpus and
# exits 0.  Builds the engine from scratch: minutes, not seconds.
. "$(dirname "$0")/lib.sh" "$@"

for tool in clang clang++ cmake python3 ldd readelf unshare mount; do
	command -v "$tool" >/dev/null || fail "$tool is not installed"
done

OUT="$TMP/oss-out"
WORK="$TMP/oss-work"
start=$(date +%s)
set +e
env CC=clang CXX=clang++ \
	CFLAGS="-O1 -fno-omit-frame-pointer -gline-tables-only -fsanitize=address,undefined -fsanitize-address-use-after-scope -fsanitize=fuzzer-no-link" \
	CXXFLAGS="-O1 -fno-omit-frame-pointer -gline-tables-only -fsanitize=address,undefined -fsanitize-address-use-after-scope -fsanitize=fuzzer-no-link" \
	LIB_FUZZING_ENGINE=-fsanitize=fuzzer OUT="$OUT" SRC="$SRC" WORK="$WORK" \
	bash "$SRC/infra/oss-fuzz/build.sh" >"$TMP/out" 2>"$TMP/err"
rc=$?
set -e
echo "build.sh: $(($(date +%s) - start)) s"
expect_rc 0 "infra/oss-fuzz/build.sh"

targets=()
for src in "$SRC"/targets/fuzz_*.c; do
	[ -e "$src" ] && targets+=("$(basename "$src" .c)")
done
checks=$((checks + 1))
[ ${#targets[@]} -gt 0 ] || fail "no targets/fuzz_*.c"

# Entries in a zip, and files in a folder.
zip_count() {
	python3 -c 'import sys, zipfile; print(len([n for n in zipfile.ZipFile(sys.argv[1]).namelist() if not n.endswith("/")]))' "$1"
}

# The contract's files, per target.
for t in "${targets[@]}"; do
	checks=$((checks + 1))
	[[ "$t" =~ ^[A-Za-z0-9_-]+$ ]] || fail "$t: name not [A-Za-z0-9_-]+"
	checks=$((checks + 1))
	[ -x "$OUT/$t" ] || fail "$t: no binary in \$OUT"
	for f in "${t}_seed_corpus.zip" "$t.dict" "$t.options"; do
		checks=$((checks + 1))
		[ -s "$OUT/$f" ] || fail "$t: no $f in \$OUT"
	done
	seeds="$WORK/sshdiff-build/targets/${t}_seeds"
	want=$(find "$seeds" -type f | wc -l)
	got=$(zip_count "$OUT/${t}_seed_corpus.zip")
	checks=$((checks + 1))
	[ "$want" -gt 0 ] && [ "$got" -eq "$want" ] ||
		fail "$t: seed corpus zip has $got entries, the build's ${t}_seeds/ has $want files"
	checks=$((checks + 1))
	grep -q '^\[libfuzzer\]' "$OUT/$t.options" || fail "$t.options has no [libfuzzer] section"
done

# The libraries: the four the project links are there, nothing of glibc is.
for lib in libssh.so.4 libsodium.so.23 libcrypto.so.3 libsqlite3.so.0; do
	checks=$((checks + 1))
	[ -f "$OUT/lib/$lib" ] || fail "\$OUT/lib has no $lib"
done
for glibc in libc.so.6 libm.so.6 ld-linux-x86-64.so.2; do
	checks=$((checks + 1))
	[ ! -e "$OUT/lib/$glibc" ] || fail "\$OUT/lib has glibc's $glibc"
done

for t in "${targets[@]}"; do
	# DT_RPATH (searched for the libraries' own dependencies too), no RUNPATH.
	readelf -d "$OUT/$t" >"$TMP/dyn"
	checks=$((checks + 1))
	grep -Eq '\(RPATH\) +Library rpath: \[\$ORIGIN/lib\]' "$TMP/dyn" || fail "$t: no RPATH \$ORIGIN/lib"
	checks=$((checks + 1))
	! grep -q RUNPATH "$TMP/dyn" || fail "$t: has a RUNPATH"
	# Every library ldd resolves is glibc's or one of $OUT/lib.
	env -i PATH=/usr/bin:/bin ldd "$OUT/$t" >"$TMP/ldd"
	checks=$((checks + 1))
	! grep -q 'not found' "$TMP/ldd" || fail "$t: ldd: $(grep 'not found' "$TMP/ldd")"
	while read -r soname path; do
		checks=$((checks + 1))
		if [ -e "$OUT/lib/$soname" ]; then
			[ "$path" = "$OUT/lib/$soname" ] || fail "$t: $soname resolved to $path, not \$OUT/lib"
		else
			case "$soname" in
			libc.so.* | libm.so.* | libresolv.so.* | libdl.so.* | libpthread.so.* | librt.so.*) ;;
			*) fail "$t: $soname ($path) is not in \$OUT/lib" ;;
			esac
		fi
	done < <(awk '$2 == "=>" { print $1, $3 }' "$TMP/ldd")
done

# The system's copies of every library in $OUT/lib, to hide while the
# targets run: then only the RPATH can have found them.
: >"$TMP/masks"
for lib in "$OUT"/lib/*; do
	name=$(basename "$lib")
	for dir in /lib/x86_64-linux-gnu /usr/lib/x86_64-linux-gnu /lib64 /usr/lib64 /lib /usr/lib /usr/local/lib; do
		[ -e "$dir/$name" ] && readlink -f "$dir/$name" >>"$TMP/masks"
	done
done
sort -u -o "$TMP/masks" "$TMP/masks"
checks=$((checks + 1))
grep -q 'libssh\.so' "$TMP/masks" || fail "found no system libssh to hide"
cat >"$TMP/masked.sh" <<'EOF'
# masked.sh MASKS CMD...: CMD with every file named in MASKS replaced by an
# empty one, an empty environment but PATH, and no LD_LIBRARY_PATH.
set -e
while read -r f; do
	mount --bind /dev/null "$f"
	test ! -s "$f"
done <"$1"
shift
exec env -i PATH=/usr/bin:/bin "$@"
EOF

# Each target over its whole seed corpus, as ClusterFuzz runs it: the flags
# of its options file's [libfuzzer] section, its dictionary (a relative
# dict= there names a file in $OUT).
for t in "${targets[@]}"; do
	corpus="$TMP/corpus/$t"
	mkdir -p "$corpus"
	python3 -m zipfile -e "$OUT/${t}_seed_corpus.zip" "$corpus"
	n=$(find "$corpus" -type f | wc -l)
	flags=()
	dict="$OUT/$t.dict"
	while IFS='=' read -r k v; do
		case "$k" in
		dict) case "$v" in /*) dict=$v ;; *) dict="$OUT/$v" ;; esac ;;
		*) flags+=("-$k=$v") ;;
		esac
	done < <(awk '/^[ \t]*[#;]/ { next }
		     /^\[/ { s = ($0 == "[libfuzzer]"); next }
		     s && /=/ { gsub(/[ \t]/, ""); print }' "$OUT/$t.options")
	flags+=("-dict=$dict")
	tstart=$(date +%s)
	set +e
	unshare -m --propagation private /bin/sh "$TMP/masked.sh" "$TMP/masks" \
		"$OUT/$t" -runs=0 "${flags[@]}" "$corpus" >"$TMP/out" 2>"$TMP/err"
	rc=$?
	set -e
	echo "$t: $n seeds, ${flags[*]:-no options}, $(($(date +%s) - tstart)) s"
	expect_rc 0 "$t -runs=0 over its seed corpus"
	expect_err "INFO: +$n files found in $corpus"
	expect_err '(INITED|DONE) '
	expect_err "Dictionary: [0-9]+ entries"
	expect_no_sanitizer
done
done_ok
