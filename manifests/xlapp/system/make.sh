# LFS 12.3 chapter 8.70: Make.
mkdir src && tar -xf "$SOURCES/make-4.4.1.tar.gz" -C src --strip-components=1
cd src
./configure --prefix=/usr
make
make install
