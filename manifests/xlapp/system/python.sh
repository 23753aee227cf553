# LFS 12.3 chapter 8.51: Python, final (no PGO: not reproducible).
mkdir src && tar -xf "$SOURCES/Python-3.13.5.tar.xz" -C src --strip-components=1
cd src
./configure --prefix=/usr --enable-shared --with-system-expat=no --without-ensurepip
make
make install
