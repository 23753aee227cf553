# LFS 12.3 chapter 8.61: Diffutils.
mkdir src && tar -xf "$SOURCES/diffutils-3.10.tar.xz" -C src --strip-components=1
cd src
./configure --prefix=/usr
make
make install
