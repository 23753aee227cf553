# LFS 12.3 chapter 5.6: Libstdc++ from GCC-14.2.0 (target libraries for the
# cross compiler).
. "$SOURCES/unpack.sh"
unpack_gcc gcc
cd gcc
mkdir build && cd build
../libstdc++-v3/configure \
  --host="$LFS_TGT" \
  --build="$(../config.guess)" \
  --prefix=/usr \
  --disable-multilib \
  --disable-nls \
  --disable-libstdcxx-pch \
  --with-gxx-include-dir="/tools/$LFS_TGT/include/c++/14.2.0"
make
make DESTDIR="$LFS" install
rm -f "$LFS"/usr/lib/lib{stdc++{,exp,fs},supc++}.la
