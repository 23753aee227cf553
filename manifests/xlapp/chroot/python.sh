# LFS 12.3 chapter 7.10: Python (no --enable-optimizations: PGO does not
# reproduce).
mkdir src && tar -xf "$SOURCES/Python-3.13.5.tar.xz" -C src --strip-components=1
cd src
./configure --prefix=/usr --enable-shared --without-ensurepip
make
make install
