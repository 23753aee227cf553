# LFS 12.3 chapter 8.38: GDBM.
mkdir src && tar -xf "$SOURCES/gdbm-1.24.tar.gz" -C src --strip-components=1
cd src
./configure --prefix=/usr --disable-static --enable-libgdbm-compat
make
make install
