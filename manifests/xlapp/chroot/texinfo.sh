# LFS 12.3 chapter 7.11: Texinfo.
mkdir src && tar -xf "$SOURCES/texinfo-6.8.tar.xz" -C src --strip-components=1
cd src
./configure --prefix=/usr
make
make install
