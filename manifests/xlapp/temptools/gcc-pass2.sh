# LFS 12.3 chapter 6.18: GCC pass 2, a native compiler for the LFS system
# built by the cross toolchain.
. "$SOURCES/unpack.sh"
unpack_gcc gcc
cd gcc
unpack_gmp gmp
mkdir mpfr mpc
tar -xf "$SOURCES/mpfr-4.2.2.tar.xz" -C mpfr --strip-components=1
tar -xf "$SOURCES/mpc-1.3.1.tar.gz" -C mpc --strip-components=1
sed -e '/m64=/s/lib64/lib/' -i.orig gcc/config/i386/t-linux64
sed '/thread_header =/s/@.*@/gthr-posix.h/' -i libgcc/Makefile.in libstdc++-v3/include/Makefile.in
mkdir build && cd build
../configure \
  --build="$(../config.guess)" \
  --host="$LFS_TGT" \
  --target="$LFS_TGT" \
  LDFLAGS_FOR_TARGET=-L"$PWD/$LFS_TGT/libgcc" \
  --prefix=/usr \
  --with-build-sysroot="$LFS" \
  --enable-default-pie \
  --enable-default-ssp \
  --disable-nls \
  --disable-multilib \
  --disable-libatomic \
  --disable-libgomp \
  --disable-libquadmath \
  --disable-libsanitizer \
  --disable-libssp \
  --disable-libvtv \
  --enable-languages=c,c++
make
make DESTDIR="$LFS" install
ln -sv gcc "$LFS/usr/bin/cc"
