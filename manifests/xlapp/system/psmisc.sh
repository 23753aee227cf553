# LFS 12.3 chapter 8.32: Psmisc.
mkdir src && tar -xf "$SOURCES/psmisc-23.7.tar.xz" -C src --strip-components=1
cd src
./configure --prefix=/usr
make
make install
