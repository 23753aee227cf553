# LFS 12.3 chapter 8.13: M4.
mkdir src && tar -xf "$SOURCES/m4-1.4.19.tar.xz" -C src --strip-components=1
cd src
./configure --prefix=/usr
make
make install
