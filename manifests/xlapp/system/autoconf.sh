# LFS 12.3 chapter 8.46: Autoconf.
mkdir src && tar -xf "$SOURCES/autoconf-2.72.tar.xz" -C src --strip-components=1
cd src
./configure --prefix=/usr
make
make install
