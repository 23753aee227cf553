# LFS 12.3 chapter 8.8: Xz.
mkdir src && tar -xf "$SOURCES/xz-5.8.1.tar.xz" -C src --strip-components=1
cd src
./configure --prefix=/usr --disable-static --docdir=/usr/share/doc/xz-5.8.1
make
make install
