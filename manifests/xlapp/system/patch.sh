# LFS 12.3 chapter 8.71: Patch.
mkdir src && tar -xf "$SOURCES/patch-2.7.6.tar.xz" -C src --strip-components=1
cd src
./configure --prefix=/usr
make
make install
