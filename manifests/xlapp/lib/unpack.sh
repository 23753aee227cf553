# Sourced by the scripts that build GCC or GMP: unpacking that copes with
# both the upstream release files (manifests/xlapp) and Debian's repacked
# orig files that the test-only manifest manifests/xlapp-debian pins under
# the same /sources names. See manifests/xlapp-debian/README.md.

# unpack_gcc DIR: extract GCC 14.2.0 into ./DIR. The upstream release
# unpacks to gcc-14.2.0/; Debian's orig unpacks to gcc-14-14.2.0/ holding
# gcc-14.2.0-dfsg.tar.xz, the release without the documentation Debian
# considers non-free. Both give the same build tree minus those docs.
unpack_gcc() {
  mkdir "$1.tmp"
  tar -xf "$SOURCES/gcc-14.2.0.tar.xz" -C "$1.tmp" --strip-components=1
  set -- "$1" "$1.tmp"/gcc-*-dfsg.tar.*
  if [ -f "$2" ]; then
    mkdir "$1"
    tar -xf "$2" -C "$1" --strip-components=1
    rm -rf "$1.tmp"
    # Without the GFDL manuals, doc/tm.texi.in lacks the @hook lines and
    # genhooks fails: the documentation check is skipped (stamp only).
    sed -i -e '/^s-tm-texi: build\/genhooks/,/^$/{/^s-tm-texi:/!{/^$/!d}}' \
      -e '/^s-tm-texi: build\/genhooks/a\	$(STAMP) $@' "$1/gcc/Makefile.in"
  else
    mv "$1.tmp" "$1"
  fi
}

# unpack_gmp DIR: extract GMP 6.3.0 into ./DIR. Debian's orig
# (6.3.0+dfsg) has no doc/ directory; drop it from the build when missing.
unpack_gmp() {
  mkdir "$1"
  tar -xf "$SOURCES/gmp-6.3.0.tar.xz" -C "$1" --strip-components=1
  if [ ! -f "$1/doc/Makefile.in" ]; then
    sed -i 's@ doc/Makefile@@' "$1/configure"
    sed -i '/^SUBDIRS = /s/ doc$//' "$1/Makefile.in"
  fi
}
