# LFS chapter 5.2, binutils pass 1; the same script runs under xbuild and
# in the plain chroot that BenchmarkSandboxOverhead compares it with.
mkdir src && tar -xf "$SOURCES/binutils.tar.xz" -C src --strip-components=1
cd src
mkdir build && cd build
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
