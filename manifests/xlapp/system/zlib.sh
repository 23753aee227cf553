# LFS 12.3 chapter 8.6: Zlib.
mkdir src && tar -xf "$SOURCES/zlib-1.3.1.tar.xz" -C src --strip-components=1
cd src
./configure --prefix=/usr
make
make install
rm -f /usr/lib/libz.a
