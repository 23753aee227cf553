# LFS 12.3 chapter 5.2: Binutils-2.44 pass 1 (1 SBU, the unit of build time).
mkdir src && tar -xf "$SOURCES/binutils-2.44.tar.xz" -C src --strip-components=1
cd src
mkdir build && cd build
# Reproducibility: the debug info of the host-built tools names the build
# directory; map it to "." so that the build path does not leak
# (found by 'xbuild verify toolchain --until binutils-pass1').
export CFLAGS="-g -O2 -ffile-prefix-map=$(dirname "$PWD")=." CXXFLAGS="-g -O2 -ffile-prefix-map=$(dirname "$PWD")=."
# --enable-deterministic-archives: every ar/ranlib of every later package
# writes zero timestamps/uids into static archives (reproducibility).
../configure --prefix="$LFS/tools" \
  --with-sysroot="$LFS" \
  --target="$LFS_TGT" \
  --disable-nls \
  --enable-gprofng=no \
  --disable-werror \
  --enable-new-dtags \
  --enable-default-hash-style=gnu \
  --enable-deterministic-archives
make
make install
