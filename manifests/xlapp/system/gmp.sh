# LFS 12.3 chapter 8.21: GMP, for a generic x86_64 (not tuned to the
# build machine's CPU, so the result does not depend on where it is built).
. "$SOURCES/unpack.sh"
unpack_gmp src
cd src
./configure --prefix=/usr \
  --enable-cxx \
  --disable-static \
  --build=x86_64-pc-linux-gnu \
  --docdir=/usr/share/doc/gmp-6.3.0
make
make install
