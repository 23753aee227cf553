# LFS 12.3 chapter 8.31: Sed.
mkdir src && tar -xf "$SOURCES/sed-4.9.tar.xz" -C src --strip-components=1
cd src
./configure --prefix=/usr
make
make install
