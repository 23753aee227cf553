# Sourced by every script that builds from GCC's source.
#
# unpack_gcc DIR: extract GCC 14.2.0 into ./DIR. The upstream release file
# unpacks to gcc-14.2.0/; Debian's orig file (the test-only manifest
# manifests/xlapp-debian pins it under the same /sources name) unpacks to
# gcc-14-14.2.0/ holding gcc-14.2.0-dfsg.tar.xz, the release without the
# documentation Debian considers non-free. Both give the same build tree.
unpack_gcc() {
  mkdir "$1.tmp"
  tar -xf "$SOURCES/gcc-14.2.0.tar.xz" -C "$1.tmp" --strip-components=1
  set -- "$1" "$1.tmp"/gcc-*-dfsg.tar.*
  if [ -f "$2" ]; then
    mkdir "$1"
    tar -xf "$2" -C "$1" --strip-components=1
    rm -rf "$1.tmp"
  else
    mv "$1.tmp" "$1"
  fi
}
