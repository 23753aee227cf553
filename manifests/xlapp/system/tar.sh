# LFS 12.3 chapter 8.72: Tar.
mkdir src && tar -xf "$SOURCES/tar-1.35.tar.xz" -C src --strip-components=1
cd src
FORCE_UNSAFE_CONFIGURE=1 ./configure --prefix=/usr
make
make install
