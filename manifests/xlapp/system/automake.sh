# LFS 12.3 chapter 8.47: Automake.
mkdir src && tar -xf "$SOURCES/automake-1.17.tar.xz" -C src --strip-components=1
cd src
./configure --prefix=/usr --docdir=/usr/share/doc/automake-1.17
make
make install
