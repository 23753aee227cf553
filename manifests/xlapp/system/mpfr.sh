# LFS 12.3 chapter 8.22: MPFR.
mkdir src && tar -xf "$SOURCES/mpfr-4.2.2.tar.xz" -C src --strip-components=1
cd src
./configure --prefix=/usr --disable-static --enable-thread-safe --docdir=/usr/share/doc/mpfr-4.2.2
make
make install
