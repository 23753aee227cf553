# LFS 12.3 chapter 5.3: GCC-14.2.0 pass 1, with GMP, MPFR and MPC built in-tree.
. "$SOURCES/unpack.sh"
unpack_gcc gcc
cd gcc
unpack_gmp gmp
mkdir mpfr mpc
tar -xf "$SOURCES/mpfr-4.2.2.tar.xz" -C mpfr --strip-components=1
tar -xf "$SOURCES/mpc-1.3.1.tar.gz" -C mpc --strip-components=1
# x86_64: 64-bit libraries go in lib, not lib64 (no multilib).
sed -e '/m64=/s/lib64/lib/' -i.orig gcc/config/i386/t-linux64
mkdir build && cd build
# GMP is configured by GCC's top level with --host=x86_64-pc-linux-gnu, so it
# is built for a generic x86_64, not tuned to the build machine's CPU.
../configure \
  --target="$LFS_TGT" \
  --prefix="$LFS/tools" \
  --with-glibc-version=2.41 \
  --with-sysroot="$LFS" \
  --with-newlib \
  --without-headers \
  --enable-default-pie \
  --enable-default-ssp \
  --disable-nls \
  --disable-shared \
  --disable-multilib \
  --disable-threads \
  --disable-libatomic \
  --disable-libgomp \
  --disable-libquadmath \
  --disable-libssp \
  --disable-libvtv \
  --disable-libstdcxx \
  --enable-languages=c,c++
make
make install
cd ..
cat gcc/limitx.h gcc/glimits.h gcc/limity.h > \
  "$(dirname "$("$LFS_TGT-gcc" -print-libgcc-file-name)")/include/limits.h"
