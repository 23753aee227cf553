# LFS 12.3 chapter 8.24: Attr.
mkdir src && tar -xf "$SOURCES/attr-2.5.2.tar.xz" -C src --strip-components=1
cd src
./configure --prefix=/usr --disable-static --sysconfdir=/etc --docdir=/usr/share/doc/attr-2.5.2
make
make install
