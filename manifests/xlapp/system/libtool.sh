# LFS 12.3 chapter 8.37: Libtool.
mkdir src && tar -xf "$SOURCES/libtool-2.5.4.tar.xz" -C src --strip-components=1
cd src
./configure --prefix=/usr
make
make install
rm -f /usr/lib/libltdl.a
