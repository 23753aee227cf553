# LFS 12.3 chapter 7.8: Bison.
mkdir src && tar -xf "$SOURCES/bison-3.8.2.tar.xz" -C src --strip-components=1
cd src
./configure --prefix=/usr --docdir=/usr/share/doc/bison-3.8.2
make
make install
